"""In-place operations (``add_``, ``mul_``, ``x[i] = v`` ...) with PyTorch's autograd rules.

Each in-place op is its out-of-place op applied to the tensor's current value, with the result
written back into the same memory. When a graph is being recorded the tensor's ``grad_fn`` is
rebased onto the new node; the version counter is bumped so that every op which saved the old
value refuses to backward with it. A leaf that requires grad may not be modified in place
(outside ``no_grad``), as in PyTorch.
"""

from ember.autograd import grad_mode
from ember.autograd.function import _anomaly, _user_frame
from ember.backend import array_module
from ember.backend import random as _random
from ember.backend.devices import device_of, to_device_array
from ember.tensor.tensor import Tensor, new_version_counter

__all__ = ["inplace", "add_", "sub_", "mul_", "div_", "pow_", "neg_", "zero_", "fill_", "copy_",
           "clamp_", "exp_", "sqrt_", "abs_", "relu_", "sigmoid_", "tanh_", "masked_fill_",
           "scatter_", "scatter_add_", "uniform_", "normal_", "bernoulli_", "lerp_", "addcmul_",
           "addcdiv_", "setitem", "bump_version"]


def bump_version(t, op):
    counter = t._version
    if counter is None:
        counter = t._version = new_version_counter()
    counter[0] += 1
    counter[1] = op
    counter[2] = _user_frame() if _anomaly[0] else None


def _records(t, others):
    if not grad_mode._state.grad:
        return False
    if t._requires_grad:
        return True
    return any(isinstance(o, Tensor) and o._requires_grad for o in others)


