"""Indexing: ``x[index]``, ``index_put`` (behind ``x[index] = v``), gather, scatter, scatter_add,
index_select, index_add, take_along_dim, masked_fill and masked_select.

Every op here is one of two primitives on a parsed index (a ``_Key``):

- ``Index``: ``x[basic][adv]``. ``basic`` holds ints, slices and None (a view of ``x``);
  ``adv`` holds integer arrays (and full slices) applied to that view, as NumPy and PyTorch do.
  Its gradient is ``IndexGrad``: zeros with the upstream gradient added at the selected places
  (repeated indices add up), whose own gradient is ``Index`` again.
- ``IndexPut``: a copy of ``x`` with a value written (or added) at the selected places.

PyTorch's semantics differ from NumPy's in a few places that the parser takes care of: ints are
applied (as views) before the advanced indices, so ``x[0, :, [0, 1]]`` of a ``(3, 4, 5)`` tensor
has shape ``(4, 2)`` (NumPy gives ``(2, 4)``); a 0-d integer tensor is an int; negative slice steps
are refused; and a short list holding slices, tensors or lists is read as a tuple.
"""

import operator
import warnings
from collections import namedtuple

import numpy as np

from ember.autograd import grad_mode
from ember.autograd.function import Primitive
from ember.backend import array_module, device_of, to_device_array
from ember.ops._util import check_same_device, grad_for, normalize_dim, shape_str
from ember.ops.view import as_view, broadcast_to, reshape
from ember.tensor.tensor import Tensor

__all__ = ["getitem", "index_put", "unwrap_index", "gather", "scatter", "scatter_add",
           "index_select", "index_add", "take_along_dim", "masked_fill", "masked_select"]

# basic: a tuple for x[basic] (ints, slices, None, a final Ellipsis) or None (nothing to do);
# adv: None or a tuple of full slices and integer arrays applied to x[basic];
# unique: True when adv can't select a place twice (it came from bool masks);
# shape: the shape of x[basic][adv].
_Key = namedtuple("_Key", "basic adv unique shape")

_BOUNDS = (int, type(None))  # slice bounds the fast path takes as they are
_VALID = "ints, slices, None, Ellipsis (...), bool masks and integer tensors"


# ---- parsing an index ----
def _as_tuple(index):
    """PyTorch's reading of an index as a tuple of per-dimension indices."""
    if type(index) is tuple:
        return index
    if isinstance(index, list) and len(index) < 32 and any(
            e is None or e is Ellipsis or isinstance(e, (Tensor, list, tuple, slice, np.ndarray))
            for e in index):
        # PyTorch (like old NumPy) reads x[[0, slice(None)]] as x[0, :], with this warning
        warnings.warn("indexing with a list that holds slices, tensors or lists reads the list as a "
                      "tuple of indices (as PyTorch does); write x[tuple(seq)] to say so, or "
                      "x[ember.tensor(seq)] for an index tensor", UserWarning, stacklevel=5)
        return tuple(index)
    return (index,)


def _plain(seq):
    """A nested sequence with its tensors replaced by NumPy values, for np.asarray."""
    if isinstance(seq, Tensor):
        data = seq._data
        return data if isinstance(data, np.ndarray) else data.get()
    if isinstance(seq, (list, tuple)):
        return [_plain(e) for e in seq]
    return seq


def _sequence_array(seq, op):
    """A list inside an index becomes an index tensor: bool stays a mask, numbers become int64."""
    a = np.asarray(_plain(seq))
    if a.dtype.kind == "b":
        return a
    if a.size == 0 or a.dtype.kind in "iuf":  # PyTorch truncates floats here, and so do we
        return a.astype(np.int64)
    raise IndexError(f"{op}: the list {seq!r} can't be used as an index; use {_VALID}")


def _slice(s, op):
    try:
        start, stop, step = (None if v is None else operator.index(v) for v in (s.start, s.stop, s.step))
    except TypeError:
        raise TypeError(f"{op}: slice bounds must be ints or None, got {s}") from None
    if step is not None and step <= 0:
        if step == 0:
            raise ValueError(f"{op}: slice step cannot be zero (got {s})")
        raise ValueError(f"{op}: step must be greater than zero, got {s}: negative steps are not "
                         "supported, as in PyTorch; use .flip(dim) to reverse a dimension")
    return slice(start, stop, step)


