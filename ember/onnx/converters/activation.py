"""Activations (``ember/nn/functional/activation.py``): the ReLU family, ELU/SELU/CELU, GELU,
SiLU, Mish, the hard ones, threshold and PReLU."""

import math

__all__ = ["hardtanh", "leaky_relu", "elu", "gelu", "silu", "mish", "hardsigmoid", "threshold",
           "prelu", "hardshrink", "softshrink"]

_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)


def _x(g, node):
    return g.name(node.args[0])


def hardtanh(g, node):
    dtype = node.outputs[0].dtype
    return g.node("Clip", [_x(g, node), g.scalar(node.static(1), dtype), g.scalar(node.static(2), dtype)])


def leaky_relu(g, node):
    return g.node("LeakyRelu", [_x(g, node)], alpha=float(node.static(1)))


def elu(g, node):
    """ELU, SELU and CELU are one ember op ``scale * (max(x, 0) + alpha * (exp(input_scale *
    min(x, 0)) - 1))``: each becomes its ONNX op, any other constants the formula itself."""
    x = _x(g, node)
    alpha, scale, input_scale = (float(node.static(i)) for i in (1, 2, 3))
    if scale == 1 and input_scale == 1:
        return g.node("Elu", [x], alpha=alpha)
    if (alpha, scale, input_scale) == (*_SELU, 1.0):
        return g.node("Selu", [x], alpha=alpha, gamma=scale)
    if scale == 1 and input_scale * alpha == 1:
        return g.node("Celu", [x], alpha=alpha)
    dtype = node.outputs[0].dtype
    zero = g.scalar(0, dtype)
    negative = g.node("Mul", [g.node("Min", [x, zero]), g.scalar(input_scale, dtype)])
    negative = g.node("Sub", [g.node("Exp", [negative]), g.scalar(1, dtype)])
    y = g.node("Add", [g.node("Max", [x, zero]), g.node("Mul", [negative, g.scalar(alpha, dtype)])])
    return g.node("Mul", [y, g.scalar(scale, dtype)])


def gelu(g, node):
    """``x * Phi(x)`` with erf, or its tanh approximation (ONNX's Gelu op needs opset 20)."""
    x, dtype = _x(g, node), node.outputs[0].dtype
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate=node.static(1))
    if node.static(1) == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, dtype)])])
        cdf = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dtype)])])
    else:
        cdf = g.node("Erf", [g.node("Mul", [x, g.scalar(math.sqrt(0.5), dtype)])])
    cdf = g.node("Mul", [g.node("Add", [cdf, g.scalar(1, dtype)]), g.scalar(0.5, dtype)])
    return g.node("Mul", [x, cdf])


def silu(g, node):
    x = _x(g, node)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


def mish(g, node):
    x = _x(g, node)
    return g.node("Mul", [x, g.node("Tanh", [g.node("Softplus", [x])])])


def hardsigmoid(g, node):
    return g.node("HardSigmoid", [_x(g, node)], alpha=1 / 6, beta=0.5)


def threshold(g, node):
    """``x`` where ``x > threshold``, else ``value``."""
    x, dtype = _x(g, node), node.outputs[0].dtype
    keep = g.node("Greater", [x, g.scalar(node.static(1), dtype)])
    return g.node("Where", [keep, x, g.scalar(node.static(2), dtype)])


def hardshrink(g, node):
    """ONNX's Shrink with no bias: ``x`` outside ``[-lambd, lambd]``, else 0."""
    return g.node("Shrink", [_x(g, node)], lambd=float(node.static(1)), bias=0.0)


def softshrink(g, node):
    """ONNX's Shrink with bias ``lambd``: ``x -+ lambd`` outside ``[-lambd, lambd]``, else 0."""
    lambd = float(node.static(1))
    return g.node("Shrink", [_x(g, node)], lambd=lambd, bias=lambd)


def prelu(g, node):
    return g.node("PRelu", [_x(g, node), g.name(node.args[1])])


