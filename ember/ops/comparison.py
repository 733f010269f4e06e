"""Comparisons and logic: eq/ne/lt/le/gt/ge, equal, isclose/allclose, bitwise and logical ops.

Every result is a bool tensor (or, for the bitwise ops, an integer one) and carries no gradient,
so these ops work on raw arrays and wrap the result without recording a graph node. Operands
are tensors or Python numbers, broadcast and promoted to a common dtype as in PyTorch
(``int_tensor == 2.5`` compares in float).
"""

import operator

import numpy as np

from ember.backend import array_module
from ember.ops._util import check_same_device, promote, shape_str
from ember.tensor.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
           "not_equal", "equal", "isclose", "allclose", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not", "logical_and", "logical_or", "logical_xor", "logical_not"]

_NUMBER = (bool, int, float, np.bool_, np.integer, np.floating)


def broadcast_error(op, *operands):
    """The error for operands whose shapes don't broadcast, naming ``op`` and every shape."""
    shapes = [shape_str(a.shape) for a in operands if hasattr(a, "shape")]
    shapes = " and ".join([", ".join(shapes[:-1]), shapes[-1]] if len(shapes) > 1 else shapes)
    return RuntimeError(
        f"{op}: shapes {shapes} can't be broadcast together (aligned from the right, each pair of "
        "sizes must be equal or one of them 1). Reshape or unsqueeze an operand, e.g. "
        "x.unsqueeze(-1) to pair a column with a row.")


def _unwrap(op, x):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, _NUMBER):
        return x
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


def _operands(op, input, other):
    """The raw arrays/numbers of a binary op, at least one a tensor."""
    a, b = _unwrap(op, input), _unwrap(op, other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    return a, b


def _wrap(op, fn, a, b):
    """``fn(a, b)`` as a constant tensor (broadcasting errors name ``op``)."""
    try:
        out = fn(a, b)
    except ValueError:
        raise broadcast_error(op, a, b) from None
    if isinstance(out, (np.generic, bool)):  # NumPy returns scalars from 0-d operands
        out = np.asarray(out)
    return Tensor._make(out, False, None, 0)


def _compare(op, fn, input, other):
    a, b = promote(op, *_operands(op, input, other))
    return _wrap(op, fn, a, b)


def eq(input, other):
    """``input == other`` elementwise, as a bool tensor."""
    return _compare("eq", operator.eq, input, other)


def ne(input, other):
    """``input != other`` elementwise."""
    return _compare("ne", operator.ne, input, other)


def lt(input, other):
    """``input < other`` elementwise."""
    return _compare("lt", operator.lt, input, other)


def le(input, other):
    """``input <= other`` elementwise."""
    return _compare("le", operator.le, input, other)


def gt(input, other):
    """``input > other`` elementwise."""
    return _compare("gt", operator.gt, input, other)


def ge(input, other):
    """``input >= other`` elementwise."""
    return _compare("ge", operator.ge, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _two_tensors(op, input, other):
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    check_same_device(op, input._data, other._data)
    return input._data, other._data


def equal(input, other):
    """True if both tensors have the same shape and the same values (nan is never equal)."""
    a, b = _two_tensors("equal", input, other)
    if a.shape != b.shape:
        return False
    a, b = promote("equal", a, b)
    return bool((a == b).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities are close)."""
    a, b = _two_tensors("isclose", input, other)
    if a.dtype != b.dtype:
        raise TypeError(f"isclose: both tensors must have the same dtype, got {input.dtype} and "
                        f"{other.dtype}; convert one with .to(other.dtype)")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    if a.dtype.kind == "b":
        return _wrap("isclose", operator.eq, a, b)
    xp = array_module(a)
    with np.errstate(all="ignore"):  # inf - inf: PyTorch compares without a warning
        return _wrap("isclose", lambda a, b: xp.isclose(a, b, rtol=rtol, atol=atol,
                                                         equal_nan=equal_nan), a, b)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _describe(x):
    return f"{x.dtype} (shape {shape_str(x.shape)})" if isinstance(x, Tensor) else \
        f"a Python {type(x).__name__}"


def _bitwise(op, fn, input, other):
    a, b = _operands(op, input, other)
    for v in (a, b):
        if getattr(v, "dtype", None) is not None and v.dtype.kind == "f" or isinstance(v, float):
            raise TypeError(
                f"{op}: only bool and integer tensors are supported, got {_describe(input)} and "
                f"{_describe(other)}; to combine conditions compare first, e.g. (x > 0) & (y > 0)")
    a, b = promote(op, a, b)
    return _wrap(op, fn, a, b)


def bitwise_and(input, other):
    """``input & other``: logical and on bools, bitwise and on integers."""
    return _bitwise("bitwise_and", operator.and_, input, other)


def bitwise_or(input, other):
    """``input | other``."""
    return _bitwise("bitwise_or", operator.or_, input, other)


def bitwise_xor(input, other):
    """``input ^ other``."""
    return _bitwise("bitwise_xor", operator.xor, input, other)


def bitwise_not(input):
    """``~input``: logical not on bools, bitwise not on integers."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bitwise_not: expected a Tensor, got {type(input).__name__}")
    x = input._data
    if x.dtype.kind == "f":
        raise TypeError(f"bitwise_not: only bool and integer tensors are supported, got "
                        f"{_describe(input)}; for a mask use logical_not(x) or ~(x > 0)")
    return Tensor._make(array_module(x).invert(x), False, None, 0)


def _logical(op, input, other):
    a, b = _operands(op, input, other)
    xp = array_module(a if isinstance(input, Tensor) else b)
    if hasattr(a, "shape") and hasattr(b, "shape"):
        check_same_device(op, a, b)
    return _wrap(op, getattr(xp, op), a, b)


def logical_and(input, other):
    """True where both are nonzero."""
    return _logical("logical_and", input, other)


def logical_or(input, other):
    """True where either is nonzero."""
    return _logical("logical_or", input, other)


def logical_xor(input, other):
    """True where exactly one is nonzero."""
    return _logical("logical_xor", input, other)


def logical_not(input):
    """True where ``input`` is zero."""
    if not isinstance(input, Tensor):
        raise TypeError(f"logical_not: expected a Tensor, got {type(input).__name__}")
    x = input._data
    return Tensor._make(array_module(x).logical_not(x), False, None, 0)