def _entry(item, op):
    """One element of an index as an int, slice, None, Ellipsis, bool, or a bool/int array."""
    if item is None or item is Ellipsis:
        return item
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, slice):
        return _slice(item, op)
    if isinstance(item, Tensor):
        item = item._data
    elif isinstance(item, (list, tuple)):
        item = _sequence_array(item, op)
    if hasattr(item, "dtype") and hasattr(item, "ndim") and not isinstance(item, np.generic):
        kind = item.dtype.kind
        if kind == "b" or (kind == "u" and item.dtype.itemsize == 1):  # uint8 is a mask in PyTorch
            return bool(item) if item.ndim == 0 else item.astype(bool, copy=False)
        if kind in "iu":
            return int(item) if item.ndim == 0 else item
        raise IndexError(f"{op}: tensors used as indices must be integer (int64, int32) or bool, "
                         f"got {item.dtype} of shape {shape_str(item.shape)}; convert it with "
                         ".long() (or compare it to get a bool mask)")
    raise IndexError(f"{op}: {type(item).__name__} {item!r} is not a valid index; use {_VALID}")


def _span(e):
    """How many dimensions of the indexed tensor an index entry consumes."""
    if e is None or e is Ellipsis or type(e) is bool:
        return 0
    if type(e) is int or type(e) is slice:
        return 1
    return e.ndim if e.dtype.kind == "b" else 1


def _on_device(a, like):
    if type(a) is type(like) or isinstance(a, np.ndarray) and isinstance(like, np.ndarray):
        return a
    return to_device_array(a, device_of(like))


def _out_of_bounds(op, value, dim, n):
    valid = f"valid indices are {-n} to {n - 1}" if n else "the dimension is empty"
    return IndexError(f"{op}: index {value} is out of bounds for dimension {dim} with size {n} "
                      f"({valid})")


def _parse(index, x, op):
    """Read a PyTorch index of the array ``x`` into a ``_Key`` (validated, on x's device)."""
    shape = x.shape
    ndim = len(shape)
    entries = [_entry(e, op) for e in _as_tuple(index)]
    used = 0
    for e in entries:
        used += _span(e)
    if used > ndim:
        hint = ("; a 0-d tensor has no dimension to index: use .item() to read its value" if ndim == 0
                else "; drop some, or add dimensions first with None / unsqueeze")
        raise IndexError(f"{op}: too many indices for a tensor of {ndim} dimension(s) (shape "
                         f"{shape_str(shape)}): the index addresses {used}{hint}")
    xp = array_module(x)
    basic, view_shape, adv = [], [], {}  # adv: dimension of x[basic] -> index array
    dim = 0
    unique = simple = True
    for e in entries:
        if e is None:
            basic.append(None)
            view_shape.append(1)
        elif e is Ellipsis:
            k = min(ndim - used, ndim - dim)  # PyTorch lets a second Ellipsis stand for nothing
            basic.extend([slice(None)] * k)
            view_shape.extend(shape[dim:dim + k])
            dim += k
        elif type(e) is bool:  # PyTorch: unsqueeze, then index the new dimension with [0] or []
            basic.append(None)
            adv[len(view_shape)] = xp.zeros(1 if e else 0, np.int64)
            view_shape.append(1)
            simple = False
        elif type(e) is int:
            n = shape[dim]
            if not -n <= e < n:
                raise _out_of_bounds(op, e, dim, n)
            basic.append(e)
            dim += 1
            simple = False
        elif type(e) is slice:
            basic.append(e)
            view_shape.append(len(range(*e.indices(shape[dim]))))
            dim += 1
        elif e.dtype.kind == "b":
            k = e.ndim
            if e.shape != shape[dim:dim + k]:
                raise IndexError(
                    f"{op}: the bool mask of shape {shape_str(e.shape)} indexes dimensions {dim} to "
                    f"{dim + k - 1} of a tensor of shape {shape_str(shape)}, whose sizes are "
                    f"{shape_str(shape[dim:dim + k])}; a mask must have the sizes of the dimensions "
                    "it indexes")
            for a in _on_device(e, x).nonzero():
                adv[len(view_shape)] = a
                view_shape.append(shape[dim])
                basic.append(slice(None))
                dim += 1
        else:
            n = shape[dim]
            if e.size:
                lo, hi = int(e.min()), int(e.max())
                if lo < -n or hi >= n:
                    raise _out_of_bounds(op, lo if lo < -n else hi, dim, n)
            adv[len(view_shape)] = _on_device(e, x)
            view_shape.append(n)
            basic.append(slice(None))
            dim += 1
            unique = False
    view_shape.extend(shape[dim:])  # the dimensions no index reached
    if not adv:
        basic.append(Ellipsis)  # NumPy then returns a 0-d view, not a scalar, for x[i] of 1-d x
        return _Key(tuple(basic), None, True, tuple(view_shape)), simple
    adv_key = tuple(adv.get(k, slice(None)) for k in range(max(adv) + 1))
    if all(b == slice(None) for b in basic):
        basic = None  # the advanced indices alone do it: skip the view
    else:
        basic.append(Ellipsis)
        basic = tuple(basic)
    return _Key(basic, adv_key, unique, _advanced_shape(op, tuple(view_shape), adv_key)), simple


