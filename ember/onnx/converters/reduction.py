"""Reductions and softmax (``ember/ops/reduction.py``, ``ember/nn/functional/attention.py``)."""

import math

import numpy as np

__all__ = ["reduce", "softmax", "log_softmax", "safe_softmax", "cumsum", "variance", "vector_norm"]


def _axes(node, i):
    axes = node.static(i)
    return tuple(range(node.args[0].ndim)) if axes is None else tuple(axes)


def reduce(op_type):
    """Sum, Mean, Prod (``x, dims, keepdim, dtype``) and Amax, Amin, LogSumExp (``x, dims,
    keepdim``): one ONNX reduction, in the result's dtype (integers sum in int64)."""
    def convert(g, node):
        x, dtype = node.args[0], node.outputs[0].dtype
        if x.ndim == 0:
            return g.cast(g.node("Identity", [g.name(x)]), x.dtype, dtype)
        return g.reduce(op_type, g.operand(x, dtype), _axes(node, 1), node.static(2))
    convert.__name__ = op_type.lower()
    return convert


def softmax(g, node):
    return g.node("Softmax", [g.name(node.args[0])], axis=node.static(1))


def log_softmax(g, node):
    return g.node("LogSoftmax", [g.name(node.args[0])], axis=node.static(1))


def safe_softmax(g, node):
    """Softmax over the last axis, 0 (not NaN) on a row that is all -inf (attention's masked rows)."""
    y = g.node("Softmax", [g.name(node.args[0])], axis=-1)
    return g.node("Where", [g.node("IsNaN", [y]), g.scalar(0, node.outputs[0].dtype), y])


def cumsum(g, node):
    axis = g.scalar(node.static(1), "int64")
    return g.node("CumSum", [g.name(node.args[0]), axis], reverse=int(node.static(2)))


def variance(sqrt):
    """Var and Std (``x, dims, keepdim, dof``): the squared deviations' sum over ``dof``."""
    def convert(g, node):
        x, dtype = g.name(node.args[0]), node.outputs[0].dtype
        axes, keepdim, dof = _axes(node, 1), node.static(2), node.static(3)
        d = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
        y = g.node("Div", [g.reduce("ReduceSum", g.node("Mul", [d, d]), axes, keepdim),
                           g.scalar(max(dof, 0), dtype)])
        return g.node("Sqrt", [y]) if sqrt else y
    convert.__name__ = "std" if sqrt else "var"
    return convert


def vector_norm(g, node):
    """``sum(|x|**p) ** (1/p)``: ReduceL1 and ReduceL2, max and min of ``|x|`` for p = inf and
    -inf, the count of non-zeros for p = 0, the formula otherwise."""
    x, p, dtype = g.name(node.args[0]), float(node.static(1)), node.outputs[0].dtype
    axes, keepdim = _axes(node, 2), node.static(3)
    if p in (1, 2):
        return g.reduce("ReduceL1" if p == 1 else "ReduceL2", x, axes, keepdim)
    if p in (math.inf, -math.inf):
        return g.reduce("ReduceMax" if p > 0 else "ReduceMin", g.node("Abs", [x]), axes, keepdim)
    if p == 0:
        nonzero = g.node("Not", [g.node("Equal", [x, g.scalar(0, dtype)])])
        return g.reduce("ReduceSum", g.cast(nonzero, np.bool_, dtype), axes, keepdim)
    powered = g.node("Pow", [g.node("Abs", [x]), g.scalar(p, dtype)])
    return g.node("Pow", [g.reduce("ReduceSum", powered, axes, keepdim), g.scalar(1 / p, dtype)])
