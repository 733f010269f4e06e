"""Negative log-likelihood losses of count and real-valued targets: Poisson and Gaussian, with
PyTorch's semantics (the Stirling term of the Poisson loss, the variance shapes and clamping of
the Gaussian loss).

``reduction`` and the deprecated ``size_average``/``reduce`` flags work as in
ember.nn.functional.loss.
"""

import math
import numbers

from ember import ops
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.nn.functional.loss import (
    _broadcast_shape,
    _check_float,
    _check_reduction,
    _check_tensors,
    _const,
    _reduce,
    legacy_reduction,
)
from ember.ops._util import shape_str
from ember.tensor.tensor import Tensor

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of counts ``target`` under a Poisson distribution of rate ``input``.

    ``exp(input) - target * input`` when ``log_input`` (``input`` is the log-rate), else
    ``input - target * log(input + eps)``. ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target * log(target) - target + 0.5 * log(2 * pi * target)``, where
    ``target > 1`` (0 elsewhere), as PyTorch.

    Args:
        input: log-rates (or rates), any shape ``(*)``.
        target: counts, the input's shape (broadcast).

    >>> round(F.poisson_nll_loss(ember.tensor([0.0]), ember.tensor([2.0])).item(), 4)
    1.0
    """
    op = "poisson_nll_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    _broadcast_shape(op, input=input, target=target)
    if target._data.dtype.kind != "f":  # counts may come as integers
        target = target.to(input.dtype)
    if log_input:
        loss = ops.exp(input) - target * input
    else:
        loss = input - target * ops.log(input + eps)
    if full:
        above_one = target > 1
        t = ops.where(above_one, target, 2.0)  # log(t) stays finite, and so does its gradient
        stirling = t * ops.log(t) - t + 0.5 * ops.log(2 * math.pi * t)
        loss = loss + ops.where(above_one, stirling, 0.0)
    return _reduce(loss, reduction)


class ClampedVariance(Primitive):
    """``max(var, eps)`` whose gradient passes to ``var`` unchanged: PyTorch clamps the variance
    in place under ``no_grad``, so the loss is differentiated as if ``var`` were the clamped value."""

    @staticmethod
    def forward(ctx, var, eps):
        return array_module(var).maximum(var, eps)

    @staticmethod
    def backward(ctx, gy):
        return gy, None


def _variance(op, var, input):
    """``var`` checked (non-negative, floating point) and shaped to broadcast with ``input``
    under PyTorch's rules: the input's shape, the input's shape without its last dimension, or
    the input's shape with one dimension of size 1."""
    if isinstance(var, numbers.Real) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var must be non-negative, got {var}")
        xp = array_module(input._data)
        return _const(xp.full(input.shape, var, dtype=input._data.dtype))
    if not isinstance(var, Tensor):
        raise TypeError(f"{op}: var must be a Tensor or a non-negative number, got "
                        f"{type(var).__name__}")
    _check_tensors(op, like=input, var=var)
    _check_float(op, "var", var)
    va = var._data
    if va.size and va.min() < 0:
        raise ValueError(f"{op}: var must be non-negative, but its smallest entry is "
                         f"{float(va.min()):g}; predict it through softplus or exp, e.g. "
                         "F.softplus(raw_var)")
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:  # one variance per sample: broadcast it over the last dim
        return var.unsqueeze(-1)
    if var.ndim == input.ndim and \
            sum(v for n, v in zip(input.shape, var.shape) if n != v) == 1:  # one dim of size 1
        return var
    raise ValueError(f"{op}: var of shape {shape_str(var.shape)} doesn't fit the input of shape "
                     f"{shape_str(input.shape)}; give var the input's shape (one variance per "
                     f"value), {shape_str(input.shape[:-1])} (one per sample), or the input's shape "
                     "with one dimension of size 1 (shared along it)")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under Gaussians of mean ``input`` and variance ``var``:
    ``0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps))``, plus ``0.5 * log(2 * pi)``
    when ``full``.

    Args:
        input: means ``(N, *)`` or ``(*)``.
        target: the input's shape (broadcast).
        var: variances, non-negative: a tensor of the input's shape, of the input's shape
            without its last dimension or with one dimension of size 1 (shared variances), or a
            number. Clamped at ``eps``; the gradient passes through the clamp, as in PyTorch.

    >>> round(F.gaussian_nll_loss(ember.tensor([1.0]), ember.tensor([3.0]), 4.0).item(), 4)
    1.1931
    """
    op = "gaussian_nll_loss"
    _check_tensors(op, input=input, target=target)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    var = _variance(op, var, input)
    _broadcast_shape(op, input=input, target=target, var=var)
    var = ClampedVariance.apply(var, eps)
    diff = input - target
    loss = 0.5 * (ops.log(var) + diff * diff / var)
    if full:
        loss = loss + _HALF_LOG_2PI
    return _reduce(loss, reduction)