def _basic_key(index, shape):
    """The key of an index of only ints, slices, None and one Ellipsis, all valid (the common
    case, where NumPy's reading is PyTorch's), else None and ``_parse`` does the work."""
    items = index if type(index) is tuple else (index,)
    consumed = 0
    for e in items:
        t = type(e)
        if t is int:
            consumed += 1
        elif t is slice:
            if not (type(e.step) is int and e.step > 0 or e.step is None) or not (
                    type(e.start) in _BOUNDS and type(e.stop) in _BOUNDS):
                return None
            consumed += 1
        elif e is not None and e is not Ellipsis:
            return None
    ndim = len(shape)
    if consumed > ndim or items.count(Ellipsis) > 1:
        return None
    dim = 0
    for e in items:
        if type(e) is int:
            if not -shape[dim] <= e < shape[dim]:
                return None
            dim += 1
        elif e is Ellipsis:
            dim += ndim - consumed
        elif e is not None:
            dim += 1
    return _Key(items if Ellipsis in items else items + (Ellipsis,), None, True, None)


def _advanced_shape(op, shape, adv):
    """The shape of ``array[adv]`` for an array of ``shape`` (NumPy's and PyTorch's rule)."""
    pos = [k for k, a in enumerate(adv) if not isinstance(a, slice)]
    try:
        b = np.broadcast_shapes(*(adv[k].shape for k in pos))
    except ValueError:
        shapes = ", ".join(shape_str(adv[k].shape) for k in pos)
        raise IndexError(f"{op}: shape mismatch: the index tensors of shapes {shapes} can't be "
                         "broadcast together; index tensors used together must broadcast to one "
                         "shape") from None
    rest = [shape[k] for k in range(len(shape)) if k not in pos]
    if pos[-1] - pos[0] + 1 == len(pos):  # adjacent: the broadcast dimensions stay in place
        return tuple(rest[:pos[0]]) + b + tuple(rest[pos[0]:])
    return b + tuple(rest)


def unwrap_index(index, like=None):
    """An index with its tensors replaced by arrays, for ``array[key] = value`` on raw arrays.

    Without ``like`` this is the plain conversion (NumPy's reading of ints mixed with index
    tensors). With ``like`` (the array to be indexed) the key is validated, moved to its device,
    and exactly PyTorch's: ``like[key]`` equals ``ember.tensor(like)[index]``.
    """
    if like is None:
        return tuple(_entry(e, "setitem") for e in _as_tuple(index))
    key, simple = _parse(index, like, "setitem")
    if key.adv is None:
        return key.basic
    if key.basic is None:
        return key.adv
    if simple:  # only slices and None beside the arrays: NumPy reads the merged index the same
        merged = list(key.basic[:-1])
        for k, a in enumerate(key.adv):
            if not isinstance(a, slice):
                merged[k] = a
        return tuple(merged)
    # ints next to index tensors: name every selected place by its coordinates
    xp = array_module(like)
    places = xp.arange(like.size).reshape(like.shape)[key.basic][key.adv]
    return xp.unravel_index(places, like.shape)


