"""F.ctc_loss and nn.CTCLoss (ember.nn.functional.ctc_loss) against PyTorch."""

import re

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["mean", "sum", "none"]
TOLERANCE = {np.float64: dict(rtol=1e-6, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}


def _log_probs(shape, dtype, seed=0):
    x = np.random.default_rng(seed).normal(size=shape) * 2
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype)


def _compare(lp, targets, input_lengths, target_lengths, dtype, **kwargs):
    """Loss and gradient w.r.t. log_probs of ember and torch; lengths given as arrays become
    each library's tensors, tuples stay tuples."""
    a = ember.tensor(lp, requires_grad=True)
    b = torch.tensor(lp, requires_grad=True)
    lengths = [input_lengths, target_lengths]
    mine = [ember.tensor(v) if isinstance(v, np.ndarray) else v for v in lengths]
    theirs = [torch.tensor(v) if isinstance(v, np.ndarray) else v for v in lengths]
    loss = F.ctc_loss(a, ember.tensor(targets), *mine, **kwargs)
    t_loss = torch.nn.functional.ctc_loss(b, torch.tensor(targets), *theirs, **kwargs)
    tol = TOLERANCE[dtype]
    assert loss.dtype == a.dtype and loss.shape == tuple(t_loss.shape)
    np.testing.assert_allclose(loss.detach().numpy(), t_loss.detach().numpy(), **tol)
    weights = np.random.default_rng(1).uniform(0.5, 1.5, size=tuple(t_loss.shape)).astype(dtype)
    (loss * ember.tensor(weights)).sum().backward()
    (t_loss * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    return loss


def _batch(batch, n_steps, n_classes, longest, seed, blank=0):
    rng = np.random.default_rng(seed)
    labels = [c for c in range(n_classes) if c != blank]
    target_lengths = tuple(int(v) for v in rng.integers(0, longest + 1, size=batch))
    targets = rng.choice(labels, size=(batch, longest))
    targets[0, :2] = labels[0]  # a repeated label: alignments need a blank between the two
    # every alignment fits: T >= S + number of repeats
    input_lengths = tuple(int(v) for v in rng.integers(2 * longest, n_steps + 1, size=batch))
    return targets, input_lengths, target_lengths


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batch", [1, 3, 6])
@pytest.mark.parametrize("concatenated", [False, True])
def test_matches_torch(dtype, reduction, batch, concatenated):
    n_steps, n_classes, longest = 12, 5, 4
    targets, il, tl = _batch(batch, n_steps, n_classes, longest, seed=batch)
    lp = _log_probs((n_steps, batch, n_classes), dtype, seed=batch)
    if concatenated:
        targets = np.concatenate([row[:n] for row, n in zip(targets, tl)])
    _compare(lp, targets, il, tl, dtype, reduction=reduction)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_target_lengths_tensor_lengths_and_blank(dtype):
    lp = _log_probs((8, 4, 6), dtype, seed=3)
    targets = np.array([[1, 1, 5], [2, 3, 1], [5, 5, 5], [1, 2, 3]])
    for reduction in REDUCTIONS:
        a = ember.tensor(lp, requires_grad=True)
        b = torch.tensor(lp, requires_grad=True)
        args = (ember.tensor([8, 3, 6, 0]), ember.tensor([0, 3, 3, 0]))
        t_args = (torch.tensor([8, 3, 6, 0]), torch.tensor([0, 3, 3, 0]))
        loss = F.ctc_loss(a, ember.tensor(targets), *args, blank=4, reduction=reduction)
        t_loss = torch.nn.functional.ctc_loss(b, torch.tensor(targets), *t_args, blank=4,
                                              reduction=reduction)
        np.testing.assert_allclose(loss.detach().numpy(), t_loss.detach().numpy(),
                                   **TOLERANCE[dtype])
        loss.sum().backward()
        t_loss.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOLERANCE[dtype])


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_unbatched(dtype, reduction):
    lp = _log_probs((9, 4), dtype, seed=5)
    targets = np.array([3, 3, 1])
    _compare(lp, targets, np.array(7), np.array(3), dtype, reduction=reduction)
    _compare(lp, targets, (7,), (3,), dtype, reduction=reduction)


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [True, False])
def test_impossible_alignment(reduction, zero_infinity):
    lp = _log_probs((5, 3, 4), np.float64, seed=7)
    targets = np.array([[1, 1, 1], [2, 3, 1], [1, 2, 0]])
    il, tl = (4, 5, 5), (3, 3, 2)  # 1 1 1 needs 5 steps: infinite loss for the first sample
    a = ember.tensor(lp, requires_grad=True)
    b = torch.tensor(lp, requires_grad=True)
    kwargs = dict(reduction=reduction, zero_infinity=zero_infinity)
    loss = F.ctc_loss(a, ember.tensor(targets), il, tl, **kwargs)
    t_loss = torch.nn.functional.ctc_loss(b, torch.tensor(targets), il, tl, **kwargs)
    np.testing.assert_allclose(loss.detach().numpy(), t_loss.detach().numpy(), rtol=1e-6)
    assert np.isfinite(loss.detach().numpy()).all() == zero_infinity
    loss.sum().backward()
    t_loss.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-12)
    if zero_infinity:
        assert (a.grad.numpy()[:, 0] == 0).all()


