"""Recurrent-layer workloads (issue: recurrent layers), written once for both libraries.

``make(lib) -> step`` where ``lib`` is ``ember`` or ``torch``: the model is built with
``lib.nn`` and given the same initial weights, drawn from a seeded NumPy source, in both.
"""

import numpy as np


def _load_seeded(lib, model, seed=0):
    """Overwrite every parameter with ``U(-1/sqrt(fan), 1/sqrt(fan))`` from one NumPy seed."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, p in model.state_dict().items():
        bound = 1 / np.sqrt(p.shape[-1])
        state[name] = lib.tensor(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32))
    model.load_state_dict(state)


def lstm_train_step(lib, input_size=32, hidden=128, seq=35, batch=32, classes=10, lr=0.01):
    """One SGD step of an LSTM classifier: the last hidden state goes to a linear layer of
    ``classes`` outputs and a cross-entropy loss (log_softmax + gather, the same in both)."""
    lstm = lib.nn.LSTM(input_size, hidden)
    head = lib.nn.Linear(hidden, classes)
    _load_seeded(lib, lstm, 0)
    _load_seeded(lib, head, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    rng = np.random.default_rng(2)
    x = lib.tensor(rng.standard_normal((seq, batch, input_size)).astype(np.float32))
    y = lib.tensor(rng.integers(0, classes, (batch, 1)).astype(np.int64))

    def step():
        _, (h_n, _) = lstm(x)
        logits = head(h_n[-1])
        loss = -logits.log_softmax(1).gather(1, y).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
                p.grad = None
    return step


def lstm_train_step_numpy(input_size=32, hidden=128, seq=35, batch=32, classes=10, lr=0.01):
    """The same step written by hand in NumPy (gates in one product per step, BPTT by hand)."""
    rng = np.random.default_rng(0)
    b = 1 / np.sqrt(hidden)
    w_ih = rng.uniform(-b, b, (4 * hidden, input_size)).astype(np.float32)
    w_hh = rng.uniform(-b, b, (4 * hidden, hidden)).astype(np.float32)
    bias = rng.uniform(-b, b, 4 * hidden).astype(np.float32)
    w_out = rng.uniform(-b, b, (classes, hidden)).astype(np.float32)
    b_out = np.zeros(classes, np.float32)
    data = np.random.default_rng(2)
    x = data.standard_normal((seq, batch, input_size)).astype(np.float32)
    y = data.integers(0, classes, batch)
    H = hidden

    def step():
        xw = (x.reshape(-1, input_size) @ w_ih.T + bias).reshape(seq, batch, 4 * H)
        h = np.zeros((batch, H), np.float32)
        c = np.zeros((batch, H), np.float32)
        hs, cs, acts = [h], [c], []
        for t in range(seq):
            z = xw[t] + h @ w_hh.T
            i, f, o = (1 / (1 + np.exp(-z[:, k * H:(k + 1) * H])) for k in (0, 1, 3))
            g = np.tanh(z[:, 2 * H:3 * H])
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            hs.append(h)
            cs.append(c)
            acts.append((i, f, g, o, tc))
        logits = h @ w_out.T + b_out
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[np.arange(batch), y] -= 1
        p /= batch
        g_wout, g_bout = p.T @ h, p.sum(0)
        gh = p @ w_out
        gc = np.zeros_like(gh)
        dz = np.empty((seq, batch, 4 * H), np.float32)
        for t in reversed(range(seq)):
            i, f, g, o, tc = acts[t]
            gc = gc + gh * o * (1 - tc * tc)
            dz[t, :, :H] = gc * g * i * (1 - i)
            dz[t, :, H:2 * H] = gc * cs[t] * f * (1 - f)
            dz[t, :, 2 * H:3 * H] = gc * i * (1 - g * g)
            dz[t, :, 3 * H:] = gh * tc * o * (1 - o)
            gc = gc * f
            gh = dz[t] @ w_hh
        flat = dz.reshape(-1, 4 * H)
        grads = (flat.T @ x.reshape(-1, input_size),
                 flat.T @ np.concatenate(hs[:-1]), flat.sum(0), g_wout, g_bout)
        for param, grad in zip((w_ih, w_hh, bias, w_out, b_out), grads):
            param -= lr * grad
    return step


# name: (make(lib, **kwargs), kwargs, target ratio ember/torch, hand-written NumPy reference or None)
WORKLOADS = {
    "LSTM train step (input 32, hidden 128, seq 35, batch 32)":
        (lstm_train_step, {}, 1.3, lstm_train_step_numpy),
}