# ---- adding at repeated places ----
def _linear_index(shape, adv, xp):
    """The C-order position, in an array of ``shape``, of each element ``array[adv]`` selects."""
    pos = [k for k, a in enumerate(adv) if not isinstance(a, slice)]
    b = np.broadcast_shapes(*(adv[k].shape for k in pos))
    rest = [k for k in range(len(shape)) if k not in pos]
    before = [k for k in rest if k < pos[0]] if pos[-1] - pos[0] + 1 == len(pos) else []
    after = [k for k in rest if k not in before]
    nd = len(before) + len(b) + len(after)
    strides = [int(np.prod(shape[k + 1:], dtype=np.int64)) for k in range(len(shape))]

    def along(v, j):
        return v.reshape((1,) * j + (v.shape[0],) + (1,) * (nd - j - 1))

    lin = xp.zeros((), np.int64)
    for j, k in enumerate(before):
        lin = lin + along(xp.arange(shape[k]) * strides[k], j)
    for k in pos:
        a = adv[k].astype(np.int64, copy=False)
        a = xp.where(a < 0, a + shape[k], a) * strides[k]
        lin = lin + a.reshape((1,) * (len(before) + len(b) - a.ndim) + a.shape + (1,) * len(after))
    for j, k in enumerate(after):
        lin = lin + along(xp.arange(shape[k]) * strides[k], len(before) + len(b) + j)
    return lin


def _add_at(target, adv, values, fresh):
    """``target[adv] += values`` where repeated places add up (``np.add.at``, made fast)."""
    xp = array_module(target)
    if target.dtype.kind != "f" or values.size * 4 < target.size:
        xp.add.at(target, adv, values)  # exact for integers; fast enough when few places are hit
        return
    # Dense: one bincount over the target's places, ~10x faster than np.add.at.
    lin = xp.broadcast_to(_linear_index(target.shape, adv, xp), values.shape).reshape(-1)
    sums = xp.bincount(lin, weights=values.reshape(-1), minlength=target.size).reshape(target.shape)
    if fresh:
        target[...] = sums
    else:
        target += sums


def _put(out, key, value, accumulate, fresh):
    """Write (or add, with ``accumulate``) ``value`` into ``out`` at the places ``key`` selects.

    ``value`` already has ``out``'s dtype and broadcasts to ``key.shape``; ``fresh`` says ``out``
    is zeros.
    """
    target = out if key.basic is None else out[key.basic]
    if key.adv is None:
        if accumulate and not fresh:
            target += value
        else:
            target[...] = value
    elif accumulate and not key.unique:
        xp = array_module(out)
        _add_at(target, key.adv, xp.broadcast_to(value, key.shape), fresh)
    elif accumulate and not fresh:
        target[key.adv] += value
    else:
        target[key.adv] = value


