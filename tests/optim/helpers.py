"""Feed identical gradients to an ember optimizer and its PyTorch twin; compare after each step.

    compare_with_torch("Adam", {"lr": 0.1, "amsgrad": True})

Both get the same seeded parameters of several shapes (a 0-d one included) and the same seeded
gradients; one parameter has no gradient on some steps (it must be skipped, and its state made
lazily later). After every step the parameters and the whole per-parameter state are compared.
"""

import numpy as np
import pytest

import ember
import ember.optim
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]
SOMETIMES_NO_GRAD = 1  # this parameter has grad None on even steps


def make_params(shapes=SHAPES, dtype=np.float64, seed=0):
    """The same random values as ember and torch leaf tensors that require grad."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays] if torch is not None else None
    return ours, theirs


def to_numpy(value):
    if isinstance(value, ember.Tensor):
        return np.asarray(value._data)
    return value.detach().numpy()


def assert_state_equal(ours, theirs, rtol, atol, where=""):
    """One parameter's state: the same keys and the same values (tensors, numbers, lists)."""
    assert set(ours) == set(theirs), f"{where}: state keys {sorted(ours)} != torch {sorted(theirs)}"
    for key in ours:
        a, b = ours[key], theirs[key]
        if isinstance(b, list):
            assert isinstance(a, list) and len(a) == len(b), f"{where}: state {key!r}"
            for x, y in zip(a, b):
                assert_value_equal(x, y, rtol, atol, f"{where} {key}")
        else:
            assert_value_equal(a, b, rtol, atol, f"{where} {key}")


def assert_value_equal(a, b, rtol, atol, where):
    if b is None:
        assert a is None, where
        return
    if isinstance(b, torch.Tensor):
        b = b.detach().numpy()
    if isinstance(a, ember.Tensor):
        assert isinstance(b, np.ndarray), f"{where}: ember has a tensor, torch a {type(b)}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} != torch {b.shape}"
        a = np.asarray(a._data)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


def compare_with_torch(name, kwargs, steps=6, dtype=np.float64, rtol=1e-10, atol=1e-12,
                       groups=None, seed=0):
    """Step ``ember.optim.<name>`` and ``torch.optim.<name>`` ``steps`` times on identical
    gradients and compare parameters and state after each step.

    ``groups``: a list of (parameter indices, options) to build parameter groups instead of one.
    """
    ours, theirs = make_params(dtype=dtype, seed=seed)
    if groups is None:
        opt = getattr(ember.optim, name)(ours, **kwargs)
        topt = getattr(torch.optim, name)(theirs, **kwargs)
    else:
        opt = getattr(ember.optim, name)(
            [{"params": [ours[i] for i in idx], **o} for idx, o in groups], **kwargs)
        topt = getattr(torch.optim, name)(
            [{"params": [theirs[i] for i in idx], **o} for idx, o in groups], **kwargs)
    rng = np.random.default_rng(seed + 100)
    for step in range(steps):
        for i, (p, tp) in enumerate(zip(ours, theirs)):
            if i == SOMETIMES_NO_GRAD and step % 2 == 0:
                p.grad, tp.grad = None, None
                continue
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad, tp.grad = ember.tensor(g.copy()), torch.tensor(g.copy())
        opt.step()
        topt.step()
        for i, (p, tp) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{name}{kwargs}: parameter {i} after step {step + 1}")
            assert (p in opt.state) == (tp in topt.state), f"parameter {i}: state made or not"
            if tp in topt.state:
                assert_state_equal(opt.state[p], topt.state[tp], rtol, atol,
                                   f"{name}{kwargs}: state of parameter {i} after step {step + 1}")
    return opt, topt, ours, theirs
