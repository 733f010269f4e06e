"""Activation functions: the ReLU family (with RReLU), ELU/SELU/CELU, GELU, SiLU, Mish, the hard
(piecewise-linear) ones, the shrinkage ones, softmax and friends.

Each smooth activation is one Primitive: the forward runs on arrays in a few NumPy passes and
the backward is written with ember ops, so second derivatives work. relu, sigmoid, tanh,
softplus, logsigmoid, softmax and log_softmax are ember.ops' own. ``inplace=True`` writes the
result into the input, with PyTorch's autograd rules (ember.ops.inplace).
"""

import math
import warnings

import numpy as np

from ember import ops
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.backend import random as _random
from ember.backend.devices import device_of, to_device_array
from ember.ops._util import grad_for, meta, normalize_dim, shape_str
from ember.ops.elementwise import Mask, _erf_array
from ember.ops.inplace import inplace as _inplace
from ember.tensor.tensor import Tensor

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "rrelu", "rrelu_", "prelu", "elu",
           "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh",
           "softplus", "softsign", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish",
           "hardshrink", "softshrink", "tanhshrink", "logsigmoid", "softmax", "log_softmax",
           "softmin", "glu", "threshold", "threshold_"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_C = 0.044715


def _float_tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}; make one with "
                        "ember.tensor(data)")
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype} (shape "
                        f"{shape_str(x.shape)}); convert it with .float() first")
    return x


def _const(array):
    """A constant tensor (no graph): masks and slopes used in a backward."""
    return Tensor._make(array, False, None, 0)


def _run(op, compute, input, inplace):
    """``compute(input)``, or written into ``input``'s memory when ``inplace``."""
    _float_tensor(op, input)
    if inplace:
        return _inplace(input, op + "_", compute)
    return compute(input)


