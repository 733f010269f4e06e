"""Joining and splitting: cat/concat/concatenate, stack, hstack, vstack, split, chunk, unbind.

``split``, ``chunk`` and ``unbind`` return views of their input, made by one node with several
outputs. Their backward joins the pieces' gradients with ``Cat``/``Stack``, which write zeros only
where a piece got no gradient (the engine is told not to materialize them).
"""

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.backend import dtypes as _dtypes
from ember.ops._util import normalize_dim, shape_str
from ember.ops.conversion import to_dtype
from ember.ops.view import as_view, reshape
from ember.tensor.tensor import Tensor

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind"]

_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def _slice(dim, start, size):
    return (slice(None),) * dim + (slice(start, start + size),)


def _result_dtype(arrays):
    """PyTorch's promotion over tensors with dimensions: a higher category (bool < int < float)
    wins outright, so int64 with float32 gives float32 (``np.promote_types`` would give float64)."""
    dtype = arrays[0].dtype
    for a in arrays[1:]:
        other = a.dtype
        if other != dtype:
            ca, cb = _CATEGORY[dtype.kind], _CATEGORY[other.kind]
            if ca == cb:
                dtype = _dtypes.promote_types(_dtypes.from_numpy_dtype(dtype),
                                              _dtypes.from_numpy_dtype(other)).numpy
            elif cb > ca:
                dtype = other
    return dtype


def _tensor_list(op, tensors):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got a single Tensor of shape "
                        f"{shape_str(tensors.shape)}; to split it into pieces use unbind(), or wrap "
                        "it in a list")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors, got an empty one")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected a Tensor at position {i}, got {type(t).__name__}; "
                            "convert it first with ember.tensor(...)")
    device = tensors[0].device
    for i, t in enumerate(tensors):
        if t.device != device:
            raise RuntimeError(f"{op}: expected all tensors on the same device, but tensor 0 (shape "
                               f"{shape_str(tensors[0].shape)}) is on {device} and tensor {i} (shape "
                               f"{shape_str(t.shape)}) is on {t.device}; move them to one device "
                               f"first, e.g. t.to('{device}')")
    return tensors


class Cat(Primitive):
    """Join arrays along ``dim``.

    ``sizes[i]`` is each input's extent along ``dim``, or None for a legacy-skipped 1-D empty
    tensor; an input given as None stands for zeros (the gradient of an unused piece of split).
    """

    @staticmethod
    def forward(ctx, dim, sizes, shape, dtype, *xs):
        ctx.dim, ctx.sizes = dim, sizes
        ctx.dtypes = [None if x is None else x.dtype for x in xs]
        kept = [x for x, s in zip(xs, sizes) if s is not None]
        present = [x for x in xs if x is not None]
        xp = array_module(present[0])
        if not kept:
            return xp.zeros(shape, dtype)
        if all(x is not None for x in kept):
            return xp.concatenate(kept, axis=dim, dtype=dtype)
        out = xp.zeros(shape, dtype)
        start = 0
        for x, size in zip(xs, sizes):
            if size is not None:
                if x is not None:
                    out[_slice(dim, start, size)] = x
                start += size
        return out

    @staticmethod
    def backward(ctx, gy):
        dim, sizes, edges = ctx.dim, ctx.sizes, ctx._edges[4:]
        kept_sizes = tuple(s for s in sizes if s is not None)
        pieces = iter(Split.apply(gy, kept_sizes, dim) if kept_sizes else ())
        grads = []
        for edge, size, dtype in zip(edges, sizes, ctx.dtypes):
            piece = next(pieces) if size is not None else None
            if edge is None:
                grads.append(None)
            elif size is None:  # a skipped empty tensor: an empty gradient, as in PyTorch
                grads.append(Tensor._make(array_module(gy._data).zeros((0,), dtype), False, None, 0))
            else:
                grads.append(piece if piece._data.dtype == dtype else to_dtype(piece, dtype))
        return (None, None, None, None, *grads)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension ``dim``; their other sizes must match.

    Dtypes are promoted as in PyTorch. As in PyTorch, 1-D empty tensors (shape ``(0,)``) are
    skipped whatever their shape, for compatibility with code that starts from ``ember.tensor([])``.
    """
    tensors = _tensor_list("cat", tensors)
    arrays = [t._data for t in tensors]
    dtype = _result_dtype(arrays)
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"cat: tensor {i} is zero-dimensional (shape ()) and can't be "
                               "concatenated; use stack(), or unsqueeze(0) it first")
    sizes = [None if t.shape == (0,) else 0 for t in tensors]
    kept = [i for i, s in enumerate(sizes) if s is not None]
    if not kept:
        return Cat.apply(0, tuple(sizes), (0,), dtype, *tensors)
    ref = tensors[kept[0]]
    d = normalize_dim(dim, ref.ndim, "cat")
    for i in kept:
        shape = tensors[i].shape
        if len(shape) != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(shape, ref.shape)) if k != d):
            raise RuntimeError(
                f"cat: tensor {i} has shape {shape_str(shape)} but tensor {kept[0]} has shape "
                f"{shape_str(ref.shape)}; all sizes must match except along dim {dim}. Reshape or "
                "slice the tensors so that they do, or concatenate along another dim.")
        sizes[i] = shape[d]
    shape = ref.shape[:d] + (sum(sizes[i] for i in kept),) + ref.shape[d + 1:]
    return Cat.apply(d, tuple(sizes), shape, dtype, *tensors)


concat = concatenate = cat


class Stack(Primitive):
    """Join same-shaped arrays along a new dimension ``dim``; a None input stands for zeros."""

    @staticmethod
    def forward(ctx, dim, shape, dtype, *xs):
        ctx.dim = dim
        ctx.dtypes = [None if x is None else x.dtype for x in xs]
        present = [x for x in xs if x is not None]
        xp = array_module(present[0])
        if len(present) == len(xs):
            return xp.stack(xs, axis=dim, dtype=dtype)
        out = xp.zeros(shape, dtype)
        for i, x in enumerate(xs):
            if x is not None:
                out[(slice(None),) * dim + (i,)] = x
        return out

    @staticmethod
    def backward(ctx, gy):
        pieces = Unbind.apply(gy, ctx.dim)
        grads = [None if edge is None else piece if piece._data.dtype == dtype else to_dtype(piece, dtype)
                 for edge, piece, dtype in zip(ctx._edges[3:], pieces, ctx.dtypes)]
        return (None, None, None, *grads)


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dimension ``dim``."""
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0].shape
    if any(t.shape != shape for t in tensors):
        bad = next(i for i, t in enumerate(tensors) if t.shape != shape)
        raise RuntimeError(
            f"stack: expects tensors of one shape, but tensor 0 has shape {shape_str(shape)} and "
            f"tensor {bad} has shape {shape_str(tensors[bad].shape)} (all shapes: "
            f"{', '.join(shape_str(t.shape) for t in tensors)}); use cat() to join along an "
            "existing dimension")
    d = normalize_dim(dim, len(shape) + 1, "stack")
    out_shape = shape[:d] + (len(tensors),) + shape[d:]
    return Stack.apply(d, out_shape, _result_dtype([t._data for t in tensors]), *tensors)


