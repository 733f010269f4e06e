"""Optimizer workloads (issue: ember.optim), written once for both libraries.

Each workload is ``make(lib) -> step`` where ``lib`` is ``ember`` or ``torch``: one optimizer
step over 10 parameters of 1M float32 each, whose gradients are set once, so that only the
update rule is timed (memory-bound elementwise work on 10M values).
"""

import importlib

import numpy as np


def _params(lib, n, size, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for _ in range(n):
        p = lib.tensor(rng.standard_normal(size).astype(np.float32), requires_grad=True)
        p.grad = lib.tensor((rng.standard_normal(size) * 1e-3).astype(np.float32))
        params.append(p)
    return params


def _optim(lib):
    return importlib.import_module(lib.__name__ + ".optim")  # torch.optim or ember.optim


def adam_step(lib, n=10, size=1_000_000):
    """One Adam step (lr 1e-3) over ``n`` parameters of ``size`` float32 values."""
    return _optim(lib).Adam(_params(lib, n, size), lr=1e-3).step


def sgd_momentum_step(lib, n=10, size=1_000_000):
    """One SGD step with momentum 0.9 over ``n`` parameters of ``size`` float32 values."""
    return _optim(lib).SGD(_params(lib, n, size), lr=1e-3, momentum=0.9).step


# name: (make(lib, **kwargs), kwargs, target ratio ember/torch, hand-written NumPy reference or None)
WORKLOADS = {
    "Adam step over 10M parameters": (adam_step, {}, 2.0, None),
    "SGD momentum step over 10M parameters": (sgd_momentum_step, {}, 2.0, None),
}
