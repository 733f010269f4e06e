"""Reductions: sum, mean, var/std, prod, max/min (and amax/amin/argmax/argmin), all/any,
logsumexp, the softmax family, cumulative sums and products, and norms, with ``dim=`` and
``keepdim=`` as in PyTorch.

Forward passes run on raw arrays; backward passes are written with ember ops so that they are
differentiable again. Masks that only select elements (ties of a maximum, zeros of a product)
are constants of the backward pass: their derivative is zero almost everywhere.
"""

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from ember.autograd import grad_mode
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.backend import dtypes as _dtypes
from ember.ops._util import grad_for, kept_max, normalize_dim, normalize_dims, shape_str, sum_to_shape
from ember.ops.conversion import clone, to_dtype
from ember.ops.view import reshape, transpose, unsqueeze
from ember.tensor.tensor import Tensor

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "prod", "max", "min", "amax",
           "amin", "argmax", "argmin", "all", "any", "count_nonzero", "logsumexp", "softmax",
           "log_softmax", "cumsum", "cumprod", "norm"]

# PyTorch's torch.return_types.max / min: named tuples with .values and .indices
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


# ---- helpers ----
def _kept_shape(in_shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(in_shape))


class _ExpandBack(Primitive):
    """The gradient of a reduction: ``g`` (reduced shape) broadcast back to the input's shape.

    The result is a fresh array, not a broadcast view: the gradient reaching a leaf is then
    owned by the engine and needs no copy.
    """

    @staticmethod
    def forward(ctx, g, kept_shape, in_shape, scale=None):
        ctx.g_shape, ctx.kept_shape, ctx.scale = g.shape, kept_shape, scale
        out = array_module(g).empty(in_shape, g.dtype)
        out[...] = g.reshape(kept_shape)
        if scale is not None:  # mean's 1/n, folded in: one op instead of two
            out *= scale
        return out

    @staticmethod
    def backward(ctx, gy):
        g = reshape(sum_to_shape(gy, ctx.kept_shape), ctx.g_shape)
        return (g if ctx.scale is None else g * ctx.scale), None, None, None


def _expand_back(gy, in_shape, dims, scale=None):
    """The gradient of a reduction over ``dims``: broadcast back to the input's shape (and
    multiplied by ``scale``)."""
    return _ExpandBack.apply(gy, _kept_shape(in_shape, dims), in_shape, scale)


