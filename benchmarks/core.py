"""Core-engine workloads (issue: core engine), written once for both libraries.

Each workload is ``make(lib) -> step`` where ``lib`` is ``ember`` or ``torch``: the two share
PyTorch's API, so the same code runs on both, on the same seeded data and initial weights.
"""

import numpy as np


def _params(lib, sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
        params += [lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)]
    return params


def _data(lib, batch, seed=1):
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch).astype(np.int64))
    return x, y


def _forward(params, x):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = h.relu()
    return h


def chain_of_adds(lib, n=1000):
    """1,000 small adds, then backward: the per-op overhead of the engine."""
    x = lib.ones(16, requires_grad=True)
    c = lib.ones(16)

    def step():
        y = x
        for _ in range(n):
            y = y + c
        y.sum().backward()
        x.grad = None
    return step


def mlp_train_step(lib, batch):
    """One SGD-momentum step of a 784-512-512-10 ReLU MLP with cross-entropy (raw ops)."""
    params = _params(lib, [784, 512, 512, 10])
    velocity = [lib.zeros_like(p) for p in params]
    x, y = _data(lib, batch)
    index = y.reshape(-1, 1)

    def step():
        logits = _forward(params, x)
        loss = -logits.log_softmax(1).gather(1, index).mean()
        loss.backward()
        with lib.no_grad():
            for p, v in zip(params, velocity):
                v.mul_(0.9).add_(p.grad)
                p.sub_(0.01 * v)
                p.grad = None
    return step


def mlp_forward(lib, batch=1024):
    """The same MLP's forward pass under no_grad."""
    params = _params(lib, [784, 512, 512, 10])
    x, _ = _data(lib, batch)

    def step():
        with lib.no_grad():
            _forward(params, x)
    return step


def _numpy_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params += [rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                   rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)]
    return params


def mlp_train_step_numpy(batch):
    """The same step written by hand in NumPy: the floor for an engine built on NumPy."""
    params = _numpy_params([784, 512, 512, 10])
    velocity = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    rows = np.arange(batch)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        z = h2 @ w3 + b3
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        gz = p
        gz[rows, y] -= 1
        gz /= batch
        g2 = (gz @ w3.T) * (h2 > 0)
        g1 = (g2 @ w2.T) * (h1 > 0)
        grads = [x.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ gz, gz.sum(0)]
        for p_, v, g in zip(params, velocity, grads):
            v *= 0.9
            v += g
            p_ -= 0.01 * v
    return step


def mlp_forward_numpy(batch=1024):
    params = _numpy_params([784, 512, 512, 10])
    x = np.random.default_rng(1).standard_normal((batch, 784)).astype(np.float32)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        np.maximum(np.maximum(x @ w1 + b1, 0) @ w2 + b2, 0) @ w3 + b3
    return step


# name: (make(lib, **kwargs), kwargs, target ratio ember/torch, hand-written NumPy reference or None)
WORKLOADS = {
    "per-op overhead: 1,000 adds + backward": (chain_of_adds, {}, 1.0, None),
    "MLP 784-512-512-10 train step, batch 128": (mlp_train_step, {"batch": 128}, 1.05, mlp_train_step_numpy),
    "MLP 784-512-512-10 train step, batch 16": (mlp_train_step, {"batch": 16}, 1.2, mlp_train_step_numpy),
    "MLP forward (no_grad), batch 1024": (mlp_forward, {"batch": 1024}, 1.05, mlp_forward_numpy),
}
