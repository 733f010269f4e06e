"""``Graph``: the ONNX graph being written, with the helpers the converters share.

It hands out unique names, keeps the nodes and initializers, gives every traced ``Value`` its
ONNX name (writing parameters and constants as initializers on first use) and builds the
runtime size of a dimension that depends on a dynamic axis: a ``Symbol`` is a dynamic axis of a
graph input, and a size that changed between the paired traces is matched to a symbol (or a
product of symbols, times a constant) by its sizes in both traces, then read at run time with
``Shape``.
"""

import itertools

import numpy as np
from onnx import helper, numpy_helper

from ember.onnx.errors import OnnxExportError

__all__ = ["Graph", "Symbol", "INT64_MAX"]

INT64_MAX = 2**63 - 1
_AXES_AS_INPUT = 18  # the opset from which ReduceMean, ReduceMax... take their axes as an input


class Symbol:
    """A dynamic axis: ``name`` (as in ``dynamic_axes``), its sizes in the two traces, and where
    to read it at run time: axis ``axis`` of the graph input ``value``."""

    __slots__ = ("name", "size", "size_b", "value", "axis")

    def __init__(self, name, size, size_b, value, axis):
        self.name, self.size, self.size_b, self.value, self.axis = name, size, size_b, value, axis


class Graph:
    """The nodes and initializers of the ONNX graph, and the Value -> name map."""

    def __init__(self, opset, symbols):
        self.opset = opset
        self.symbols = symbols
        self.nodes, self.initializers = [], []
        self.current = None  # the ember Node being converted (for names and messages)
        self._used = set()
        self._cache = {}

    # ---- names, nodes, initializers ----
    def fresh(self, hint):
        """``hint``, or ``hint.1``, ``hint.2``... if taken."""
        name = hint
        for k in itertools.count(1):
            if name not in self._used:
                break
            name = f"{hint}.{k}"
        self._used.add(name)
        return name

    def node(self, op_type, inputs, outputs=1, **attrs):
        """Add an ONNX node; return its output name (a list when ``outputs`` > 1). An input given
        as None is an omitted optional input."""
        scope = self.current.module if self.current is not None else ""
        name = self.fresh(f"/{scope}/{op_type}" if scope else f"/{op_type}")
        names = [self.fresh(f"{name}_output_{i}") for i in range(outputs)]
        inputs = [("" if i is None else i) for i in inputs]
        while inputs and inputs[-1] == "":
            inputs.pop()
        self.nodes.append(helper.make_node(op_type, inputs, names, name=name,
                                           **{k: v for k, v in attrs.items() if v is not None}))
        return names if outputs > 1 else names[0]

    def initializer(self, array, hint):
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def ints(self, values):
        """A 1-D int64 constant."""
        values = tuple(int(v) for v in values)
        key = ("ints", values)
        if key not in self._cache:
            self._cache[key] = self.initializer(np.array(values, np.int64), "const_ints")
        return self._cache[key]

    def scalar(self, value, dtype):
        """A 0-d constant of ``dtype``."""
        dtype = np.dtype(dtype)
        key = ("scalar", repr(value), dtype.str)
        if key not in self._cache:
            self._cache[key] = self.initializer(np.array(value, dtype), "const_scalar")
        return self._cache[key]

    # ---- traced values ----
    def name(self, value):
        """The ONNX name of a traced Value (writing a parameter or constant on first use)."""
        if value.onnx_name is None:
            if value.kind == "param":
                value.onnx_name = self.initializer(value.array, value.name)
            elif value.kind == "const":
                value.onnx_name = self._constant(value)
            else:
                raise OnnxExportError(f"internal: {value!r} was used before it was computed")
        return value.onnx_name

    def _constant(self, value):
        if not value.varies:
            return self.initializer(value.array, value.name or "const")
        a, b = value.array, value.twin.array
        what = f"a constant of shape {a.shape} used by {self.current.describe()}"
        if a.shape == b.shape:
            raise OnnxExportError(
                f"{what} was computed from the inputs' values outside ember's recorded ops (e.g. "
                "with a comparison such as x > 0, .numpy(), .item() or .tolist()), so the exported "
                "graph would fix it to the example inputs' value. Compute it with ember ops "
                "(e.g. ember.where, x.relu()) instead. Indices from sort, argsort, topk, argmax, "
                "max(dim=) or nonzero are computed that way too: those have no ONNX export yet.")
        if a.size and b.size and (a == a.flat[0]).all() and (b == a.flat[0]).all():  # a fill
            fill = numpy_helper.from_array(np.array([a.flat[0]], a.dtype))
            return self.node("ConstantOfShape", [self.shape(a.shape, b.shape)], value=fill)
        raise OnnxExportError(
            f"{what} depends on the size of a dynamic axis (it was {b.shape} for longer dynamic "
            "axes), and it is not a plain fill (zeros, ones, full) that the graph could rebuild at "
            "run time (e.g. ember.arange(n) or a mask made with .tril() and ~). Compute it from the "
            "inputs with ember ops, or export without that dynamic axis.")

    def operand(self, arg, dtype):
        """A Value cast to ``dtype`` if needed, or a Python number as a 0-d constant of ``dtype``."""
        dtype = np.dtype(dtype)
        if hasattr(arg, "kind"):
            return self.cast(self.name(arg), arg.dtype, dtype)
        return self.scalar(arg, dtype)

    def cast(self, name, from_dtype, to_dtype):
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return self.node("Cast", [name], to=helper.np_dtype_to_tensor_dtype(np.dtype(to_dtype)))

    # ---- shapes, with dynamic axes ----
    def dim(self, value, axis):
        """A 1-D int64 tensor holding the size of ``value``'s dimension ``axis`` at run time."""
        axis %= value.ndim
        if axis not in value.dynamic:
            return self.ints([value.shape[axis]])
        key = ("dim", id(value), axis)
        if key not in self._cache:
            self._cache[key] = self.node("Shape", [self.name(value)], start=axis, end=axis + 1)
        return self._cache[key]

    def size(self, a, b):
        """A 1-D int64 tensor holding a size that is ``a`` in the first trace and ``b`` in the
        second: a constant, or read from the dynamic axes whose sizes explain it."""
        if a == b:
            return self.ints([a])
        for s in self.symbols:
            if (s.size, s.size_b) == (a, b):
                return self.dim(s.value, s.axis)
        for k in (1, 2):  # a product of one or two dynamic axes, times a constant
            for group in itertools.combinations_with_replacement(self.symbols, k):
                p, q = int(np.prod([s.size for s in group])), int(np.prod([s.size_b for s in group]))
                if a % p == 0 and a // p * q == b:
                    out = self.dim(group[0].value, group[0].axis)
                    for s in group[1:]:
                        out = self.node("Mul", [out, self.dim(s.value, s.axis)])
                    return out if a == p else self.node("Mul", [out, self.ints([a // p])])
        where = f" in {self.current.describe()}" if self.current is not None else ""
        raise OnnxExportError(
            f"a size{where} depends on the dynamic axes in a way the exporter can't rebuild at run "
            f"time (it is {a} for the example inputs and {b} for longer dynamic axes). Export "
            "without dynamic axes, or reshape with -1 for the dimension that follows the batch.")

    def shape(self, sizes, sizes_b):
        """A 1-D int64 shape tensor (a constant where nothing depends on a dynamic axis)."""
        if tuple(sizes) == tuple(sizes_b):
            return self.ints(sizes)
        return self.node("Concat", [self.size(a, b) for a, b in zip(sizes, sizes_b)], axis=0)

    # ---- ops whose form changed across opsets ----
    def reduce(self, op_type, x, axes, keepdims):
        """``op_type`` (ReduceMean, ReduceMax...) over ``axes``; ReduceSum takes them as an input
        from opset 13, the others from opset 18."""
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= _AXES_AS_INPUT:
            return self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=axes, keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        return self.node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x, axes):
        return self.node("Squeeze", [x, self.ints(axes)])
