"""Reductions: sum, mean, and the statistics built on them, with ``dim=`` and ``keepdim=``."""

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import dtypes as _dtypes
from ember.ops._util import normalize_dims
from ember.ops.view import broadcast_to, reshape

__all__ = ["sum", "mean"]


def _kept_shape(in_shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(in_shape))


def _expand_back(gy, in_shape, dims):
    """The gradient of a reduction over ``dims``: broadcast back to the input's shape."""
    return broadcast_to(reshape(gy, _kept_shape(in_shape, dims)), in_shape)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dtypes.as_dtype(dtype).numpy
    if x.dtype.kind in "biu":
        return np.int64  # PyTorch sums integers and bools in int64
    return None


class Sum(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims = x.shape, dims
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy, ctx.in_shape, ctx.dims), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - PyTorch's name
    """Sum of all elements, or over ``dim`` (an int or a tuple)."""
    dims = normalize_dims(dim, input.ndim, "sum")
    return Sum.apply(input, dims, keepdim, _sum_dtype(input._data, dtype))


class Mean(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims = x.shape, dims
        count = 1
        for d in dims:
            count *= x.shape[d]
        ctx.count = count
        return x.mean(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, gy):
        return _expand_back(gy / ctx.count, ctx.in_shape, ctx.dims), None, None, None


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``; needs a floating dtype, as in PyTorch."""
    if input._data.dtype.kind not in "fc" and dtype is None:
        raise RuntimeError(f"mean: input dtype should be floating point, got {input.dtype}; "
                           "call .float() first or pass dtype=ember.float32")
    dims = normalize_dims(dim, input.ndim, "mean")
    np_dtype = None if dtype is None else _dtypes.as_dtype(dtype).numpy
    out = Mean.apply(input, dims, keepdim, np_dtype)
    return out