# ---------------------------------------------------------------- the ReLU family
def relu(input, inplace=False):
    """``max(x, 0)``.

    >>> F.relu(ember.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return ops.relu_(input) if inplace else ops.relu(input)


def relu_(input):
    """In-place ``relu``."""
    return ops.relu_(input)


class Hardtanh(Primitive):
    """``clamp(x, min_val, max_val)``, with PyTorch's gradient: 1 strictly inside, 0 at the ends."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return array_module(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        xa = x._data
        return Mask.apply(gy, (xa > ctx.lo) & (xa < ctx.hi)), None, None


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``min_val`` below ``min_val``, ``max_val`` above ``max_val``, ``x`` in between.

    >>> F.hardtanh(ember.tensor([-3.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    return _run("hardtanh", lambda x: Hardtanh.apply(x, min_val, max_val), input, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """``min(max(x, 0), 6)``: ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyReLU(Primitive):
    @staticmethod
    def forward(ctx, x, slope):
        xp = array_module(x)
        ctx.save_for_backward(x)
        ctx.slope = slope
        y = xp.multiply(x, slope, out=xp.empty_like(x))
        if 0 <= slope <= 1:  # max(x, slope * x) is the function here, without where's branching
            return xp.maximum(x, y, out=y)
        return xp.where(x > 0, x, y)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        slope = ctx.slope
        # 1 for x > 0, slope otherwise (PyTorch's leaky_relu_backward): a constant factor
        factor = (x._data > 0).astype(gy._data.dtype)
        if slope != 0:
            factor *= 1 - slope
            factor += slope
        return gy * _const(factor), None


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    >>> F.leaky_relu(ember.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    return _run("leaky_relu", lambda x: LeakyReLU.apply(x, negative_slope), input, inplace)


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def _rrelu_slopes(x, lower, upper):
    """Slopes for ``rrelu`` in training: one draw from ``U(lower, upper)`` per element where
    ``x <= 0`` (PyTorch's side of the kink), 1 elsewhere; in ``x``'s dtype and device."""
    draw = _random.numpy_generator(None).random(x.shape)
    draw = to_device_array((draw * (upper - lower) + lower).astype(x.dtype), device_of(x))
    return array_module(x).where(x <= 0, draw, x.dtype.type(1))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU (Xu et al., 2015): ``x`` for ``x > 0``, ``a * x`` otherwise.

    In training every element gets its own slope ``a ~ U(lower, upper)``, drawn from ember's
    seeded generator (``ember.manual_seed`` makes it reproducible), and the gradient uses the
    same slopes. Otherwise ``a = (lower + upper) / 2``: ``leaky_relu`` with that slope.

    >>> F.rrelu(ember.tensor([-2.0, 3.0]), 0.25, 0.75).tolist()
    [-1.0, 3.0]
    """
    _float_tensor("rrelu", input)
    if not lower <= upper:
        raise RuntimeError(f"rrelu: lower ({lower}) must be less than or equal to upper ({upper}); "
                           "the negative slopes are drawn from [lower, upper]")
    if not training:
        slope = (lower + upper) / 2
        return _run("rrelu", lambda x: LeakyReLU.apply(x, slope), input, inplace)
    slopes = _const(_rrelu_slopes(input._data, lower, upper))
    return _run("rrelu", lambda x: x * slopes, input, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


class PReLU(Primitive):
    """``x`` where ``x > 0``, ``w * x`` elsewhere, with ``w`` broadcast against ``x``."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        ctx.w_meta = meta(w)
        return array_module(x).where(x > 0, x, w * x)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        positive = x._data > 0
        edges = ctx._edges
        gx = Mask.apply(gy, positive) + Mask.apply(gy * w, ~positive) if edges[0] is not None else None
        gw = grad_for(Mask.apply(gy * x, ~positive), ctx.w_meta) if edges[1] is not None else None
        return gx, gw


def prelu(input, weight):
    """``x`` for ``x > 0``, ``weight * x`` otherwise, with one learnt slope per channel (dim 1).

    Args:
        input: ``(N, C, *)``, or any shape when ``weight`` has one element.
        weight: ``(C,)`` or ``(1,)``.

    >>> F.prelu(ember.tensor([[-2.0, 3.0]]), ember.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    _float_tensor("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be a scalar or 1-D, got shape "
                           f"{shape_str(weight.shape)}")
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"prelu: weight has {n} parameters but the input of shape "
                           f"{shape_str(input.shape)} has {channels} channels (dim 1); use "
                           f"PReLU(num_parameters=1) or PReLU(num_parameters={channels})")
    if n == 1 or input.ndim < 2:
        w = weight.reshape(())
    else:
        w = weight.reshape((n,) + (1,) * (input.ndim - 2))
    return PReLU.apply(input, w)


class ELU(Primitive):
    """``scale * x`` for ``x > 0``, ``scale * alpha * (exp(input_scale * x) - 1)`` otherwise.

    ELU, SELU and CELU are this function with different constants (as in PyTorch's kernel).
    The gradient on the negative side is ``input_scale * (y + scale * alpha)``: computed from the
    output, so that it stays differentiable through it.
    """

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        xp = array_module(x)
        ctx.consts = (alpha * scale, scale, input_scale)
        # scale * max(x, 0) + scale * alpha * expm1(input_scale * min(x, 0)): each term is 0 on
        # the other side, and exp never sees a positive number (no overflow, no branching)
        y = xp.minimum(x, 0, out=xp.empty_like(x))
        if input_scale != 1:
            y *= input_scale
        xp.expm1(y, out=y)
        y *= alpha * scale
        positive = xp.maximum(x, 0)
        if scale != 1:
            positive *= scale
        y += positive
        ctx.save_for_backward(y, x)
        return y

    @staticmethod
    def backward(ctx, gy):
        y, x = ctx.saved_tensors
        negcoef, scale, input_scale = ctx.consts
        positive = x._data > 0
        slope = Mask.apply(gy, positive)
        if scale != 1:
            slope = slope * scale
        # d/dx of the negative side, from the output: input_scale * (y + scale * alpha)
        return slope + Mask.apply(gy * ((y + negcoef) * input_scale), ~positive), None, None, None


def elu(input, alpha=1.0, inplace=False):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (Clevert et al., 2015)."""
    return _run("elu", lambda x: ELU.apply(x, alpha, 1.0, 1.0), input, inplace)


def elu_(input, alpha=1.0):
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with the self-normalising constants of Klambauer et al. (2017):
    alpha = 1.6732632423543772, scale = 1.0507009873554805."""
    return _run("selu", lambda x: ELU.apply(x, _SELU_ALPHA, _SELU_SCALE, 1.0), input, inplace)


def selu_(input):
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (Barron, 2017)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides the input)")
    return _run("celu", lambda x: ELU.apply(x, alpha, 1.0, 1.0 / alpha), input, inplace)


def celu_(input, alpha=1.0):
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


class GELU(Primitive):
    """``x * Phi(x)`` (Phi: the standard normal CDF), or its tanh approximation."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        xp = array_module(x)
        if approximate == "tanh":
            inner = xp.multiply(x, x, out=xp.empty_like(x))
            inner *= _GELU_C
            inner += 1
            inner *= x
            inner *= _SQRT_2_OVER_PI
            cdf = xp.tanh(inner, out=inner)
        else:
            cdf = _erf_array(x * _SQRT_HALF, xp) if x.dtype.itemsize >= 4 else \
                _erf_array(x.astype(np.float32) * _SQRT_HALF, xp).astype(x.dtype)
        cdf += 1
        cdf *= 0.5
        cdf *= x
        return cdf

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        if ctx.approximate == "tanh":
            x2 = x * x
            t = ops.tanh((x2 * _GELU_C + 1) * x * _SQRT_2_OVER_PI)
            dinner = (x2 * (3 * _GELU_C) + 1) * _SQRT_2_OVER_PI
            return gy * (((1 - t * t) * x * dinner + t + 1) * 0.5), None
        cdf = (ops.erf(x * _SQRT_HALF) + 1) * 0.5
        pdf = ops.exp(x * x * -0.5) * _INV_SQRT_2PI
        return gy * (cdf + x * pdf), None


def gelu(input, approximate="none"):
    """``x * Phi(x)`` where Phi is the standard normal CDF (Hendrycks & Gimpel, 2016).

    ``approximate='tanh'`` uses ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))``.

    >>> round(F.gelu(ember.tensor(1.0)).item(), 4)
    0.8413
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(_float_tensor("gelu", input), approximate)


def _sigmoid_array(x, xp):
    s = xp.negative(x, out=xp.empty_like(x))
    with np.errstate(over="ignore"):  # exp(-x) = inf for very negative x gives 1 / inf = 0
        xp.exp(s, out=s)
    s += 1
    return xp.reciprocal(s, out=s)


class SiLU(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        y = _sigmoid_array(x, array_module(x))
        y *= x
        return y

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        s = ops.sigmoid(x)
        return gy * (s * (x * (1 - s) + 1))


def silu(input, inplace=False):
    """``x * sigmoid(x)``, also called swish.

    >>> round(F.silu(ember.tensor(1.0)).item(), 4)
    0.7311
    """
    return _run("silu", SiLU.apply, input, inplace)


class Mish(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp = array_module(x)
        # softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow
        sp = xp.abs(x, out=xp.empty_like(x))
        xp.negative(sp, out=sp)
        xp.exp(sp, out=sp)
        xp.log1p(sp, out=sp)
        sp += xp.maximum(x, 0)
        xp.tanh(sp, out=sp)
        sp *= x
        return sp

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        t = ops.tanh(ops.softplus(x))
        return gy * (x * ops.sigmoid(x) * (1 - t * t) + t)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))`` (Misra, 2019)."""
    return _run("mish", Mish.apply, input, inplace)


class Hardsigmoid(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp = array_module(x)
        y = xp.divide(x, 6, out=xp.empty_like(x))
        y += 0.5
        return xp.clip(y, 0, 1, out=y)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        xa = x._data
        return Mask.apply(gy / 6, (xa > -3) & (xa < 3))


def hardsigmoid(input, inplace=False):
    """``0`` below -3, ``1`` above 3, ``x / 6 + 1 / 2`` in between."""
    return _run("hardsigmoid", Hardsigmoid.apply, input, inplace)


class Hardswish(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        xp = array_module(x)
        y = xp.add(x, 3, out=xp.empty_like(x))
        xp.clip(y, 0, 6, out=y)
        y *= x
        y /= 6
        return y

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        xa = x._data
        middle = (xa > -3) & (xa < 3)
        # PyTorch's kernel: 0 up to -3, x / 3 + 1/2 strictly between, 1 from 3 on
        return Mask.apply(gy * (x / 3 + 0.5), middle) + Mask.apply(gy, xa >= 3)


def hardswish(input, inplace=False):
    """``x * hardsigmoid(x)`` (Howard et al., 2019, MobileNetV3)."""
    return _run("hardswish", Hardswish.apply, input, inplace)


class Threshold(Primitive):
    @staticmethod
    def forward(ctx, x, threshold, value):
        keep = x > threshold
        ctx.save_for_backward(keep)
        return array_module(x).where(keep, x, x.dtype.type(value))

    @staticmethod
    def backward(ctx, gy):
        keep, = ctx.saved_tensors
        return Mask.apply(gy, keep), None, None


def threshold(input, threshold, value, inplace=False):
    """``x`` where ``x > threshold``, else ``value``.

    >>> F.threshold(ember.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    return _run("threshold", lambda x: Threshold.apply(x, threshold, value), input, inplace)


def threshold_(input, threshold, value):
    """In-place ``threshold``."""
    return _run("threshold", lambda x: Threshold.apply(x, threshold, value), input, True)


# ---------------------------------------------------------------- shrinkage
class Hardshrink(Primitive):
    """``x`` where ``|x| > lambd``, else 0. Softshrink shares its gradient."""

    @staticmethod
    def forward(ctx, x, lambd):
        # as PyTorch: the ends of the dead zone, |x| == lambd, get a zero gradient, and NaN passes
        # through forward (it is not in the dead zone) but gets a zero gradient (PyTorch's
        # vectorised loop; its scalar loop for the last few elements passes the gradient)
        ctx.save_for_backward((x < -lambd) | (x > lambd))
        dead = (x >= -lambd) & (x <= lambd)
        return array_module(x).where(dead, x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, gy):
        outside, = ctx.saved_tensors
        return Mask.apply(gy, outside), None


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward((x < -lambd) | (x > lambd))
        xp = array_module(x)
        y = xp.clip(x, -lambd, lambd, out=xp.empty_like(x))
        return xp.subtract(x, y, out=y)


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else ``0``.

    >>> F.hardshrink(ember.tensor([-1.0, 0.25, 0.75])).tolist()
    [-1.0, 0.0, 0.75]
    """
    return Hardshrink.apply(_float_tensor("hardshrink", input), lambd)


def softshrink(input, lambd=0.5):
    """``x - lambd`` for ``x > lambd``, ``x + lambd`` for ``x < -lambd``, ``0`` otherwise.

    Args:
        lambd: the half-width of the dead zone, ``>= 0``.

    >>> F.softshrink(ember.tensor([-1.0, 0.25, 0.75])).tolist()
    [-0.5, 0.0, 0.25]
    """
    largest = float(np.finfo(_float_tensor("softshrink", input)._data.dtype).max)
    if not 0 <= lambd <= largest:
        raise RuntimeError(f"softshrink: lambd must be in [0, {largest}] (non-negative and finite "
                           f"in the input's dtype, {input.dtype}), got {lambd}; it is the "
                           "half-width of the dead zone [-lambd, lambd]")
    return Softshrink.apply(input, lambd)


def tanhshrink(input):
    """``x - tanh(x)``.

    >>> round(F.tanhshrink(ember.tensor(1.0)).item(), 4)
    0.2384
    """
    return input - ops.tanh(_float_tensor("tanhshrink", input))


# ---------------------------------------------------------------- from ember.ops
def sigmoid(input):
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return ops.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``; ``x`` itself where ``beta * x > threshold``."""
    return ops.softplus(input, beta, threshold)


def logsigmoid(input):
    """``log(sigmoid(x))``, stable for any input."""
    return ops.logsigmoid(input)


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (ops.abs(_float_tensor("softsign", input)) + 1)


# ---------------------------------------------------------------- softmax and friends
def _softmax_dim(name, dim, ndim):
    """PyTorch's legacy choice when no ``dim`` is given, with its deprecation warning."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed stably).

    >>> F.softmax(ember.tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    return ops.softmax(input, _softmax_dim("softmax", dim, input.ndim), dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim`` (computed stably)."""
    return ops.log_softmax(input, _softmax_dim("log_softmax", dim, input.ndim), dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``."""
    return ops.softmax(-input, _softmax_dim("softmin", dim, input.ndim), dtype=dtype)


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the two halves along ``dim``.

    >>> F.glu(ember.ones(2, 4)).shape
    (2, 2)
    """
    _float_tensor("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu: a 0-d tensor can't be halved; give a tensor with an even-sized "
                           "dimension")
    d = normalize_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise RuntimeError(f"glu: dimension {dim} of the input of shape {shape_str(input.shape)} "
                           f"has size {input.shape[d]}, which must be even to be halved")
    a, b = ops.chunk(input, 2, d)
    return a * ops.sigmoid(b)
