"""Layer workloads (issue: convolution, pooling, normalization), written once for both libraries.

``make(lib) -> step`` where ``lib`` is ``ember`` or ``torch``: the model is built with ``lib.nn``
and loaded with the same initial weights, drawn from one seeded NumPy source, in both. A step is
forward, cross-entropy, backward and a plain SGD update (``p -= 0.01 * p.grad`` under no_grad).
"""

import math

import numpy as np


def _load_seeded(lib, model, seed=0):
    """Overwrite every parameter with PyTorch's default ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``,
    drawn from one NumPy seed (a bias takes its layer's weight's fan_in)."""
    rng = np.random.default_rng(seed)
    state, fan_in = {}, {}
    for name, p in model.state_dict().items():
        layer, _, kind = name.rpartition(".")
        shape = tuple(p.shape)
        if kind == "weight":
            fan_in[layer] = math.prod(shape[1:])
        bound = 1 / math.sqrt(fan_in.get(layer, shape[0]))
        state[name] = lib.tensor(rng.uniform(-bound, bound, shape).astype(np.float32))
    model.load_state_dict(state)


def _cross_entropy(lib, logits, target):
    functional = lib.nn.functional
    if hasattr(functional, "cross_entropy"):
        return functional.cross_entropy(logits, target)
    return -logits.log_softmax(1).gather(1, target.reshape(-1, 1)).mean()


def _train_step(lib, model, x, y, lr=0.01):
    params = list(model.parameters())

    def step():
        loss = _cross_entropy(lib, model(x), y)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return step


def lenet_train_step(lib, batch=64):
    """conv 1->32 3x3, relu, maxpool 2, conv 32->64 3x3, relu, maxpool 2, linear 1600->128, relu,
    linear 128->10, on 28x28 inputs."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
    _load_seeded(lib, model)
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch).astype(np.int64))
    return _train_step(lib, model, x, y)


def deep_tanh_mlp_train_step(lib, depth=20, width=256, batch=64):
    """``depth`` linear layers of ``width`` units with tanh between them, then 10 classes."""
    nn = lib.nn
    layers = []
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(width, 10))
    _load_seeded(lib, model)
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((batch, width)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch).astype(np.int64))
    return _train_step(lib, model, x, y)


def deep_tanh_mlp_train_step_numpy(depth=20, width=256, batch=64):
    """The same step written by hand in NumPy (weights stored as (in, out), so no transposes in
    the forward pass): the floor for an engine built on NumPy."""
    rng = np.random.default_rng(0)
    sizes = [width] * depth + [10]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        biases.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    rows = np.arange(batch)

    def step():
        hs = [x]
        for w, b in zip(weights[:-1], biases[:-1]):
            hs.append(np.tanh(hs[-1] @ w + b))
        z = hs[-1] @ weights[-1] + biases[-1]
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[rows, y] -= 1
        g = p / batch
        for i in range(depth - 1, -1, -1):
            gw, gb = hs[i].T @ g, g.sum(0)
            if i:
                g = (g @ weights[i].T) * (1 - hs[i] * hs[i])
            weights[i] -= 0.01 * gw
            biases[i] -= 0.01 * gb
    return step


# name: (make(lib, **kwargs), kwargs, target ratio ember/torch, hand-written NumPy reference or None)
WORKLOADS = {
    "LeNet-style CNN train step, batch 64": (lenet_train_step, {"batch": 64}, 1.4, None),
    "20-layer tanh MLP, width 256, batch 64, train step": (deep_tanh_mlp_train_step, {}, 1.0,
                                                           deep_tanh_mlp_train_step_numpy),
}
