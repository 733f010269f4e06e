"""Shape ops: movedim, unflatten, repeat/tile, flip, roll, narrow, tril/triu, diag, diagonal.

Views (``movedim``, ``unflatten``, ``narrow``, ``diagonal``) share memory and the version counter
with their input, as in PyTorch; the others return new memory, as PyTorch does.
"""

import operator

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import normalize_dim, normalize_dims, shape_str
from ember.ops.join import Cat
from ember.ops.reduction import sum as _sum
from ember.ops.view import as_view, permute, reshape

__all__ = ["movedim", "moveaxis", "unflatten", "repeat", "tile", "flip", "roll",
           "narrow", "tril", "triu", "diag", "diagonal"]


def _as_tuple(v):
    return (v,) if isinstance(v, (int, np.integer)) else tuple(v)


def movedim(input, source, destination):
    """Move the dimensions ``source`` to the positions ``destination`` (ints or tuples); a view."""
    src, dst = _as_tuple(source), _as_tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {src} and destination {dst} must name the same number "
                           f"of dimensions ({len(src)} vs {len(dst)})")
    n = input.ndim
    src = tuple(normalize_dim(d, n, "movedim") for d in src)
    dst = tuple(normalize_dim(d, n, "movedim") for d in dst)
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: {name} {given} repeats a dimension (tensor of shape "
                               f"{shape_str(input.shape)}); name each dimension once")
    if n == 0:
        return reshape(input, ())
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    return permute(input, tuple(s if s is not None else next(rest) for s in order))