# ---- the two primitives ----
class Index(Primitive):
    """``x[basic][adv]``: a view for basic indices, a copy with advanced ones."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.in_shape, ctx.key = x.shape, key
        if key.basic is not None:
            x = x[key.basic]
        return x if key.adv is None else x[key.adv]

    @staticmethod
    def backward(ctx, gy):
        return IndexGrad.apply(gy, ctx.in_shape, ctx.key), None


class IndexGrad(Primitive):
    """Zeros of ``shape`` with ``g`` added at the places ``key`` selects: the gradient of Index."""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        out = array_module(g).zeros(shape, g.dtype)
        _put(out, key, g, accumulate=True, fresh=True)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.key), None, None


class Gather(Index):
    """``gather``: Index with one integer array per dimension (named for graph pictures)."""


class IndexSelect(Index):
    """``index_select``: Index with one integer array (named for graph pictures)."""


class IndexPut(Primitive):
    """A copy of ``x`` with ``value`` written (or added) at the places ``key`` selects."""

    @staticmethod
    def forward(ctx, x, value, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        ctx.value_shape = getattr(value, "shape", None)
        ctx.value_dtype = getattr(value, "dtype", None)
        xp = array_module(x)
        if ctx.value_shape is None:
            value = xp.asarray(value, dtype=x.dtype)
        else:
            value = _on_device(value, x).astype(x.dtype, copy=False)
            value = value.reshape(_strip_ones(value.shape, len(key.shape)))
        out = x.copy()
        _put(out, key, value, accumulate, fresh=False)
        return out

    @staticmethod
    def backward(ctx, gy):
        edges = ctx._edges
        gx = gv = None
        if edges[0] is not None:
            gx = gy if ctx.accumulate else IndexPut.apply(gy, 0, ctx.key, False)
        if edges[1] is not None:
            shape = ctx.value_shape
            stripped = _strip_ones(shape, len(ctx.key.shape))
            gv = grad_for(Index.apply(gy, ctx.key), (stripped, ctx.value_dtype))
            if stripped != shape:
                gv = reshape(gv, shape)
        return gx, gv, None, None


def _strip_ones(shape, ndim):
    """Drop leading size-1 dimensions beyond ``ndim`` (``x[0] = v`` accepts ``v`` of (1, 1, n))."""
    shape = tuple(shape)
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def _check_value(op, value, target_shape, x):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Tensor):
        if value.ndim:
            check_same_device(op, x._data, value._data)
        shape = _strip_ones(value.shape, len(target_shape))
        ok = len(shape) <= len(target_shape)
        if ok:
            try:
                ok = np.broadcast_shapes(shape, target_shape) == tuple(target_shape)
            except ValueError:
                ok = False
        if not ok:
            raise RuntimeError(f"{op}: a value of shape {shape_str(value.shape)} can't be written to "
                               f"the indexed region of shape {shape_str(target_shape)}; its shape "
                               "must broadcast to the region's (reshape it, or index differently)")
        return value
    if isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"{op}: the value must be a Tensor or a number, got {type(value).__name__}; "
                    "wrap it with ember.tensor(...)")


# ---- public ops ----
def getitem(input, index):
    """``input[index]`` with PyTorch's semantics.

    ints, slices (positive steps), None and Ellipsis give a view sharing memory (and version
    counter) with ``input``; bool masks and integer tensors, arrays or lists give a copy. The
    gradient adds up at repeated indices.

    >>> x = ember.arange(6.0).reshape(2, 3)
    >>> x[1, ::2].tolist(), x[:, [2, 0]].tolist(), x[x > 3].tolist()
    ([3.0, 5.0], [[2.0, 0.0], [5.0, 3.0]], [4.0, 5.0])
    """
    key = _basic_key(index, input._data.shape) or _parse(index, input._data, "getitem")[0]
    out = Index.apply(input, key)
    return as_view(out, input) if key.adv is None else out


def index_put(input, index, value, accumulate=False):
    """A copy of ``input`` with ``value`` written at ``input[index]`` (added, if ``accumulate``).

    ``index`` is anything ``getitem`` accepts (PyTorch's tuple of index tensors included);
    ``value`` (a number or a tensor) broadcasts to the indexed shape and is cast to ``input``'s
    dtype. This is the out-of-place form of ``input[index] = value``; unlike ``torch.index_put``,
    a value of another dtype is cast, as in ``__setitem__``. Differentiable in ``input`` and
    ``value``; with ``accumulate=True`` repeated indices add up.

    >>> ember.index_put(ember.zeros(3), ember.tensor([0, 0, 2]), 1.0, accumulate=True).tolist()
    [2.0, 0.0, 1.0]
    """
    key, _ = _parse(index, input._data, "index_put")
    value = _check_value("index_put", value, key.shape, input)
    return IndexPut.apply(input, value, key, bool(accumulate))


def _index_array(op, index, int32=True):
    """The array of an index tensor, checked to be an integer type PyTorch accepts there."""
    a = index._data if isinstance(index, Tensor) else index
    if not hasattr(a, "dtype") or isinstance(a, np.generic):
        raise TypeError(f"{op}: index must be an integer Tensor, got {type(index).__name__}")
    if a.dtype != np.int64 and not (int32 and a.dtype == np.int32):
        want = "int64 or int32" if int32 else "int64"
        got = index.dtype if isinstance(index, Tensor) else a.dtype
        raise RuntimeError(f"{op}: expected an index of dtype {want}, got {got}; convert it with "
                           ".long()")
    return a


def _check_range(op, a, dim, n, low=0, error=RuntimeError):
    """Every index in ``[low, n)``, else an error naming the first bad value, the dim and its size."""
    if a.size:
        lo, hi = int(a.min()), int(a.max())
        if lo < low or hi >= n:
            valid = f"valid indices are {low} to {n - 1}" if n else "the dimension is empty"
            raise error(f"{op}: index {lo if lo < low else hi} is out of bounds for dimension {dim} "
                        f"with size {n} ({valid})")


def _mesh_key(index, dim, xp):
    """The advanced index selecting ``x[i][index[i][j][k]][k]`` (for dim=1) at each (i, j, k).

    With one index per slice along ``dim`` (a loss picking each row's target) no place can be
    selected twice, so the gradient is written with a plain assignment, not an accumulation."""
    nd = index.ndim
    adv = tuple(index if d == dim else xp.arange(n).reshape((n,) + (1,) * (nd - d - 1))
                for d, n in enumerate(index.shape))
    return _Key(None, adv, index.shape[dim] <= 1, tuple(index.shape))


def _check_gather_shapes(op, dim, input_shape, index_shape, src_shape=None):
    """PyTorch's rules (a 0-d tensor counts as one element): same number of dimensions, and the
    index no larger than the input apart from ``dim`` (and no larger than ``src``)."""
    x_s, i_s, s_s = (tuple(s) or (1,) if s is not None else None
                     for s in (input_shape, index_shape, src_shape))
    if len(i_s) != len(x_s):
        raise RuntimeError(f"{op}: index of shape {shape_str(index_shape)} must have as many "
                           f"dimensions as the input, of shape {shape_str(input_shape)}")
    if s_s is not None and len(s_s) != len(i_s):
        raise RuntimeError(f"{op}: index of shape {shape_str(index_shape)} must have as many "
                           f"dimensions as src, of shape {shape_str(src_shape)}")
    for d, n in enumerate(i_s):
        if (d != dim and n > x_s[d]) or (s_s is not None and n > s_s[d]):
            against = f"the input {shape_str(input_shape)} apart from dimension {dim}"
            if s_s is not None:
                against += f" and no larger than src {shape_str(src_shape)}"
            raise RuntimeError(f"{op}: index of shape {shape_str(index_shape)} must be no larger "
                               f"than {against} (size {n} at dimension {d})")


def _as_1d(t):
    return t if t.ndim else reshape(t, (1,))


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (for dim=1); ``out`` has ``index``'s shape.

    ``index`` (int64 or int32) has as many dimensions as ``input`` and is no larger in the others.

    >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, ember.tensor([[1], [0]])).tolist()
    [[2.0], [3.0]]
    """
    idx = _index_array("gather", index)
    dim = normalize_dim(dim, input.ndim, "gather")
    _check_gather_shapes("gather", dim, input.shape, idx.shape)
    x = _as_1d(input)
    idx1 = idx if idx.ndim else idx.reshape(1)
    _check_range("gather", idx1, dim, x.shape[dim])
    out = Gather.apply(x, _mesh_key(_on_device(idx1, x._data), dim, array_module(x._data)))
    return out if idx.ndim else reshape(out, ())


def take_along_dim(input, indices, dim=None):
    """Values of ``input`` at ``indices`` along ``dim`` (NumPy's take_along_axis; broadcasts).

    With ``dim=None`` both are flattened. Negative indices count from the end.

    >>> x = ember.tensor([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> ember.take_along_dim(x, ember.tensor([[1], [0]]), dim=1).tolist()
    [[30.0], [60.0]]
    """
    idx = _index_array("take_along_dim", indices, int32=False)
    flat = dim is None
    if flat:
        x, dim, idx = reshape(input, (-1,)), 0, idx.reshape(-1)
    else:
        dim = normalize_dim(dim, input.ndim, "take_along_dim")
        if idx.ndim != input.ndim:
            raise RuntimeError(f"take_along_dim: input and indices must have the same number of "
                               f"dimensions, got shapes {shape_str(input.shape)} and "
                               f"{shape_str(idx.shape)}; unsqueeze the indices")
        x = _as_1d(input)
        idx = idx if idx.ndim else idx.reshape(1)
        x_rest, i_rest = list(x.shape), list(idx.shape)
        x_rest[dim] = i_rest[dim] = 1
        try:
            common = list(np.broadcast_shapes(tuple(x_rest), tuple(i_rest)))
        except ValueError:
            raise RuntimeError(f"take_along_dim: the shapes of input {shape_str(input.shape)} and "
                               f"indices {shape_str(idx.shape)} don't broadcast apart from "
                               f"dimension {dim}") from None
        x = broadcast_to(x, tuple(common[:dim] + [x.shape[dim]] + common[dim + 1:]))
        idx = array_module(idx).broadcast_to(idx, tuple(common[:dim] + [idx.shape[dim]] + common[dim + 1:]))
    n = x.shape[dim]
    _check_range("take_along_dim", idx, dim, n, low=0 if flat else -n)  # PyTorch's rules
    xp = array_module(x._data)
    idx = _on_device(idx, x._data)
    out = Gather.apply(x, _mesh_key(xp.where(idx < 0, idx + n, idx), dim, xp))
    return reshape(out, ()) if input.ndim == 0 and not flat else out


def _scatter_key(op, input, dim, index, src):
    idx = _index_array(op, index)
    dim = normalize_dim(dim, input.ndim, op)
    src_shape = None
    if isinstance(src, Tensor):
        if src.dtype != input.dtype:
            raise RuntimeError(f"{op}: src has dtype {src.dtype} but the input has {input.dtype}; "
                               f"they must match (convert src with .to({input.dtype}))")
        src_shape = src.shape
    _check_gather_shapes(op, dim, input.shape, idx.shape, src_shape)
    idx = idx if idx.ndim else idx.reshape(1)
    _check_range(op, idx, dim, input.shape[dim] if input.ndim else 1)
    return _mesh_key(_on_device(idx, input._data), dim, array_module(input._data))


def _src_part(src, shape):
    """The leading block of ``src`` that the index covers (a differentiable view)."""
    if not isinstance(src, Tensor):
        return src
    src = _as_1d(src)
    if tuple(src.shape) == tuple(shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in shape))


def scatter(input, dim, index, src, *, reduce=None):
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` (for dim=1).

    ``src`` is a tensor (of ``input``'s dtype) or a number. ``reduce='add'`` or ``'multiply'``
    combines instead of overwriting (no gradient, as in PyTorch). Where an index repeats, one of
    the values wins.
    """
    key = _scatter_key("scatter", input, dim, index, src)
    x = _as_1d(input)
    part = _src_part(src, key.shape)
    if reduce is None:
        out = IndexPut.apply(x, part, key, False)
    elif reduce in ("add", "multiply"):
        if grad_mode._state.grad and any(isinstance(t, Tensor) and t.requires_grad for t in (input, src)):
            raise RuntimeError(f"scatter: the gradient of scatter with reduce={reduce!r} is not "
                               "implemented (as in PyTorch); use scatter_add for a differentiable "
                               "sum, or compute it under ember.no_grad()")
        data = x._data.copy()
        value = part._data if isinstance(part, Tensor) else part
        ufunc = array_module(data).add if reduce == "add" else array_module(data).multiply
        ufunc.at(data, key.adv, value)
        out = Tensor._make(data, False, None, 0)
    else:
        raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    return out if input.ndim else reshape(out, ())


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``out[i][index[i][j]] += src[i][j]`` (for dim=1); repeats add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}; for a number "
                        "use ember.full_like(index, value, dtype=input.dtype)")
    key = _scatter_key("scatter_add", input, dim, index, src)
    out = IndexPut.apply(_as_1d(input), _src_part(src, key.shape), key, True)
    return out if input.ndim else reshape(out, ())


def _vector_index(op, index, dim, n):
    idx = _index_array(op, index)
    if idx.ndim > 1:
        raise IndexError(f"{op}: index must be a vector (1 dimension), got shape "
                         f"{shape_str(idx.shape)}; flatten it with .reshape(-1)")
    idx = idx if idx.ndim else idx.reshape(1)
    _check_range(op, idx, dim, n, error=IndexError)
    return idx


def index_select(input, dim, index):
    """The slices of ``input`` at positions ``index`` (a vector) along ``dim``: a copy.

    >>> ember.arange(6.0).reshape(3, 2).index_select(0, ember.tensor([2, 0])).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    dim = normalize_dim(dim, input.ndim, "index_select")
    x = _as_1d(input)
    idx = _vector_index("index_select", index, dim, x.shape[dim])
    if input.ndim == 0 and idx.size != 1:
        raise IndexError(f"index_select: a 0-d input takes an index of one value, got {idx.size}")
    adv = (slice(None),) * dim + (_on_device(idx, x._data),)
    shape = x.shape[:dim] + (idx.shape[0],) + x.shape[dim + 1:]
    out = IndexSelect.apply(x, _Key(None, adv, False, shape))
    return out if input.ndim else reshape(out, ())


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along ``dim``.

    ``source`` has ``input``'s shape except along ``dim``, where its size is ``len(index)``;
    repeated indices add up.
    """
    dim = normalize_dim(dim, input.ndim, "index_add")
    x = _as_1d(input)
    idx = _vector_index("index_add", index, dim, x.shape[dim])
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add: source must be a Tensor, got {type(source).__name__}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_add: source has dtype {source.dtype} but the input has "
                           f"{input.dtype}; they must match (convert with .to({input.dtype}))")
    src = _as_1d(source)
    expected = x.shape[:dim] + (idx.shape[0],) + x.shape[dim + 1:]
    if tuple(src.shape) != expected:
        raise RuntimeError(f"index_add: source of shape {shape_str(source.shape)} must have shape "
                           f"{shape_str(expected)}: the input's {shape_str(input.shape)} with "
                           f"dimension {dim} the length of index ({idx.shape[0]})")
    if alpha != 1:
        src = src * alpha
    adv = (slice(None),) * dim + (_on_device(idx, x._data),)
    out = IndexPut.apply(x, src, _Key(None, adv, False, expected), True)
    return out if input.ndim else reshape(out, ())


# ---- masks ----
def _mask_array(op, mask, input):
    m = mask._data if isinstance(mask, Tensor) else mask
    if not hasattr(m, "dtype") or m.dtype.kind != "b":
        got = mask.dtype if isinstance(mask, Tensor) else getattr(m, "dtype", type(mask).__name__)
        raise RuntimeError(f"{op}: expected a bool mask, got {got}; make one with a comparison "
                           "(x > 0) or .bool()")
    try:
        shape = np.broadcast_shapes(input.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"{op}: the mask of shape {shape_str(m.shape)} doesn't broadcast with the "
                           f"input of shape {shape_str(input.shape)}") from None
    return _on_device(m, input._data), shape


class MaskedFill(Primitive):
    """``value`` where ``mask`` is True, ``x`` elsewhere (broadcast; ``x``'s dtype)."""

    @staticmethod
    def forward(ctx, x, mask, value):
        xp = array_module(x)
        ctx.mask, ctx.x_meta = mask, (x.shape, x.dtype)
        ctx.value_meta = (value.shape, value.dtype) if hasattr(value, "shape") else None
        return xp.where(mask, value, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        from ember.ops.reduction import sum as _sum

        edges = ctx._edges
        gx = gv = None
        if edges[0] is not None:
            gx = grad_for(MaskedFill.apply(gy, ctx.mask, 0), ctx.x_meta)
        if edges[2] is not None:
            kept = array_module(ctx.mask).logical_not(ctx.mask)
            gv = grad_for(_sum(MaskedFill.apply(gy, kept, 0)), ctx.value_meta)
        return gx, None, gv


def masked_fill(input, mask, value):
    """``value`` where ``mask`` (bool, broadcasting) is True and ``input`` elsewhere.

    ``value`` is a number or a 0-d tensor (differentiable); the result has ``input``'s dtype.

    >>> ember.tensor([1.0, 2.0, 3.0]).masked_fill(ember.tensor([True, False, True]), 0.0).tolist()
    [0.0, 2.0, 0.0]
    """
    m, _ = _mask_array("masked_fill", mask, input)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor "
                               f"of shape {shape_str(value.shape)}; use ember.where(mask, value, x) "
                               "to fill from a tensor")
        if not isinstance(value._data, type(input._data)):
            value = value.to(input.device)
    elif isinstance(value, np.generic):
        value = value.item()
    elif not isinstance(value, (bool, int, float)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    return MaskedFill.apply(input, m, value)


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` is True, as a 1-d copy (both broadcast).

    >>> ember.tensor([[1.0, 2.0], [3.0, 4.0]]).masked_select(ember.tensor([True, False])).tolist()
    [1.0, 3.0]
    """
    m, shape = _mask_array("masked_select", mask, input)
    x = broadcast_to(input, shape)
    m = array_module(m).broadcast_to(m, shape)
    if not shape:  # both 0-d: PyTorch treats them as one element
        x, m = reshape(x, (1,)), m.reshape(1)
    adv = m.nonzero()
    return Index.apply(x, _Key(None, adv, True, (int(adv[0].shape[0]),)))
