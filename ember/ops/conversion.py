"""Copies and conversions: clone, contiguous, and ``to`` (dtype and device), all differentiable."""

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import dtypes as _dtypes
from ember.backend.devices import as_device, device_of, to_device_array
from ember.tensor.tensor import Tensor

__all__ = ["clone", "contiguous", "to", "to_dtype", "to_device"]


class Clone(Primitive):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, gy):
        return gy


def clone(input):
    """A copy with its own memory; gradients flow back to ``input``."""
    return Clone.apply(input)


def contiguous(input):
    """``input`` itself if its memory is C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


class Cast(Primitive):
    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.src = x.dtype
        return x.astype(np_dtype)

    @staticmethod
    def backward(ctx, gy):
        return to_dtype(gy, ctx.src), None


def to_dtype(input, dtype):
    """Convert to ``dtype`` (an ember dtype or a NumPy dtype); a no-op if it already has it."""
    np_dtype = dtype.numpy if isinstance(dtype, _dtypes.dtype) else np.dtype(dtype)
    if input._data.dtype == np_dtype:
        return input
    return Cast.apply(input, np_dtype)


class ToDevice(Primitive):
    @staticmethod
    def forward(ctx, x, dev):
        ctx.src = device_of(x)
        return to_device_array(x, dev)

    @staticmethod
    def backward(ctx, gy):
        return to_device(gy, ctx.src), None


def to_device(input, dev):
    dev = as_device(dev)
    if device_of(input._data) == dev:
        return input
    return ToDevice.apply(input, dev)


def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dtypes.dtype) or (isinstance(a, type) and issubclass(a, np.generic)):
            dtype = a
        elif isinstance(a, np.dtype):
            dtype = a
        elif a is not None:
            if isinstance(a, str) and a in ("float32", "float64", "float16", "int64", "int32", "bool"):
                dtype = a
            else:
                device = a
    out = input
    if device is not None:
        out = to_device(out, device)
    if dtype is not None:
        out = to_dtype(out, _dtypes.as_dtype(dtype))
    if copy and out is input:
        out = clone(input)
    return out
