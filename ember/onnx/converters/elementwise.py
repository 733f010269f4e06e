"""Elementwise math (``ember/ops/elementwise.py``) that is not a single ONNX op of the same name."""

import math

__all__ = ["expm1", "log1p", "log_base", "rsqrt", "square", "trunc", "frac", "round_", "softplus",
           "logsigmoid", "clamp", "where", "lerp"]


def _x(g, node):
    return g.name(node.args[0])


def expm1(g, node):
    x = _x(g, node)
    return g.node("Sub", [g.node("Exp", [x]), g.scalar(1, node.outputs[0].dtype)])


def log1p(g, node):
    x = _x(g, node)
    return g.node("Log", [g.node("Add", [x, g.scalar(1, node.outputs[0].dtype)])])


def log_base(base):
    def convert(g, node):
        log = g.node("Log", [_x(g, node)])
        return g.node("Div", [log, g.scalar(math.log(base), node.outputs[0].dtype)])
    convert.__name__ = f"log{base}"
    return convert


def rsqrt(g, node):
    return g.node("Reciprocal", [g.node("Sqrt", [_x(g, node)])])


def square(g, node):
    x = _x(g, node)
    return g.node("Mul", [x, x])


def _trunc(g, x, dtype):
    if dtype.kind != "f":
        return x
    return g.node("Mul", [g.node("Sign", [x]), g.node("Floor", [g.node("Abs", [x])])])


def trunc(g, node):
    return _trunc(g, _x(g, node), node.outputs[0].dtype)


def frac(g, node):
    x = _x(g, node)
    return g.node("Sub", [x, _trunc(g, x, node.outputs[0].dtype)])


def round_(g, node):
    """Round half to even (NumPy's and ONNX's rule), with ``decimals``."""
    x, decimals = _x(g, node), node.static(1)
    if decimals == 0 or node.outputs[0].dtype.kind != "f":
        return g.node("Round", [x]) if node.outputs[0].dtype.kind == "f" else x
    scale = g.scalar(10.0 ** decimals, node.outputs[0].dtype)
    return g.node("Div", [g.node("Round", [g.node("Mul", [x, scale])]), scale])


def softplus(g, node):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``."""
    x, beta, threshold = _x(g, node), node.static(1), node.static(2)
    dtype = node.outputs[0].dtype
    z = x if beta == 1 else g.node("Mul", [x, g.scalar(beta, dtype)])
    soft = g.node("Softplus", [z])
    if beta != 1:
        soft = g.node("Div", [soft, g.scalar(beta, dtype)])
    return g.node("Where", [g.node("Greater", [z, g.scalar(threshold, dtype)]), x, soft])


def logsigmoid(g, node):
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [_x(g, node)])])])


def clamp(g, node):
    """Clip between number bounds; Max and Min for tensor bounds (which broadcast)."""
    x, lo, hi = node.args[:3]
    dtype = node.outputs[0].dtype
    out = g.name(x)
    if not hasattr(lo, "kind") and not hasattr(hi, "kind"):
        return g.node("Clip", [out, None if lo is None else g.scalar(lo, dtype),
                               None if hi is None else g.scalar(hi, dtype)])
    if lo is not None:
        out = g.node("Max", [out, g.operand(lo, dtype)])
    if hi is not None:
        out = g.node("Min", [out, g.operand(hi, dtype)])
    return out


def where(g, node):
    condition, a, b = node.args[:3]
    dtype = node.outputs[0].dtype
    return g.node("Where", [g.name(condition), g.operand(a, dtype), g.operand(b, dtype)])


def lerp(g, node):
    """``start + weight * (end - start)``."""
    dtype = node.outputs[0].dtype
    start, end, weight = (g.operand(v, dtype) for v in node.args[:3])
    return g.node("Add", [start, g.node("Mul", [weight, g.node("Sub", [end, start])])])