def inplace(t, op, compute, others=(), direct=None):
    """Write ``compute(t)`` into ``t``'s memory.

    ``compute(x)`` is the out-of-place op on a tensor; ``others`` are the other tensor operands
    (to know whether a graph is recorded); ``direct(array)``, if given, does the same work on the
    raw array when no graph is recorded (no temporary copy).
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")
    records = _records(t, others)
    if records and t._version is not None and t._version[3] and t.grad_fn is not None:
        raise RuntimeError(
            f"{op}: a view of a leaf tensor that requires grad (shape {tuple(t.shape)}) is being "
            "modified in place, which would change the leaf. Update it inside `with "
            "ember.no_grad():`, or .clone() the view before modifying it.")
    if records and t.grad_fn is None and t._requires_grad:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad (shape {tuple(t.shape)}) is being modified in "
            "place. Update parameters inside `with ember.no_grad():` (or through .data), or use "
            "the out-of-place form.")
    if not records:
        if direct is not None:
            direct(t._data)
        else:
            with grad_mode.no_grad():
                out = compute(t)
            _write(t, out._data, op)
        bump_version(t, op)
        return t
    if t._version is None:
        t._version = new_version_counter()
    old = Tensor._make(t._data, t._requires_grad, t.grad_fn, t._output_nr)
    old._version = t._version
    old._seen = t._seen
    out = compute(old)
    node = out.grad_fn
    if node is not None and node._saved:
        for i, record in enumerate(node._saved):
            if record is not None and record[0] is old:  # the op kept the old value: keep a copy
                old._data = old._data.copy()
                old._version = new_version_counter()
                node._saved[i] = (old, old._version, 0, None)
    _write(t, out._data, op)
    bump_version(t, op)
    t._version[4] += 1  # a recorded change: the family's other members now have stale grad_fns
    t._seen = t._version[4]
    t.grad_fn = node
    t._output_nr = out._output_nr
    t._requires_grad = out._requires_grad
    return t


def _write(t, array, op):
    if array.shape != t.shape:
        raise RuntimeError(f"{op}: the result has shape {tuple(array.shape)} but the tensor modified "
                           f"in place has shape {tuple(t.shape)}; an in-place op can't change the "
                           "shape (the other operand must broadcast to it)")
    kind_rank = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
    if kind_rank[array.dtype.kind] > kind_rank[t._data.dtype.kind]:
        raise RuntimeError(f"{op}: the result type {array.dtype} can't be cast to the tensor's dtype "
                           f"{t.dtype} in place; use the out-of-place form or convert first")
    xp = array_module(t._data)
    xp.copyto(t._data, array, casting="unsafe")


def _ops():
    import ember.ops as ops  # late: the out-of-place ops live beside this module

    return ops


def _raw(x):
    return x._data if isinstance(x, Tensor) else x


def _ufunc_in_place(op, ufunc, other, alpha=1):
    """``array = ufunc(array, alpha * other)`` straight into the array (no temporary copy)."""
    def run(array):
        o = _raw(other)
        if alpha != 1:
            o = o * alpha
        if array.dtype.kind == "f" and (type(o) is float or (
                type(o) is type(array) and o.dtype == array.dtype and o.shape == array.shape)):
            ufunc(array, o, out=array)  # the optimizer's case: nothing to check or convert
            return
        kind = getattr(o, "dtype", None)
        kind = kind.kind if kind is not None else ("f" if isinstance(o, float) else "i")
        rank = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
        if rank[kind] > rank[array.dtype.kind] or (op == "div_" and array.dtype.kind != "f"):
            raise RuntimeError(f"{op}: the result type can't be cast to the tensor's dtype "
                               f"{array.dtype} in place; use the out-of-place form or convert first")
        shape = getattr(o, "shape", ())
        if shape != array.shape and len(shape) and _broadcast(shape, array.shape) != array.shape:
            raise RuntimeError(f"{op}: the other operand of shape {tuple(shape)} does not broadcast "
                               f"to the shape {tuple(array.shape)} of the tensor modified in place")
        ufunc(array, _on_device(o, array), out=array)  # the dtype rule was checked above
    return run


def _broadcast(a, b):
    import numpy as np

    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def add_(t, other, *, alpha=1):
    return inplace(t, "add_", lambda x: _ops().add(x, other, alpha=alpha), (other,),
                   direct=lambda a: _ufunc_in_place("add_", array_module(a).add, other, alpha)(a))


def sub_(t, other, *, alpha=1):
    return inplace(t, "sub_", lambda x: _ops().sub(x, other, alpha=alpha), (other,),
                   direct=lambda a: _ufunc_in_place("sub_", array_module(a).subtract, other, alpha)(a))


def mul_(t, other):
    return inplace(t, "mul_", lambda x: _ops().mul(x, other), (other,),
                   direct=lambda a: _ufunc_in_place("mul_", array_module(a).multiply, other)(a))


def div_(t, other, *, rounding_mode=None):
    direct = None
    if rounding_mode is None:
        direct = lambda a: _ufunc_in_place("div_", array_module(a).true_divide, other)(a)  # noqa: E731
    return inplace(t, "div_", lambda x: _ops().div(x, other, rounding_mode=rounding_mode), (other,),
                   direct=direct)


def pow_(t, exponent):
    return inplace(t, "pow_", lambda x: _ops().pow(x, exponent), (exponent,))


def neg_(t):
    return inplace(t, "neg_", lambda x: _ops().neg(x))


def exp_(t):
    return inplace(t, "exp_", lambda x: _ops().exp(x))


def sqrt_(t):
    return inplace(t, "sqrt_", lambda x: _ops().sqrt(x))


def abs_(t):
    return inplace(t, "abs_", lambda x: _ops().abs(x))


def relu_(t):
    return inplace(t, "relu_", lambda x: _ops().relu(x))


def sigmoid_(t):
    return inplace(t, "sigmoid_", lambda x: _ops().sigmoid(x))


def tanh_(t):
    return inplace(t, "tanh_", lambda x: _ops().tanh(x))


def clamp_(t, min=None, max=None):  # noqa: A002 - PyTorch's names
    return inplace(t, "clamp_", lambda x: _ops().clamp(x, min, max), (min, max))


def masked_fill_(t, mask, value):
    return inplace(t, "masked_fill_", lambda x: _ops().masked_fill(x, mask, value), (value,))


def scatter_(t, dim, index, src):
    return inplace(t, "scatter_", lambda x: _ops().scatter(x, dim, index, src), (src,))


def scatter_add_(t, dim, index, src):
    return inplace(t, "scatter_add_", lambda x: _ops().scatter_add(x, dim, index, src), (src,))


def lerp_(t, end, weight):
    return inplace(t, "lerp_", lambda x: _ops().lerp(x, end, weight), (end, weight))


def addcmul_(t, tensor1, tensor2, *, value=1):
    return inplace(t, "addcmul_", lambda x: x + value * tensor1 * tensor2, (tensor1, tensor2))


def addcdiv_(t, tensor1, tensor2, *, value=1):
    return inplace(t, "addcdiv_", lambda x: x + value * tensor1 / tensor2, (tensor1, tensor2))


def copy_(t, src):
    """Copy ``src`` (broadcast, cast, moved to ``t``'s device) into ``t``; gradients flow to src."""
    return inplace(t, "copy_", lambda x: _ops().copy_from(x, src), (src,),
                   direct=lambda a: array_module(a).copyto(a, _on_device(_raw(src), a), casting="unsafe"))


def _on_device(value, like):
    if hasattr(value, "shape") and not isinstance(value, type(like)):
        return to_device_array(value, device_of(like))
    return value


def fill_(t, value):
    def direct(a):
        a[...] = _raw(value)
    return inplace(t, "fill_", lambda x: _ops().fill(x, value), (value,), direct=direct)


def zero_(t):
    return fill_(t, 0)


def uniform_(t, a=0.0, b=1.0, generator=None):
    def direct(arr):
        draw = _random.numpy_generator(generator).uniform(a, b, size=arr.shape)
        arr[...] = _on_device(draw.astype(arr.dtype), arr)
    return _random_fill(t, "uniform_", direct)


def normal_(t, mean=0.0, std=1.0, generator=None):
    def direct(arr):
        draw = _random.numpy_generator(generator).normal(mean, std, size=arr.shape)
        arr[...] = _on_device(draw.astype(arr.dtype), arr)
    return _random_fill(t, "normal_", direct)


def bernoulli_(t, p=0.5, generator=None):
    def direct(arr):
        prob = _raw(p)
        draw = _random.numpy_generator(generator).random(size=arr.shape) < prob
        arr[...] = _on_device(draw.astype(arr.dtype), arr)
    return _random_fill(t, "bernoulli_", direct)


def _random_fill(t, op, direct):
    if grad_mode._state.grad and t._requires_grad:
        raise RuntimeError(f"{op}: a tensor that requires grad (shape {tuple(t.shape)}) can't be "
                           "filled with random values while gradients are recorded; wrap the "
                           "initialisation in `with ember.no_grad():`")
    direct(t._data)
    bump_version(t, op)
    return t


def setitem(t, index, value):
    """``t[index] = value``: differentiable for ``value`` and for the rest of ``t``."""
    ops = _ops()

    def direct(a):
        a[ops.unwrap_index(index, a)] = _on_device(_raw(value), a)
    return inplace(t, "setitem", lambda x: ops.index_put(x, index, value), (value,), direct=direct)
