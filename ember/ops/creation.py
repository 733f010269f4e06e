"""Tensors made to match another: zeros and ones for the engine and autograd.grad, ``fill`` and ``copy_from``
(the out-of-place forms of ``fill_`` and ``copy_``)."""

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import check_same_device, grad_for, meta
from ember.tensor.tensor import Tensor

__all__ = ["ones_like_tensor", "zeros_like_tensor", "fill", "copy_from"]


def ones_like_tensor(t):
    xp = array_module(t._data)
    return Tensor._make(xp.ones(t.shape, t._data.dtype), False, None, 0)


def zeros_like_tensor(t):
    xp = array_module(t._data)
    return Tensor._make(xp.zeros(t.shape, t._data.dtype), False, None, 0)


class Fill(Primitive):
    """A tensor shaped like ``x`` filled with ``value``; no gradient reaches ``x``."""

    @staticmethod
    def forward(ctx, x, value):
        xp = array_module(x)
        ctx.value_meta = meta(value)
        return xp.full(x.shape, value, dtype=x.dtype) if not hasattr(value, "shape") else \
            xp.broadcast_to(value, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return None, grad_for(gy, ctx.value_meta)


def fill(x, value):
    return Fill.apply(x, value)


class CopyFrom(Primitive):
    """``src`` broadcast and cast to the shape and dtype of ``x`` (the out-of-place ``copy_``)."""

    @staticmethod
    def forward(ctx, x, src):
        check_same_device("copy_", x, src)
        ctx.src_meta = meta(src)
        xp = array_module(x)
        return xp.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        return None, grad_for(gy, ctx.src_meta)


def copy_from(x, src):
    return CopyFrom.apply(x, src)