@needs_torch
def test_module_matches_functional_and_repr():
    lp = _log_probs((6, 2, 4), np.float64, seed=9)
    targets, il, tl = np.array([[1, 2], [3, 3]]), (6, 5), (2, 2)
    for kwargs in [{}, dict(blank=3, reduction="sum", zero_infinity=True)]:
        module, t_module = nn.CTCLoss(**kwargs), torch.nn.CTCLoss(**kwargs)
        assert repr(module) == repr(t_module) == "CTCLoss()"
        t = np.where(targets == kwargs.get("blank", 0), 1, targets)
        np.testing.assert_allclose(
            module(ember.tensor(lp), ember.tensor(t), il, tl).item(),
            t_module(torch.tensor(lp), torch.tensor(t), il, tl).item(), rtol=1e-6)


def test_double_backward_raises():
    lp = ember.tensor(_log_probs((4, 1, 3), np.float64), requires_grad=True)
    loss = F.ctc_loss(lp, ember.tensor([[1, 2]]), (4,), (2,))
    gx, = ember.autograd.grad(loss, lp, create_graph=True)
    with pytest.raises(RuntimeError, match="double backward through ctc_loss is not supported"):
        gx.sum().backward()


@pytest.mark.parametrize("make,error,message", [
    (lambda lp, t: F.ctc_loss(lp.numpy(), t, (4,), (2,)), TypeError,
     "ctc_loss: log_probs must be a Tensor, got ndarray"),
    (lambda lp, t: F.ctc_loss(lp, t, (4,), (2,), reduction="avg"), ValueError,
     "ctc_loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'"),
    (lambda lp, t: F.ctc_loss(lp.long(), t, (4,), (2,)), TypeError,
     "ctc_loss: log_probs of shape (4, 1, 3) has dtype ember.int64 but must be floating point"),
    (lambda lp, t: F.ctc_loss(lp[0, 0], t, (4,), (2,)), ValueError,
     "ctc_loss: log_probs must be (T, N, C) or unbatched (T, C), got shape (3,)"),
    (lambda lp, t: F.ctc_loss(lp, t, (4,), (2,), blank=3), ValueError,
     "ctc_loss: blank must be in label range [0, 3), got 3"),
    (lambda lp, t: F.ctc_loss(lp, t, ember.tensor([4.0]), (2,)), TypeError,
     "ctc_loss: input_lengths must hold integers, got dtype ember.float32"),
    (lambda lp, t: F.ctc_loss(lp, t, (4,), [2.0]), TypeError,
     "ctc_loss: target_lengths must be a tensor of integers or a tuple of ints, got list"),
    (lambda lp, t: F.ctc_loss(lp, t, 4, (2,)), TypeError,
     "ctc_loss: input_lengths must be a tensor of integers or a tuple of ints, got int"),
    (lambda lp, t: F.ctc_loss(lp, t, (4, 4), (2,)), ValueError,
     "ctc_loss: input_lengths must have shape (1,) (one length per sample), got shape (2,)"),
    (lambda lp, t: F.ctc_loss(lp, t, (4,), (-1,)), ValueError,
     "ctc_loss: target_lengths must be non-negative, got [-1]"),
    (lambda lp, t: F.ctc_loss(lp, t, (5,), (2,)), ValueError,
     "ctc_loss: input_lengths must be at most the number of time steps T = 4, got [5]"),
    (lambda lp, t: F.ctc_loss(lp, t.float(), (4,), (2,)), TypeError,
     "ctc_loss: targets must hold integer class indices, got dtype ember.float32"),
    (lambda lp, t: F.ctc_loss(lp, t, (4,), (3,)), ValueError,
     "ctc_loss: padded targets of shape (1, 2) are shorter than the longest target length 3"),
    (lambda lp, t: F.ctc_loss(lp, ember.tensor([[1, 2], [1, 2]]), (4,), (2,)), ValueError,
     "ctc_loss: padded targets of shape (2, 2) must have one row per sample (1)"),
    (lambda lp, t: F.ctc_loss(lp, ember.tensor([1]), (4,), (2,)), ValueError,
     "ctc_loss: concatenated targets of shape (1,) must hold sum(target_lengths) = 2 "
     "labels"),
    (lambda lp, t: F.ctc_loss(lp, ember.tensor([[[1]]]), (4,), (1,)), ValueError,
     "ctc_loss: targets must be padded (N, S) or concatenated"),
    (lambda lp, t: F.ctc_loss(lp[:, 0], t, (4,), (2,)), ValueError,
     "ctc_loss: unbatched log_probs (T, C) take 1-D targets (S,), got targets of shape (1, 2)"),
    (lambda lp, t: F.ctc_loss(lp, ember.tensor([[1, 3]]), (4,), (2,)), ValueError,
     "ctc_loss: targets must be class indices in [0, 3)"),
])
def test_errors(make, error, message):
    lp = ember.tensor(_log_probs((4, 1, 3), np.float32))
    with pytest.raises(error, match=re.escape(message)):
        make(lp, ember.tensor([[1, 2]]))