def hstack(tensors):
    """Join horizontally: along dim 1, or dim 0 for 1-D tensors (0-d tensors count as 1-D)."""
    tensors = [reshape(t, (1,)) if t.ndim == 0 else t for t in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Join vertically, along dim 0, after making 0-d and 1-D tensors rows of shape ``(1, n)``."""
    tensors = [reshape(t, (1, -1)) if t.ndim < 2 else t for t in _tensor_list("vstack", tensors)]
    return cat(tensors, 0)


class Split(Primitive):
    """Pieces of ``sizes`` along ``dim``, as views; their gradients are joined back by Cat."""

    materialize_grads = False

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.meta = (sizes, dim, x.shape, x.dtype)
        starts = np.cumsum((0,) + sizes[:-1]).tolist()
        return tuple(x[_slice(dim, start, size)] for start, size in zip(starts, sizes))

    @staticmethod
    def backward(ctx, *gys):
        sizes, dim, shape, dtype = ctx.meta
        return Cat.apply(dim, sizes, shape, dtype, *gys), None, None


def _split(input, sizes, dim):
    return tuple(as_view(p, input) for p in Split.apply(input, tuple(sizes), dim))


def _check_not_scalar(op, input):
    if input.ndim == 0:
        raise RuntimeError(f"{op}: expects a tensor of at least 1 dimension, got a 0-dim tensor; "
                           "unsqueeze(0) it first")


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces of ``split_size`` (the last may be smaller) or of the listed sizes.

    Returns a tuple of views.
    """
    _check_not_scalar("split", tensor)
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    where = f"dim {dim} of size {n} (shape {shape_str(tensor.shape)})"
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n > 0):
            raise RuntimeError(f"split: split_size must be positive (0 only for an empty dimension), "
                               f"got {size} for {where}")
        if size == 0 or n == 0:  # one empty piece, as in PyTorch
            return _split(tensor, [n], d)
        return _split(tensor, [size] * (n // size) + ([n % size] if n % size else []), d)
    sizes = [int(s) for s in split_size_or_sections]
    if any(s < 0 for s in sizes) or sum(sizes) != n:
        raise RuntimeError(f"split: split sizes {sizes} must be non-negative and sum to {n}, the "
                           f"size of {where}; they sum to {sum(sizes)}")
    return _split(tensor, sizes, d)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of ``ceil(n / chunks)`` elements (fewer when they run out)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be a positive int, got {chunks!r}")
    _check_not_scalar("chunk", input)
    d = normalize_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:
        return _split(input, [0] * int(chunks), d)
    return split(input, -(-n // int(chunks)), d)


class Unbind(Primitive):
    """The slices along ``dim``, as views; their gradients are stacked back by Stack."""

    materialize_grads = False

    @staticmethod
    def forward(ctx, x, dim):
        ctx.meta = (dim, x.shape, x.dtype)
        lead = (slice(None),) * dim
        # The Ellipsis keeps a 0-d slice an array (a view), not a NumPy scalar.
        return tuple(x[lead + (i, Ellipsis)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *gys):
        dim, shape, dtype = ctx.meta
        return Stack.apply(dim, shape, dtype, *gys), None


def unbind(input, dim=0):
    """The tuple of slices along ``dim``, each without that dimension (views)."""
    if input.ndim == 0:
        raise IndexError("unbind: a 0-dim tensor has no dimension to unbind; use .item() or "
                         "unsqueeze(0) it first")
    d = normalize_dim(dim, input.ndim, "unbind")
    return tuple(as_view(p, input) for p in Unbind.apply(input, d))
