"""Sorting and selection: sort, argsort, topk, kthvalue, median.

The values are taken from the input at the selected indices (a differentiable gather), so the
gradient flows back to the positions the values came from. NaN sorts as the largest value, as in
PyTorch.
"""

from collections import namedtuple

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import normalize_dim, shape_str
from ember.ops.reduction import _const, _take_along, _ties_grad
from ember.ops.view import reshape

__all__ = ["sort", "argsort", "topk", "kthvalue", "median"]

# PyTorch's torch.return_types: named tuples with .values and .indices
sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
median_result = namedtuple("median", ["values", "indices"])


def _along(dim, ndim, sl):
    """An index that applies the slice ``sl`` along ``dim`` only."""
    return (slice(None),) * dim + (sl,) + (slice(None),) * (ndim - dim - 1)


def _sorted_index(x, dim, descending):
    """Indices that sort ``x`` along ``dim``; ties keep their original order in both directions."""
    xp = array_module(x)
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable")
    # sort the reversed slice ascending, then reverse back: descending values, ties in order
    index = xp.argsort(xp.flip(x, axis=dim), axis=dim, kind="stable")
    return (x.shape[dim] - 1) - xp.flip(index, axis=dim)


def _prepare(op, input, dim):
    """``(array, dim)``, a 0-d input seen as one element along dim 0, as PyTorch does."""
    d = normalize_dim(-1 if dim is None else dim, input.ndim, op)
    x = input._data
    return (x.reshape(1) if x.ndim == 0 else x), d


def _result(kind, input, index, dim, squeeze):
    """Values gathered from ``input`` at ``index`` (kept-dims layout) and the indices."""
    if input.ndim == 0:
        values = _take_along(reshape(input, (1,)), index, 0, squeeze=True)
        return kind(values, _const(index.reshape(())))
    values = _take_along(input, index, dim, squeeze=squeeze)
    return kind(values, _const(index.squeeze(axis=dim) if squeeze else index))


def sort(input, dim=-1, descending=False, stable=False):
    """Sort along ``dim``; returns ``(values, indices)``. The sort is always stable (equal
    elements keep their order), which ``stable=True`` guarantees in PyTorch."""
    x, d = _prepare("sort", input, dim)
    index = _sorted_index(x, d, descending).astype(np.int64, copy=False)
    return _result(sort_result, input, index, d, False)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim``; int64."""
    x, d = _prepare("argsort", input, dim)
    index = _sorted_index(x, d, descending).astype(np.int64, copy=False)
    return _const(index.reshape(()) if input.ndim == 0 else index)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """The ``k`` largest (or smallest) elements along ``dim``: ``(values, indices)``."""
    x, d = _prepare("topk", input, dim)
    n = x.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k={k} is out of range for dimension {d} of size {n} (input shape "
                           f"{shape_str(input.shape)}); k must be in [0, {n}]")
    xp = array_module(x)
    if k == 0 or k == n:
        index = _sorted_index(x, d, largest)[_along(d, x.ndim, slice(0, k))]
    else:  # a partition finds the k in linear time; only those k are then sorted
        part = xp.argpartition(x, n - k if largest else k - 1, axis=d)
        index = part[_along(d, x.ndim, slice(n - k, None) if largest else slice(0, k))]
        if sorted:
            order = _sorted_index(xp.take_along_axis(x, index, axis=d), d, largest)
            index = xp.take_along_axis(index, order, axis=d)
    return _result(topk_result, input, index.astype(np.int64, copy=False), d, False)


def _kth_index(x, k, d):
    """The (kept-dims) index of the k-th smallest element (1-based) along ``d``."""
    xp = array_module(x)
    return xp.argpartition(x, k - 1, axis=d)[_along(d, x.ndim, slice(k - 1, k))]


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element (1-based) along ``dim``: ``(values, indices)``."""
    x, d = _prepare("kthvalue", input, dim)
    n = x.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: k={k} is out of range for dimension {d} of size {n} (input "
                           f"shape {shape_str(input.shape)}); k must be in [1, {n}]")
    index = _kth_index(x, k, d).astype(np.int64, copy=False)
    return _result(kthvalue_result, input, index, d, not keepdim)


class _MedianAll(Primitive):
    """The lower median of all elements; the gradient is split evenly among equal elements."""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        flat = x.reshape(-1)
        if flat.size == 0 or (x.dtype.kind == "f" and xp.isnan(flat).any()):
            y = xp.asarray(xp.nan, dtype=x.dtype)
        else:
            k = (flat.size - 1) // 2
            y = xp.partition(flat, k)[k]
        y = xp.asarray(y, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return _ties_grad(gy, x, y, tuple(range(x.ndim)))


def median(input, dim=None, keepdim=False):
    """The lower median of all elements, or ``(values, indices)`` along ``dim``; NaN if the
    elements include NaN (as PyTorch)."""
    if dim is None:
        return _MedianAll.apply(input)
    x, d = _prepare("median", input, dim)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"median: expected reduction dim {d} to have non-zero size, but the input "
                         f"has shape {shape_str(input.shape)}")
    index = _kth_index(x, (n - 1) // 2 + 1, d)
    if x.dtype.kind == "f":
        xp = array_module(x)
        nan = xp.isnan(x)
        has_nan = nan.any(axis=d, keepdims=True)
        if has_nan.any():  # a slice with NaN has median NaN, at its first NaN
            index = xp.where(has_nan, xp.argmax(nan, axis=d, keepdims=True), index)
    return _result(median_result, input, index.astype(np.int64, copy=False), d, not keepdim)
