"""Indexing (``ember/ops/indexing.py``, ``reduction.py``, ``creation.py``): ``x[...]``,
index_select, masked_fill, take_along_dim (max/min along a dim), fill and copy_from."""

import numpy as np
from onnx import numpy_helper

from ember.onnx.errors import OnnxExportError
from ember.onnx.graph import INT64_MAX

__all__ = ["index", "masked_fill", "take_along_dim", "fill", "copy_from", "embedding"]


def index(g, node):
    """``x[basic][adv]``: ints, slices (positive steps), None and Ellipsis as Slice, Squeeze and
    Unsqueeze; then one integer array (the other entries full slices) as Gather."""
    x, key = node.args[0], node.static(1, lambda key: (key.basic, key.adv))  # (not its shape)
    out = g.name(x)
    if key.basic is not None:
        out = _basic(g, out, x.ndim, key.basic)
    if key.adv is not None:
        arrays = [(k, a) for k, a in enumerate(key.adv) if not isinstance(a, slice)]
        if len(arrays) != 1:
            raise OnnxExportError(f"{node.describe()}: indexing with {len(arrays)} index tensors (or a "
                                  "bool mask of 2 or more dimensions) has no ONNX export yet; index "
                                  "one dimension at a time")
        axis, indices = arrays[0]
        out = g.node("Gather", [out, g.initializer(np.asarray(indices, np.int64), "indices")], axis=axis)
    return out


def _basic(g, x, ndim, basic):
    starts, ends, steps, axes, squeeze, unsqueeze = [], [], [], [], [], []
    consumed = sum(1 for e in basic if e is not None and e is not Ellipsis)
    dim = out_dim = 0
    for e in basic:
        if e is None:
            unsqueeze.append(out_dim)
            out_dim += 1
        elif e is Ellipsis:
            dim += ndim - consumed
            out_dim += ndim - consumed
        elif isinstance(e, slice):
            if e != slice(None):
                axes.append(dim)
                starts.append(0 if e.start is None else e.start)
                ends.append(INT64_MAX if e.stop is None else e.stop)
                steps.append(1 if e.step is None else e.step)
            dim += 1
            out_dim += 1
        else:  # an int: a slice of one, then squeezed
            axes.append(dim)
            starts.append(int(e))
            ends.append(INT64_MAX if int(e) == -1 else int(e) + 1)
            steps.append(1)
            squeeze.append(dim)
            dim += 1
    if axes:
        x = g.node("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        x = g.squeeze(x, squeeze)
    if unsqueeze:
        x = g.unsqueeze(x, unsqueeze)
    return x


index.varying = (1,)  # the key's result shape (its indices are checked above)


def masked_fill(g, node):
    x, mask, value = node.args[:3]
    dtype = node.outputs[0].dtype
    return g.node("Where", [g.name(mask), g.operand(value, dtype), g.name(x)])


def take_along_dim(g, node):
    """``take_along_dim(x, index, dim)``. The max and min along a dim take the elements at an
    argmax/argmin computed outside the recorded ops: that index is recognised (it is the argmax
    or argmin of ``x`` in both traces) and becomes ReduceMax/ReduceMin; any other index must be a
    constant (GatherElements)."""
    x, idx, dim, squeeze = node.args[0], node.args[1], node.static(2), node.static(3)
    if idx.constant:
        for op_type, arg in (("ReduceMax", np.argmax), ("ReduceMin", np.argmin)):
            if all(np.array_equal(v.array, arg(xv.array, axis=dim, keepdims=True).astype(v.dtype))
                   for v, xv in ((idx, x), (idx.twin, x.twin))):
                return g.reduce(op_type, g.name(x), [dim], not squeeze)
    out = g.node("GatherElements", [g.name(x), g.cast(g.name(idx), idx.dtype, np.int64)], axis=dim)
    return g.squeeze(out, [dim]) if squeeze else out


def fill(g, node):
    """A tensor shaped like ``x`` filled with ``value`` (a number or a tensor)."""
    x, value = node.args[:2]
    dtype = node.outputs[0].dtype
    shape = g.node("Shape", [g.name(x)])
    if not hasattr(value, "kind"):
        return g.node("ConstantOfShape", [shape], value=numpy_helper.from_array(np.array([value], dtype)))
    return g.node("Expand", [g.operand(value, dtype), shape])


def copy_from(g, node):
    """``src`` broadcast and cast to the shape and dtype of ``x``."""
    x, src = node.args[:2]
    return g.node("Expand", [g.operand(src, node.outputs[0].dtype), g.node("Shape", [g.name(x)])])


def embedding(g, node):
    """The rows of ``weight`` at integer ``indices``: Gather along axis 0."""
    weight, indices = node.args[:2]
    return g.node("Gather", [g.name(weight), g.name(indices)], axis=0)
