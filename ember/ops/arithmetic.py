"""Arithmetic: add, sub, mul, div, neg, pow, floor_divide, remainder (with broadcasting)."""

import numpy as np
from numpy import ndarray

from ember.autograd.function import Primitive
from ember.ops._util import grad_for, meta, promote
from ember.ops.comparison import broadcast_error

__all__ = ["add", "sub", "mul", "div", "true_divide", "neg", "negative", "pow", "floor_divide",
           "remainder", "rsub"]


class Add(Primitive):
    metas = None  # None: both inputs already have the result's shape and dtype

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is ndarray and type(b) is ndarray and a.dtype is b.dtype and a.shape == b.shape:
            return a + b  # the common case: no promotion, no broadcasting
        ctx.metas = (meta(a), meta(b))
        a, b = promote("add", a, b)
        try:
            return a + b
        except ValueError:
            raise broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx, gy):
        if ctx.metas is None:
            return gy, gy
        ma, mb = ctx.metas
        edges = ctx._edges
        return (grad_for(gy, ma) if edges[0] is not None else None,
                grad_for(gy, mb) if edges[1] is not None else None)


def add(input, other, *, alpha=1):
    """``input + alpha * other``, broadcasting as NumPy does."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(input, other)


class Sub(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        if getattr(a, "dtype", None) == np.bool_ and getattr(b, "dtype", None) == np.bool_:
            raise TypeError("sub: subtracting two bool tensors is not supported; use ^ (xor) or "
                            "logical_xor instead")
        ctx.metas = (meta(a), meta(b))
        a, b = promote("sub", a, b)
        try:
            return a - b
        except ValueError:
            raise broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx, gy):
        ma, mb = ctx.metas
        edges = ctx._edges
        return (grad_for(gy, ma) if edges[0] is not None else None,
                grad_for(-gy, mb) if edges[1] is not None else None)


def sub(input, other, *, alpha=1):
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(input, other)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


class Mul(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.metas = (meta(a), meta(b))
        edges = ctx._edges  # save an operand only if the other one needs its gradient (and save
        # it before promotion, so that double backward reaches the input itself)
        ctx.save_for_backward(a if edges and edges[1] is not None else None,
                              b if edges and edges[0] is not None else None)
        a, b = promote("mul", a, b)
        try:
            return a * b
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ma, mb = ctx.metas
        edges = ctx._edges
        return (grad_for(gy * b, ma) if edges[0] is not None else None,
                grad_for(gy * a, mb) if edges[1] is not None else None)


def mul(input, other):
    """Elementwise product, broadcasting."""
    return Mul.apply(input, other)


class Div(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.metas = (meta(a), meta(b))
        ctx.save_for_backward(a, b)  # before promotion: double backward reaches the inputs
        a, b = promote("div", a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 is inf and 0/0 nan, silently
            try:
                out = a / b
            except ValueError:
                raise broadcast_error("div", a, b) from None
        if _kind(a) != "f" and _kind(b) != "f":
            out = out.astype(_default_float())  # int / int is the default float, as in PyTorch
        return out

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ma, mb = ctx.metas
        edges = ctx._edges
        ga = grad_for(gy / b, ma) if edges[0] is not None else None
        gb = grad_for(-gy * a / (b * b), mb) if edges[1] is not None else None
        return ga, gb


def div(input, other, *, rounding_mode=None):
    """True division; ``rounding_mode='floor'`` or ``'trunc'`` rounds the result (no gradient)."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        from ember.ops.elementwise import trunc

        q = Div.apply(input, other)
        out = trunc(q).detach()
        a_dtype = getattr(input, "dtype", None)
        return out if a_dtype is None or a_dtype.is_floating_point else out.to(a_dtype)
    raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")


true_divide = div


class Neg(Primitive):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise TypeError("neg: negation of a bool tensor is not supported; use ~ (logical not)")
        return -a

    @staticmethod
    def backward(ctx, gy):
        return -gy


def neg(input):
    return Neg.apply(input)


negative = neg


class Pow(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.metas = (meta(a), meta(b))
        a0, b0 = a, b  # saved before promotion: double backward reaches the inputs
        a, b = promote("pow", a, b)
        if hasattr(b, "dtype") and b.dtype.kind in "iu" and getattr(a, "dtype", np.float64).kind in "iu":
            if (b < 0).any():
                raise RuntimeError("pow: integers to negative integer powers are not allowed; "
                                   "convert the base to float first")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 0 ** -0.5 is inf
            try:
                out = a ** b
            except ValueError:
                raise broadcast_error("pow", a, b) from None
        ctx.save_for_backward(a0, b0, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        from ember.ops.elementwise import log, where

        a, b, out = ctx.saved_tensors
        ma, mb = ctx.metas
        edges = ctx._edges
        ga = gb = None
        if edges[0] is not None:
            if isinstance(b, (int, float)):
                ga = gy * b * a ** (b - 1) if b != 0 else gy * 0.0
            else:
                ga = gy * b * a ** (b - 1)
                ga = where(b == 0, ga * 0.0, ga)  # x ** 0 has gradient 0, even at x = 0
            ga = grad_for(ga, ma)
        if edges[1] is not None:
            if isinstance(a, (int, float)):
                gb = gy * out * float(np.log(a)) if a > 0 else gy * out * float("nan")
                if a == 0:
                    gb = where(b > 0, gy * 0.0, gy * out * float("-inf"))
            else:
                gb = gy * out * log(where(a == 0, a + 1.0, a))
                gb = where((a == 0) & (b >= 0), gb * 0.0, gb)  # 0 ** b for b >= 0: gradient 0
            gb = grad_for(gb, mb)
        return ga, gb


def pow(input, exponent):  # noqa: A001 - PyTorch's name
    """``input ** exponent``, elementwise; either may be a number."""
    return Pow.apply(input, exponent)


class FloorDivide(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        a, b = promote("floor_divide", a, b)
        try:
            return a // b
        except ValueError:
            raise broadcast_error("floor_divide", a, b) from None

    @staticmethod
    def backward(ctx, gy):
        return None, None  # piecewise constant: zero gradient almost everywhere


def floor_divide(input, other):
    return FloorDivide.apply(input, other)


class Remainder(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.metas = (meta(a), meta(b))
        ctx.save_for_backward(a, b)
        a, b = promote("remainder", a, b)
        try:
            return a % b
        except ValueError:
            raise broadcast_error("remainder", a, b) from None

    @staticmethod
    def backward(ctx, gy):
        from ember.ops.elementwise import floor

        a, b = ctx.saved_tensors
        ma, mb = ctx.metas
        edges = ctx._edges
        ga = grad_for(gy, ma) if edges[0] is not None else None
        gb = grad_for(-gy * floor(a / b), mb) if edges[1] is not None else None
        return ga, gb


def remainder(input, other):
    """Python's modulus (the result has the sign of the divisor), as ``torch.remainder``."""
    return Remainder.apply(input, other)


def _kind(x):
    """'f' for floating arrays and Python floats; 'i' otherwise."""
    if hasattr(x, "dtype"):
        return "f" if x.dtype.kind in "fc" else "i"
    return "f" if isinstance(x, float) else "i"


def _default_float():
    from ember.backend.dtypes import get_default_dtype

    return get_default_dtype().numpy
