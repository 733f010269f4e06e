"""Shapes and copies (``ember/ops/view.py``, ``shape.py``, ``join.py``, ``conversion.py``): reshape,
permute, broadcast, cat, stack, split, unbind, narrow, flip, repeat, tril/triu, clone and cast.

A shape that depends on a dynamic axis is never written as the example inputs' numbers: Reshape
copies a dynamic dimension that stays in place (0) and infers one other (-1), and anything else
is computed from the inputs' runtime sizes (``Graph.size``).
"""

from onnx import helper

from ember.onnx.errors import OnnxExportError
from ember.onnx.graph import INT64_MAX

__all__ = ["reshape", "reshape_target", "permute", "broadcast_to", "cat", "stack", "split",
           "unbind", "narrow", "flip", "repeat", "trilu", "identity", "cast"]


def reshape_target(g, x, y):
    """The shape input of a Reshape from Value ``x`` to Value ``y``."""
    dynamic = set(y.dynamic)
    if not dynamic:
        return g.ints(y.shape)
    sizes, inferred = [], []
    for i, n in enumerate(y.shape):
        if i not in dynamic:
            sizes.append(n)
        elif i < x.ndim and x.shape[i] == n and x.twin.shape[i] == y.twin.shape[i]:
            sizes.append(0)  # ONNX: copy this dimension of the input
        else:
            sizes.append(None)
            inferred.append(i)
    if len(inferred) == 1:
        sizes[inferred[0]] = -1
    if None not in sizes:
        return g.ints(sizes)
    return g.node("Concat", [g.ints([n]) if n is not None else g.size(y.shape[i], y.twin.shape[i])
                             for i, n in enumerate(sizes)], axis=0)


def reshape(g, node):
    x, y = node.args[0], node.outputs[0]
    return g.node("Reshape", [g.name(x), reshape_target(g, x, y)])


reshape.varying = (1,)  # the target shape: see reshape_target


def permute(g, node):
    return g.node("Transpose", [g.name(node.args[0])], perm=list(node.static(1)))


def broadcast_to(g, node):
    """Expand; a dimension the input already has at its full size is given as 1 (kept as it is
    at run time), so a dynamic one needs no runtime size."""
    x, y = node.args[0], node.outputs[0]
    lead = y.ndim - x.ndim
    sizes, sizes_b = list(y.shape), list(y.twin.shape)
    for i in range(x.ndim):
        if x.shape[i] == y.shape[lead + i] and x.twin.shape[i] == y.twin.shape[lead + i]:
            sizes[lead + i] = sizes_b[lead + i] = 1
    return g.node("Expand", [g.name(x), g.shape(sizes, sizes_b)])


broadcast_to.varying = (1,)  # the target shape, rebuilt as above


def cat(g, node):
    dim, sizes = node.args[0], node.args[1]
    xs = node.args[4:]
    if any(x is None for x in xs) or any(s is None for s in sizes):
        raise OnnxExportError(f"{node.describe()}: joining with missing (None) or skipped empty pieces "
                              "has no ONNX export")
    dtype = node.outputs[0].dtype
    return g.node("Concat", [g.operand(x, dtype) for x in xs], axis=dim)


cat.varying = (1, 2)  # the pieces' sizes and the result's shape, which Concat doesn't need


def stack(g, node):
    dim, xs = node.args[0], node.args[3:]
    if any(x is None for x in xs):
        raise OnnxExportError(f"{node.describe()}: stacking missing (None) pieces has no ONNX export")
    dtype = node.outputs[0].dtype
    return g.node("Concat", [g.unsqueeze(g.operand(x, dtype), [dim]) for x in xs], axis=dim)


stack.varying = (1,)  # the result's shape


def split(g, node):
    x, sizes, dim = node.args[0], node.static(1), node.args[2]
    if len(sizes) == 1:
        return [g.node("Identity", [g.name(x)])]
    out = g.node("Split", [g.name(x), g.ints(sizes)], outputs=len(sizes), axis=dim)
    return out


def unbind(g, node):
    x, dim = node.args[0], node.args[1]
    n = x.shape[dim]
    if x.twin.shape[dim] != n:
        raise OnnxExportError(f"{node.describe()}: unbinding dimension {dim}, which depends on a "
                              "dynamic axis, has no ONNX export (the number of outputs is fixed)")
    pieces = [g.name(x)] if n == 1 else g.node("Split", [g.name(x), g.ints([1] * n)], outputs=n, axis=dim)
    return [g.squeeze(p, [dim]) for p in pieces]


def narrow(g, node):
    x, dim = node.args[0], node.args[1]
    start, length = node.static(2), node.static(3)
    return g.node("Slice", [g.name(x), g.ints([start]), g.ints([start + length]), g.ints([dim])])


def flip(g, node):
    x, dims = node.args[0], list(node.static(1))
    n = len(dims)
    return g.node("Slice", [g.name(x), g.ints([-1] * n), g.ints([-INT64_MAX] * n), g.ints(dims),
                            g.ints([-1] * n)])


def repeat(g, node):
    x, sizes = node.args[0], node.static(1)
    out = g.name(x)
    lead = len(sizes) - x.ndim
    if lead:
        out = g.unsqueeze(out, list(range(lead)))
    return g.node("Tile", [out, g.ints(sizes)])


def trilu(upper):
    def convert(g, node):
        return g.node("Trilu", [g.name(node.args[0]), g.scalar(node.static(1), "int64")], upper=int(upper))
    convert.__name__ = "triu" if upper else "tril"
    return convert


def identity(g, node):
    return g.node("Identity", [g.name(node.args[0])])


def cast(g, node):
    return g.node("Cast", [g.name(node.args[0])],
                  to=helper.np_dtype_to_tensor_dtype(node.outputs[0].dtype))