moveaxis = movedim


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1); a view."""
    if input.ndim == 0:
        raise RuntimeError("unflatten: a 0-dim tensor has no dimension to unflatten; reshape it instead")
    d = normalize_dim(dim, input.ndim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    n = input.shape[d]
    where = f"dim {dim} (size {n}) of a tensor of shape {shape_str(input.shape)}"
    if not sizes:
        raise RuntimeError(f"unflatten: sizes must be non-empty; to unflatten {where}, give e.g. ({n},)")
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise RuntimeError(f"unflatten: sizes {sizes} are invalid for {where}: sizes must be "
                           "non-negative, except one -1 that is inferred")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 in sizes:
        if known == 0 or n % known:
            raise RuntimeError(f"unflatten: sizes {sizes} can't be completed by one inferred size to "
                               f"multiply to {n} for {where}")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif known != n:
        raise RuntimeError(f"unflatten: sizes {sizes} multiply to {known}, not to the size {n} of "
                           f"{where}; their product must be {n}")
    return reshape(input, input.shape[:d] + sizes + input.shape[d + 1:])


class Repeat(Primitive):
    @staticmethod
    def forward(ctx, x, sizes):
        ctx.in_shape, ctx.sizes = x.shape, sizes
        return array_module(x).tile(x, sizes)

    @staticmethod
    def backward(ctx, gy):
        in_shape, sizes = ctx.in_shape, ctx.sizes
        padded = (1,) * (len(sizes) - len(in_shape)) + in_shape
        if all(r == 1 for r in sizes):
            return reshape(gy, in_shape), None
        # The output's dim i is (sizes[i], padded[i]) laid out copy-major: sum the copies.
        interleaved = tuple(n for pair in zip(sizes, padded) for n in pair)
        g = _sum(reshape(gy, interleaved), tuple(range(0, len(interleaved), 2)))
        return reshape(g, in_shape), None


def _check_sizes(op, sizes, input):
    sizes = tuple(int(s) for s in sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{op}: the number of copies can't be negative, got {sizes} for a tensor of "
                           f"shape {shape_str(input.shape)}")
    return sizes


def repeat(input, sizes):
    """Copy the tensor ``sizes[i]`` times along each dimension (NumPy's ``tile``; a copy).

    ``sizes`` may be longer than ``input.ndim``: the extra leading entries add new dimensions.
    """
    sizes = _check_sizes("repeat", _as_tuple(sizes), input)
    if len(sizes) < input.ndim:
        raise RuntimeError(f"repeat: {len(sizes)} sizes {sizes} were given for a tensor of "
                           f"{input.ndim} dimensions (shape {shape_str(input.shape)}); give at least "
                           "one per dimension (1 keeps a dimension as it is)")
    return Repeat.apply(input, sizes)


def tile(input, dims):
    """``repeat``, with missing leading entries of ``dims`` taken as 1."""
    dims = _check_sizes("tile", _as_tuple(dims), input)
    return Repeat.apply(input, (1,) * (input.ndim - len(dims)) + dims)


class Flip(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        # A copy, as in PyTorch: a view would see later in-place changes of the input.
        return array_module(x).flip(x, dims).copy()

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, ctx.dims), None


def flip(input, dims):
    """Reverse the order of the elements along ``dims`` (a copy)."""
    return Flip.apply(input, normalize_dims(_as_tuple(dims), input.ndim, "flip"))


class Roll(Primitive):
    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return array_module(x).roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, gy):
        shifts = -ctx.shifts if ctx.dims is None else tuple(-s for s in ctx.shifts)
        return Roll.apply(gy, shifts, ctx.dims), None, None


def roll(input, shifts, dims=None):
    """Shift elements cyclically along ``dims``; with ``dims=None``, along the flattened tensor."""
    shifts = tuple(int(s) for s in _as_tuple(shifts))
    if dims is None or (not isinstance(dims, (int, np.integer)) and len(dims) == 0):
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be a single number, got {shifts}; "
                               "pass one dim per shift, e.g. roll(x, (1, 2), dims=(0, 1))")
        return Roll.apply(input, shifts[0], None)
    dims = _as_tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length, one "
                           "shift per dimension")
    if input.ndim == 0:
        raise IndexError(f"roll: a 0-dim tensor has no dimension {dims[0]}; leave dims out")
    return Roll.apply(input, shifts, tuple(normalize_dim(d, input.ndim, "roll") for d in dims))


class Narrow(Primitive):
    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.meta = (dim, (start, length, x.shape[dim] - start - length), x.shape, x.dtype)
        return x[(slice(None),) * dim + (slice(start, start + length),)]

    @staticmethod
    def backward(ctx, gy):
        dim, sizes, shape, dtype = ctx.meta
        # Zeros around gy: Cat fills its missing (None) pieces with zeros.
        return Cat.apply(dim, sizes, shape, dtype, None, gy, None), None, None, None


def narrow(input, dim, start, length):
    """Elements ``start`` to ``start + length`` of dimension ``dim`` (a view; ``start`` may be < 0)."""
    if input.ndim == 0:
        raise RuntimeError("narrow: can't be applied to a 0-dim tensor; it has no dimension to narrow")
    d = normalize_dim(dim, input.ndim, "narrow")
    start, length = operator.index(start), operator.index(length)
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {n} (shape "
                         f"{shape_str(input.shape)}); expected a value in [{-n}, {n}]")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} of dim "
                           f"{dim} (shape {shape_str(input.shape)}); use a length of at most {n - start}")
    return as_view(Narrow.apply(input, d, start, length), input)


class Tril(Primitive):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return array_module(x).tril(x, k)

    @staticmethod
    def backward(ctx, gy):
        return Tril.apply(gy, ctx.k), None


class Triu(Primitive):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return array_module(x).triu(x, k)

    @staticmethod
    def backward(ctx, gy):
        return Triu.apply(gy, ctx.k), None


def _check_matrix(op, input):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expects a tensor of at least 2 dimensions (a matrix or a batch of "
                           f"matrices), got shape {shape_str(input.shape)}")


def tril(input, diagonal=0):
    """The lower triangle of the last two dimensions; the rest is zeroed (above ``diagonal``)."""
    _check_matrix("tril", input)
    return Tril.apply(input, operator.index(diagonal))


def triu(input, diagonal=0):
    """The upper triangle of the last two dimensions; the rest is zeroed (below ``diagonal``)."""
    _check_matrix("triu", input)
    return Triu.apply(input, operator.index(diagonal))


def _diagonal_view(a, offset, dim1, dim2):
    """A writable view of a diagonal of array ``a`` (the diagonal becomes the last dimension)."""
    d = array_module(a).diagonal(a, offset, dim1, dim2)
    if isinstance(d, np.ndarray) and a.flags.writeable:
        d.flags.writeable = True  # NumPy marks diagonals read-only only out of caution; torch's are writable
    return d


class Diagonal(Primitive):
    @staticmethod
    def forward(ctx, x, offset, dim1, dim2, copy):
        ctx.meta = (x.shape, offset, dim1, dim2)
        d = _diagonal_view(x, offset, dim1, dim2)
        return d.copy() if copy else d

    @staticmethod
    def backward(ctx, gy):
        shape, offset, dim1, dim2 = ctx.meta
        return EmbedDiagonal.apply(gy, shape, offset, dim1, dim2), None, None, None, None


class EmbedDiagonal(Primitive):
    """Zeros of ``shape`` with ``src`` on a diagonal: the adjoint of ``diagonal``."""

    @staticmethod
    def forward(ctx, src, shape, offset, dim1, dim2):
        ctx.meta = (offset, dim1, dim2)
        out = array_module(src).zeros(shape, src.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = src
        return out

    @staticmethod
    def backward(ctx, gy):
        offset, dim1, dim2 = ctx.meta
        return Diagonal.apply(gy, offset, dim1, dim2, False), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the planes ``(dim1, dim2)``, appended as the last dimension (a view).

    ``offset`` > 0 selects a diagonal above the main one, < 0 below.
    """
    d1 = normalize_dim(dim1, input.ndim, "diagonal")
    d2 = normalize_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 ({dim1}) and dim2 ({dim2}) are the same dimension of shape "
                           f"{shape_str(input.shape)}; name two different dimensions")
    return as_view(Diagonal.apply(input, operator.index(offset), d1, d2, False), input)


def diag(input, diagonal=0):
    """1-D: a square matrix with ``input`` on a diagonal. 2-D: that diagonal, as a new 1-D tensor."""
    k = operator.index(diagonal)
    if input.ndim == 1:
        m = input.shape[0] + abs(k)
        return EmbedDiagonal.apply(input, (m, m), k, 0, 1)
    if input.ndim == 2:
        return Diagonal.apply(input, k, 0, 1, True)
    raise RuntimeError(f"diag: expects a 1-D or 2-D tensor, got shape {shape_str(input.shape)}; use "
                       "diagonal(x, offset, dim1, dim2) for a batch of matrices")