def _reduce_dims(dim, ndim, op):
    """Dims to reduce: ``None`` and ``()`` mean all of them, as in PyTorch."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = normalize_dims(dim, ndim, op)
    return dims if ndim else ()  # a 0-d tensor accepts dim 0 or -1 and has nothing to reduce


def _const(array):
    """A constant tensor (no graph) around an array computed inside a backward pass."""
    return Tensor._make(array, False, None, 0)


def _numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _check_float(input, op, what="input"):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: {what} dtype should be floating point, got {input.dtype}; call "
                           ".float() first or pass dtype=ember.float32")


def _check_nonempty(op, input, dims, full=False):
    """max/min-like reductions have no identity: reducing zero elements is an error."""
    if input._data.size:
        return
    if full:
        raise RuntimeError(f"{op}: the input has no elements (shape {shape_str(input.shape)}); "
                           "specify the reduction dim with the 'dim' argument")
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{op}: expected reduction dim {d} to have non-zero size, but the input "
                             f"has shape {shape_str(input.shape)}; there is no {op} of zero elements")


def _ties_grad(gy, x, y, dims):
    """The gradient of a max/min-like value, split evenly among the elements equal to it."""
    xa = x._data
    xp = array_module(xa)
    kept = _kept_shape(xa.shape, dims)
    ya = y._data.reshape(kept)
    mask = xa == ya
    if xa.dtype.kind == "f":
        mask |= xp.isnan(xa) & xp.isnan(ya)  # a NaN result came from the NaNs
    weight = (mask / mask.sum(axis=dims, keepdims=True)).astype(xa.dtype)
    return reshape(gy, kept) * _const(weight)


# ---- sum and mean ----
def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dtypes.as_dtype(dtype).numpy
    if x.dtype.kind in "biu":
        return np.int64  # PyTorch sums integers and bools in int64
    return None


class Sum(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.in_dtype = x.shape, dims, x.dtype
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, gy):
        gx = _expand_back(gy, ctx.in_shape, ctx.dims)
        return grad_for(gx, (ctx.in_shape, ctx.in_dtype)), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - PyTorch's name
    """Sum of all elements, or over ``dim`` (an int or a tuple)."""
    dims = _reduce_dims(dim, input.ndim, "sum")
    return Sum.apply(input, dims, keepdim, _sum_dtype(input._data, dtype))


class Mean(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.in_dtype = x.shape, dims, x.dtype
        ctx.count = count = _numel(x.shape, dims)
        if dtype is None and type(x) is np.ndarray and x.dtype.kind == "f" and x.itemsize >= 4 and count:
            # NumPy's own mean, without its Python wrapper: the same sum, divided the same way
            return np.true_divide(np.add.reduce(x, axis=dims, keepdims=keepdim), count)
        return x.mean(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, gy):
        gx = _expand_back(gy, ctx.in_shape, ctx.dims, 1.0 / ctx.count)
        return grad_for(gx, (ctx.in_shape, ctx.in_dtype)), None, None, None


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``; needs a floating dtype, as in PyTorch."""
    if input._data.dtype.kind not in "fc" and dtype is None:
        raise RuntimeError(f"mean: input dtype should be floating point, got {input.dtype}; "
                           "call .float() first or pass dtype=ember.float32")
    dims = _reduce_dims(dim, input.ndim, "mean")
    np_dtype = None if dtype is None else _dtypes.as_dtype(dtype).numpy
    return Mean.apply(input, dims, keepdim, np_dtype)


# ---- variance and standard deviation ----
def _dof(op, input, dims, correction):
    dof = _numel(input.shape, dims) - correction
    if dof <= 0:
        warnings.warn(f"{op}: degrees of freedom is <= 0 (reducing {_numel(input.shape, dims)} "
                      f"element(s) of shape {shape_str(input.shape)} with correction={correction}); "
                      "the result is inf or nan. Use a smaller correction or reduce more elements.",
                      UserWarning, stacklevel=4)
    return dof


def _centered(x, dims):
    return x - mean(x, dims, keepdim=True)


