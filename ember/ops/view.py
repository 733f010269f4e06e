"""Views: reshape, view, flatten, transpose, permute, expand/broadcast_to, squeeze, unsqueeze.

A view shares memory with its input, so it also shares its version counter: an in-place change
through either one is seen by every op that saved the other.
"""

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import normalize_dim, normalize_dims, shape_str, sum_to_shape
from ember.tensor.tensor import new_version_counter

__all__ = ["reshape", "view", "flatten", "transpose", "swapaxes", "permute", "expand",
           "broadcast_to", "squeeze", "unsqueeze", "t", "as_view"]


def as_view(out, base, shares=False):
    """Make ``out`` share ``base``'s version counter when it shares its memory (``shares``: the
    op always returns a view, so there is nothing to check)."""
    array = out._data
    if shares or (array.base is not None and array_module(array).may_share_memory(array, base._data)):
        if base._version is None:
            base._version = new_version_counter()
        out._version = base._version
        out._seen = base._version[4]
        if out._requires_grad and base.grad_fn is None:
            base._version[3] = True  # a view of a leaf: it may not be modified in place
    return out


def _infer_shape(op, shape, numel, in_shape):
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid size {s} in shape {shape_str(shape)}")
            known *= s
    if len(unknown) > 1:
        raise RuntimeError(f"{op}: only one dimension can be -1, got shape {shape_str(shape)}")
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {shape_str(shape)} is invalid for a tensor of {numel} "
                               f"elements (shape {shape_str(in_shape)})")
        shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"{op}: shape {shape_str(shape)} is invalid for a tensor of {numel} "
                           f"elements (shape {shape_str(in_shape)}); the sizes must multiply to {numel}")
    return shape


class Reshape(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, gy):
        return reshape(gy, ctx.in_shape), None


def reshape(input, shape):
    """The same elements in a new shape (a view when possible, else a copy); -1 is inferred."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = _infer_shape("reshape", shape, input._data.size, input.shape)
    return as_view(Reshape.apply(input, shape), input)


class View(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return np.reshape(x, shape, copy=False) if isinstance(x, np.ndarray) else x.view().reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"view: shape {shape_str(shape)} is not compatible with the input's memory layout "
                f"(shape {shape_str(x.shape)}, not contiguous, e.g. after transpose). Use "
                ".reshape(...) instead, or call .contiguous() first.") from None

    @staticmethod
    def backward(ctx, gy):
        return reshape(gy, ctx.in_shape), None


def view(input, shape):
    """A view of the same memory in a new shape; fails where PyTorch's view fails (use reshape)."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = _infer_shape("view", shape, input._data.size, input.shape)
    return as_view(View.apply(input, shape), input)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, (1,))
    s = normalize_dim(start_dim, input.ndim, "flatten")
    e = normalize_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) comes after end_dim ({end_dim})")
    shape = input.shape
    merged = 1
    for n in shape[s:e + 1]:
        merged *= n
    return reshape(input, shape[:s] + (merged,) + shape[e + 1:])


class Permute(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, gy):
        return permute(gy, tuple(np.argsort(ctx.dims))), None


def permute(input, dims):
    """Reorder the dimensions: ``x.permute(0, 2, 1)``."""
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute: the tensor has {input.ndim} dimensions (shape "
                           f"{shape_str(input.shape)}) but {len(dims)} were given: {tuple(dims)}")
    ndims = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(ndims)) != len(ndims):
        raise RuntimeError(f"permute: dims {tuple(dims)} repeat a dimension")
    return as_view(Permute.apply(input, ndims), input, shares=True)


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    n = input.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return as_view(Permute.apply(input, tuple(range(n))), input, shares=True)
    if dim0 == -2 and dim1 == -1 and n >= 2:  # .mT, in every matmul backward
        dims = (*range(n - 2), n - 1, n - 2)
    else:
        d0, d1 = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
        dims = list(range(n))
        dims[d0], dims[d1] = d1, d0
    return as_view(Permute.apply(input, tuple(dims)), input, shares=True)


swapaxes = transpose


def t(input):
    """Transpose a tensor of at most 2 dimensions."""
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor of at most 2 dimensions, got shape "
                           f"{shape_str(input.shape)}; use transpose(dim0, dim1) or .mT")
    return transpose(input, 0, -1) if input.ndim == 2 else input


class BroadcastTo(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape) if isinstance(x, np.ndarray) else _xp_broadcast(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return sum_to_shape(gy, ctx.in_shape), None


def _xp_broadcast(x, shape):
    from ember.backend import array_module

    return array_module(x).broadcast_to(x, shape)


def broadcast_to(input, shape):
    """A read-only view of ``input`` broadcast to ``shape``."""
    shape = tuple(shape)
    try:
        np.broadcast_shapes(input.shape, shape)
        if len(shape) < input.ndim:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"broadcast_to: shape {shape_str(input.shape)} can't be broadcast to "
                           f"{shape_str(shape)}: each dimension must match or be 1") from None
    return as_view(BroadcastTo.apply(input, shape), input)


def expand(input, sizes):
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension's size."""
    sizes = tuple(sizes)
    lead = len(sizes) - input.ndim
    if any(s == -1 for s in sizes[:max(lead, 0)]):
        raise RuntimeError(f"expand: -1 is not allowed in a new leading dimension (sizes "
                           f"{shape_str(sizes)} for a tensor of shape {shape_str(input.shape)}); give "
                           "its size")
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be at least the number "
                           f"of dimensions of the tensor ({input.ndim}, shape {shape_str(input.shape)})")
    shape = tuple(input.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(input.shape):
        if n != 1 and n != shape[lead + i]:
            raise RuntimeError(f"expand: the size of dimension {i} of shape {shape_str(input.shape)} "
                               f"is {n}, which can't be expanded to {shape[lead + i]} (only size-1 "
                               f"dimensions expand); target {shape_str(sizes)}")
    return broadcast_to(input, shape)


def squeeze(input, dim=None):
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    if dim is None:
        shape = tuple(n for n in input.shape if n != 1)
    else:
        dims = normalize_dims(dim, input.ndim, "squeeze")
        shape = tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1))
    return reshape(input, shape)


def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim``."""
    n = input.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dimension {dim} is out of range for the result of "
                         f"{n} dimension(s) (expected a value in [{-n}, {n - 1}])")
    d = dim % n
    return reshape(input, input.shape[:d] + (1,) + input.shape[d:])