class Var(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dof):
        ctx.dims, ctx.dof = dims, dof
        ctx.save_for_backward(x)
        xp = array_module(x)
        d = x - x.mean(axis=dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # dof <= 0 gives inf/nan, as torch
            return xp.sum(d * d, axis=dims, keepdims=keepdim) / builtins.max(dof, 0)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        scale = 2.0 / ctx.dof if ctx.dof > 0 else math.nan
        return reshape(gy, _kept_shape(x.shape, ctx.dims)) * _centered(x, ctx.dims) * scale, \
            None, None, None


class Std(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dof):
        ctx.dims, ctx.dof = dims, dof
        xp = array_module(x)
        d = x - x.mean(axis=dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = xp.sqrt(xp.sum(d * d, axis=dims, keepdims=keepdim) / builtins.max(dof, 0))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.dims)
        y = reshape(y, kept)
        scale = 1.0 / ctx.dof if ctx.dof > 0 else math.nan
        zero = y._data == 0
        if zero.any():  # PyTorch: no gradient where the deviation is 0 (instead of 0/0)
            g = reshape(gy, kept) / (y + _const(zero.astype(y._data.dtype))) \
                * _const((~zero).astype(y._data.dtype))
        else:
            g = reshape(gy, kept) / y
        return g * _centered(x, ctx.dims) * scale, None, None, None


def _var_args(op, input, dim, correction, unbiased):
    if isinstance(dim, bool):  # legacy torch.var(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if correction is None:
        correction = 1
    _check_float(input, op)
    dims = _reduce_dims(dim, input.ndim, op)
    return dims, _dof(op, input, dims, correction)


def var(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Variance over ``dim`` (all dims by default), divided by ``N - correction``.

    ``unbiased=True/False`` is PyTorch's legacy spelling of ``correction=1/0``.
    """
    dims, dof = _var_args("var", input, dim, correction, unbiased)
    return Var.apply(input, dims, keepdim, dof)


def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation over ``dim``: the square root of :func:`var`."""
    dims, dof = _var_args("std", input, dim, correction, unbiased)
    return Std.apply(input, dims, keepdim, dof)


def var_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """``(var, mean)`` over ``dim``."""
    dims, dof = _var_args("var_mean", input, dim, correction, unbiased)
    return Var.apply(input, dims, keepdim, dof), Mean.apply(input, dims, keepdim, None)


def std_mean(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """``(std, mean)`` over ``dim``."""
    dims, dof = _var_args("std_mean", input, dim, correction, unbiased)
    return Std.apply(input, dims, keepdim, dof), Mean.apply(input, dims, keepdim, None)


# ---- product ----
class Prod(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.dims = dims
        y = x.prod(axis=dims, keepdims=keepdim, dtype=dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.dims)
        gy = reshape(gy, kept)
        zero = x._data == 0
        if zero.any():
            gx = gy * _prod_of_others(x, zero, ctx.dims)
        else:
            gx = gy * reshape(y, kept) / x
        return grad_for(gx, (x.shape, x._data.dtype)), None, None, None


def _prod_of_others(x, zero, dims):
    """For each element, the product of the other elements of its slice, where some are 0.

    Written so that its own gradient is right too: the product of the nonzero elements, times
    the zeros other than this one (as tensors whose value is 0, so they carry their gradient).
    """
    dtype = x._data.dtype
    count = zero.sum(axis=dims, keepdims=True)
    is_zero = _const(zero.astype(dtype))
    x_safe = x * _const((~zero).astype(dtype)) + is_zero  # zeros become ones, with no gradient
    others_nonzero = Prod.apply(x_safe, dims, True, None) / x_safe
    zeros_sum = sum(x * is_zero, dims, keepdim=True)  # the single zero (value 0, gradient 1)
    factor = (_const(((count == 0) | ((count == 1) & zero)).astype(dtype))
              + _const(((count == 1) & ~zero).astype(dtype)) * zeros_sum
              + _const(((count == 2) & zero).astype(dtype)) * (zeros_sum - x))
    return others_nonzero * factor


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or over ``dim``; the gradient is exact with zeros in the input."""
    dims = _reduce_dims(dim, input.ndim, "prod")
    return Prod.apply(input, dims, keepdim, _sum_dtype(input._data, dtype))


# ---- max, min and friends ----
class Amax(Primitive):
    """The largest value over ``dims``; the gradient is split evenly among ties."""

    reduce = "max"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        y = getattr(array_module(x), ctx.reduce)(x, axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return _ties_grad(gy, x, y, ctx.dims), None, None


class Amin(Amax):
    """The smallest value over ``dims``; the gradient is split evenly among ties."""

    reduce = "min"


class TakeAlongDim(Primitive):
    """The elements of ``x`` at ``index`` (an int64 array, NumPy's ``take_along_axis``) along
    ``dim``; with ``squeeze`` the (size-1) ``dim`` is dropped from the result."""

    @staticmethod
    def forward(ctx, x, index, dim, squeeze):
        ctx.in_shape, ctx.index, ctx.dim, ctx.squeeze = x.shape, index, dim, squeeze
        out = array_module(x).take_along_axis(x, index, axis=dim)
        return out.squeeze(axis=dim) if squeeze else out

    @staticmethod
    def backward(ctx, gy):
        if ctx.squeeze:
            gy = reshape(gy, ctx.index.shape)
        return PutAlongDim.apply(gy, ctx.index, ctx.dim, ctx.in_shape), None, None, None


class PutAlongDim(Primitive):
    """Zeros of ``shape`` holding ``g`` at ``index`` along ``dim`` (indices distinct per slice):
    the reverse of ``TakeAlongDim``."""

    @staticmethod
    def forward(ctx, g, index, dim, shape):
        ctx.index, ctx.dim = index, dim
        xp = array_module(g)
        out = xp.zeros(shape, g.dtype)
        grids = [xp.arange(n).reshape(tuple(-1 if i == d else 1 for i in range(index.ndim)))
                 for d, n in enumerate(index.shape)]
        grids[dim] = index
        out[tuple(grids)] = g
        return out

    @staticmethod
    def backward(ctx, gy):
        return TakeAlongDim.apply(gy, ctx.index, ctx.dim, False), None, None, None


def _take_along(input, index, dim, squeeze=False):
    """``input`` at ``index`` (a raw int64 array) along ``dim``; differentiable (used by sort,
    topk, max/min with dim)."""
    return TakeAlongDim.apply(input, index, dim, squeeze)


def _extreme(op, input, dim, keepdim, largest):
    if dim is None:
        dims = tuple(range(input.ndim))
        _check_nonempty(op, input, dims, full=True)
        return (Amax if largest else Amin).apply(input, dims, False)
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from ember.ops.elementwise import maximum, minimum

        return (maximum if largest else minimum)(input, dim)
    d = normalize_dim(dim, input.ndim, op)
    if input.ndim == 0:
        index = array_module(input._data).zeros((), np.int64)
        return (max_result if largest else min_result)(clone(input), _const(index))
    _check_nonempty(op, input, (d,))
    xp = array_module(input._data)
    index = (xp.argmax if largest else xp.argmin)(input._data, axis=d, keepdims=True)
    values = _take_along(input, index, d, squeeze=not keepdim)
    return (max_result if largest else min_result)(values, _const(index if keepdim else index.squeeze(d)))


def max(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor as the
    second argument, the elementwise :func:`maximum`.

    The gradient of the full reduction is split evenly among tied elements; with ``dim`` it
    goes to the element at ``indices``, as in PyTorch.
    """
    return _extreme("max", input, dim, keepdim, True)


def min(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """The smallest element; with ``dim``, ``(values, indices)``; with a tensor, :func:`minimum`."""
    return _extreme("min", input, dim, keepdim, False)


def amax(input, dim=(), keepdim=False):
    """The largest value over ``dim`` (an int or a tuple; all dims by default); ties share the
    gradient evenly."""
    dims = _reduce_dims(dim, input.ndim, "amax")
    _check_nonempty("amax", input, dims)
    return Amax.apply(input, dims, keepdim)


def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (an int or a tuple; all dims by default)."""
    dims = _reduce_dims(dim, input.ndim, "amin")
    _check_nonempty("amin", input, dims)
    return Amin.apply(input, dims, keepdim)


def _arg_extreme(op, input, dim, keepdim, largest):
    xa = input._data
    xp = array_module(xa)
    find = xp.argmax if largest else xp.argmin
    if dim is None:
        if xa.size == 0:
            raise RuntimeError(f"{op}: the input has no elements (shape {shape_str(input.shape)}); "
                               "specify the reduction dim with the 'dim' argument")
        index = find(xa.reshape(-1)).astype(np.int64)
        return _const(index.reshape((1,) * xa.ndim) if keepdim else xp.asarray(index))
    d = normalize_dim(dim, input.ndim, op)
    if xa.ndim == 0:
        return _const(xp.zeros((), np.int64))
    _check_nonempty(op, input, (d,))
    return _const(find(xa, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened input, or along ``dim``); int64."""
    return _arg_extreme("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened input, or along ``dim``); int64."""
    return _arg_extreme("argmin", input, dim, keepdim, False)


# ---- logical reductions ----
def _logical(op, input, dim, keepdim):
    xa = input._data
    xp = array_module(xa)
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dims = ()  # PyTorch: all/any over no dims is the elementwise truth value
    else:
        dims = _reduce_dims(dim, input.ndim, op)
    out = (xp.all if op == "all" else xp.any)(xa, axis=dims, keepdims=keepdim)
    # uint8 in, uint8 out (PyTorch keeps the byte dtype)
    return _const(xp.asarray(out, dtype=np.uint8 if xa.dtype == np.uint8 else np.bool_))


def all(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """True where every element (over ``dim``) is nonzero; bool."""
    return _logical("all", input, dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """True where some element (over ``dim``) is nonzero; bool."""
    return _logical("any", input, dim, keepdim)


def count_nonzero(input, dim=None):
    """Number of nonzero elements (over ``dim``, an int or a tuple); int64."""
    dims = _reduce_dims(dim, input.ndim, "count_nonzero")
    xa = input._data
    return _const(array_module(xa).asarray((xa != 0).sum(axis=dims), dtype=np.int64))


# ---- log-sum-exp and the softmax family ----
def _float_input(input):
    """Integer inputs are computed in the default float dtype, as PyTorch does."""
    if input._data.dtype.kind != "f":
        return to_dtype(input, _dtypes.get_default_dtype())
    return input


def _finite_max(x, axis, xp, keep_inf=False):
    """The max along ``axis`` (kept), with non-finite maxima (all -inf, inf) replaced by 0 so
    that subtracting it never makes a NaN out of finite numbers; ``keep_inf`` keeps a +inf max
    (softmax of a slice holding +inf is NaN in PyTorch)."""
    if x.size == 0:
        return xp.zeros(_kept_shape(x.shape, axis if isinstance(axis, tuple) else (axis,)), x.dtype)
    m = kept_max(x, axis) if not isinstance(axis, tuple) else xp.max(x, axis=axis, keepdims=True)
    keep = (m != -xp.inf) if keep_inf else xp.isfinite(m)
    return xp.where(keep, m, 0).astype(x.dtype, copy=False)


class LogSumExp(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims = dims
        xp = array_module(x)
        m = _finite_max(x, dims, xp)
        e = xp.exp(x - m)
        with np.errstate(divide="ignore"):  # log(0) = -inf where every element is -inf
            y = xp.log(e.sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            y = y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))
        ctx.save_for_backward(x, y)  # the output itself, so that double backward sees its graph
        return y

    @staticmethod
    def backward(ctx, gy):
        from ember.ops.elementwise import exp

        x, y = ctx.saved_tensors
        kept = _kept_shape(x.shape, ctx.dims)
        y = reshape(y, kept)
        bad = ~array_module(y._data).isfinite(y._data)
        if bad.any():  # an all -inf slice: keep exp(x - y) free of -inf - (-inf)
            from ember.ops.elementwise import where

            y = where(_const(bad), 0.0, y)
        return reshape(gy, kept) * exp(x - y), None, None


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (the maximum is subtracted first).

    Integer inputs give the default float dtype. Where a whole slice is ``-inf`` the result is
    ``-inf`` and its gradient is 0 (PyTorch gives NaN there).
    """
    input = _float_input(input)
    dims = _reduce_dims(dim, input.ndim, "logsumexp")
    return LogSumExp.apply(input, dims, keepdim)


def _softmax_input(op, input, dim, dtype):
    if dtype is not None:
        input = to_dtype(input, _dtypes.as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype} (shape "
                           f"{shape_str(input.shape)}); call .float() first or pass "
                           "dtype=ember.float32")
    if dim is None:
        raise TypeError(f"{op}: dim is required (the dimension to normalise over), e.g. "
                        f"{op}(x, dim=-1)")
    return input, normalize_dim(dim, input.ndim, op)


class Softmax(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = array_module(x)
        m = _finite_max(x, dim, xp, keep_inf=True)
        with np.errstate(invalid="ignore"):  # a slice with +inf or all -inf gives NaN, as in PyTorch
            y = x - m
            xp.exp(y, out=y)  # in place: y is a fresh array
            y /= y.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        y, = ctx.saved_tensors
        return SoftmaxGrad.apply(y, gy, ctx.dim), None


class SoftmaxGrad(Primitive):
    """``y (gy - sum(gy y))`` along ``dim``: softmax's gradient from its output ``y`` in one op
    (four otherwise), with its own backward for higher derivatives."""

    @staticmethod
    def forward(ctx, y, gy, dim):
        ctx.dim = dim
        ctx.save_for_backward(y, gy)
        out = gy * y
        total = out.sum(axis=dim, keepdims=True)
        if out.dtype != gy.dtype:
            return y * (gy - total)
        array_module(y).subtract(gy, total, out=out)
        out *= y
        return out

    @staticmethod
    def backward(ctx, ggx):
        y, gy = ctx.saved_tensors
        needs_y, needs_gy = ctx.needs_input_grad[:2]
        # the Jacobian in gy, diag(y) - y y^T, is symmetric: the same map applied to ggx
        gy_grad = SoftmaxGrad.apply(y, ggx, ctx.dim) if needs_gy else None
        y_grad = None
        if needs_y:
            y_grad = (ggx * (gy - sum(gy * y, ctx.dim, keepdim=True))
                      - gy * sum(ggx * y, ctx.dim, keepdim=True))
        return y_grad, gy_grad, None


class LogSoftmax(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if type(x) is np.ndarray and x.size:
            m = kept_max(x, dim)
            if np.isfinite(m).all():  # the common case: no inf or all -inf slice, no warning
                y = x - m
                y -= np.log(np.exp(y).sum(axis=dim, keepdims=True))
                ctx.save_for_backward(y)
                return y
        xp = array_module(x)
        m = _finite_max(x, dim, xp, keep_inf=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = x - m
            y -= xp.log(xp.exp(y).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        y, = ctx.saved_tensors
        return LogSoftmaxGrad.apply(y, gy, ctx.dim), None


class LogSoftmaxGrad(Primitive):
    """``gy - exp(y) sum(gy)`` along ``dim``: log_softmax's gradient from its output ``y`` in one
    op (four otherwise), with its own backward for higher derivatives."""

    @staticmethod
    def forward(ctx, y, gy, dim):
        ctx.dim = dim
        ctx.save_for_backward(y, gy)
        xp = array_module(y)
        out = xp.exp(y)
        out *= gy.sum(axis=dim, keepdims=True)
        return xp.subtract(gy, out, out=out) if out.dtype == gy.dtype else gy - out

    @staticmethod
    def backward(ctx, ggx):
        from ember.ops.elementwise import exp

        y, gy = ctx.saved_tensors
        needs_y, needs_gy = ctx.needs_input_grad[:2]
        p = exp(y)
        # the transposed map for gy (ggx - sum(p ggx)); for y, -p sum(gy) is elementwise
        gy_grad = ggx - sum(p * ggx, ctx.dim, keepdim=True) if needs_gy else None
        y_grad = -(p * sum(gy, ctx.dim, keepdim=True) * ggx) if needs_y else None
        return y_grad, gy_grad, None


def softmax(input, dim, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably; ``dtype`` casts the input first."""
    input, d = _softmax_input("softmax", input, dim, dtype)
    if input.ndim == 0:
        return reshape(Softmax.apply(reshape(input, (1,)), 0), ())
    return Softmax.apply(input, d)


def log_softmax(input, dim, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably (no log of 0 for large inputs)."""
    input, d = _softmax_input("log_softmax", input, dim, dtype)
    if input.ndim == 0:
        return reshape(LogSoftmax.apply(reshape(input, (1,)), 0), ())
    return LogSoftmax.apply(input, d)


# ---- cumulative sums and products ----
class CumSum(Primitive):
    """Cumulative sum along ``dim``; ``reverse`` sums from the end (the gradient of cumsum)."""

    @staticmethod
    def forward(ctx, x, dim, reverse):
        ctx.dim, ctx.reverse = dim, reverse
        xp = array_module(x)
        if not reverse:
            return xp.cumsum(x, axis=dim)
        return xp.flip(xp.cumsum(xp.flip(x, axis=dim), axis=dim), axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return CumSum.apply(gy, ctx.dim, not ctx.reverse), None, None


def _cumulative_input(op, input, dim, dtype):
    if dtype is not None:
        input = to_dtype(input, _dtypes.as_dtype(dtype))
    elif input._data.dtype.kind in "biu":
        input = to_dtype(input, _dtypes.int64)  # PyTorch accumulates integers in int64
    d = normalize_dim(dim, input.ndim, op)
    return (reshape(input, (1,)) if input.ndim == 0 else input), d


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``: ``out[i] = input[0] + ... + input[i]``."""
    x, d = _cumulative_input("cumsum", input, dim, dtype)
    out = CumSum.apply(x, d, False)
    return reshape(out, ()) if input.ndim == 0 else out


class CumProd(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = array_module(x).cumprod(x, axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        d = ctx.dim
        xa = x._data
        zero = xa == 0
        if not zero.any():
            return CumSum.apply(gy * y, d, True) / x, None
        if grad_mode.is_grad_enabled():  # a graph for higher derivatives is being built
            return _cumprod_grad_quadratic(x, gy, d), None
        # d y[k] / d x[i] = prod(x[j], j <= k, j != i): before the first zero of a slice the
        # usual y / x[i] holds; at the first zero it is the cumulative product with that zero
        # replaced by 1; after it every product holds the zero, so the gradient is 0.
        xp = array_module(xa)
        seen = xp.cumsum(zero, axis=d)
        before, first = seen == 0, zero & (seen == 1)
        dtype = xa.dtype
        b, nb = _const(before.astype(dtype)), _const((~before).astype(dtype))
        f, nf = _const(first.astype(dtype)), _const((~first).astype(dtype))
        g_before = CumSum.apply(gy * y, d, True) / (x * b + nb) * b
        g_first = CumSum.apply(gy * CumProd.apply(x * nf + f, d), d, True) * f
        return g_before + g_first, None


def _cumprod_grad_quadratic(x, gy, d):
    """The gradient of cumprod with zeros in the input, as a function whose own derivatives
    are right (the fast path above sets constants where x has zeros): every product
    ``prod(x[j], j <= k, j != i)`` is formed explicitly, in O(n**2) memory per slice."""
    n = x.shape[d]
    xa = x._data
    xp = array_module(xa)
    eye = xp.eye(n, dtype=xa.dtype)
    xt, gyt = transpose(x, d, -1), transpose(gy, d, -1)
    # row i of the last two dims: x with x[i] replaced by 1
    omitted = unsqueeze(xt, -2) * _const(1 - eye) + _const(eye)
    products = CumProd.apply(omitted, omitted.ndim - 1) * _const(xp.triu(xp.ones((n, n), xa.dtype)))
    return transpose(sum(products * unsqueeze(gyt, -2), -1), d, -1)


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; the gradient is exact with zeros in the input."""
    x, d = _cumulative_input("cumprod", input, dim, dtype)
    out = CumProd.apply(x, d)
    return reshape(out, ()) if input.ndim == 0 else out


# ---- norms ----
class VectorNorm(Primitive):
    """``sum(|x|**p) ** (1/p)`` over ``dims``, with p = 0 (count), inf and -inf (max/min of
    |x|); gradients as PyTorch's ``linalg_vector_norm_backward``."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.p, ctx.dims = p, dims
        xp = array_module(x)
        if p == 2:
            acc = x.astype(xp.float32) if x.dtype == xp.float16 else x  # float16 squares overflow
            with np.errstate(over="ignore"):  # a norm past the dtype's range is inf, silently
                y = xp.sqrt(xp.sum(acc * acc, axis=dims, keepdims=keepdim))
        elif p == 1:
            y = xp.sum(xp.abs(x), axis=dims, keepdims=keepdim)
        elif p == math.inf:
            y = xp.max(xp.abs(x), axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            y = xp.min(xp.abs(x), axis=dims, keepdims=keepdim)
        elif p == 0:
            y = xp.sum(x != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        else:
            with np.errstate(divide="ignore"):  # 0 ** negative p = inf, as in PyTorch
                y = xp.sum(xp.abs(x) ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        y = xp.asarray(y, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        xa = x._data
        xp = array_module(xa)
        kept = _kept_shape(xa.shape, dims)
        gy, y = reshape(gy, kept), reshape(y, kept)
        dtype = xa.dtype
        if p == 0:  # a count: no gradient at all, as in PyTorch (x.grad stays None)
            return None, None, None, None
        sign = _const(xp.sign(xa))
        if p == 1:
            return gy * sign, None, None, None
        if math.isinf(p):
            absx = xp.abs(xa)
            mask = (absx == y._data) | xp.isnan(absx)
            weight = (xp.sign(xa) * mask / mask.sum(axis=dims, keepdims=True)).astype(dtype)
            return gy * _const(weight), None, None, None
        zero_norm = y._data == 0
        # gy / y ** (p - 1), with no gradient where the norm is 0 (PyTorch's masked_fill)
        if zero_norm.any():
            scale = gy / (y + _const(zero_norm.astype(dtype))) ** (p - 1) \
                * _const((~zero_norm).astype(dtype))
        else:
            scale = gy / y if p == 2 else gy / y ** (p - 1)
        if p == 2:
            return x * scale, None, None, None
        abs_x = x * sign
        if p < 1:
            nonzero = xa != 0
            scaled = sign * (abs_x + _const((~nonzero).astype(dtype))) ** (p - 1) \
                * _const(nonzero.astype(dtype))
            return scaled * gy * y ** (1 - p), None, None, None
        if p < 2:
            return sign * abs_x ** (p - 1) * scale, None, None, None
        return x * abs_x ** (p - 2) * scale, None, None, None


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm of ``input`` over ``dim`` (all elements by default), as ``torch.norm``.

    ``p`` is ``'fro'`` (= 2), a number, ``inf`` or ``-inf``; ``p=0`` counts nonzero elements.
    The gradient of the 2-norm at 0 is 0, as in PyTorch. ``dtype`` casts the input first.
    The nuclear norm (``p='nuc'``) is not supported.
    """
    if isinstance(p, str):
        if p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported; use p='fro' (or 2), 1, inf, -inf, "
                               "0 or another number" + (" (compute the nuclear norm from the singular "
                                                        "values instead)" if p == "nuc" else ""))
        if dim is not None and not isinstance(dim, int) and len(dim) > 2:
            raise RuntimeError(f"norm: p='fro' takes at most 2 dims, got dim={tuple(dim)}; use "
                               "p=2 for a vector norm over more dims")
        p = 2
    elif p is None:
        p = 2
    if dtype is not None:
        input = to_dtype(input, _dtypes.as_dtype(dtype))
    _check_float(input, "norm")
    dims = _reduce_dims(dim, input.ndim, "norm")
    if math.isinf(p):
        _check_nonempty("norm", input, dims)
    return VectorNorm.apply(input, float(p), dims, keepdim)
