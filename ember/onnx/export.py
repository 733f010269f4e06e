"""``ember.onnx.export``: write a model as an ONNX file that onnxruntime runs.

The forward pass is traced at the level of ember's primitive ops (``ember/onnx/trace.py``), each
op is written as ONNX nodes by its converter (``ember/onnx/converters/table.py``), parameters
become initializers under their qualified names (``0.weight``, ``encoder.norm1.bias``), and ops
on parameters alone (a batch norm's scale, a Keras kernel's transpose) are computed once, at
export. The model is traced a second time, with the dynamic axes longer and the inputs' elements
reversed: every shape that depends on a dynamic axis is then computed at run time, and what the
forward computed from the inputs outside ember's ops (which the graph can't reproduce) is found
and refused instead of being written down as a constant.
"""

import inspect
import itertools
import pathlib

import numpy as np

from ember.nn.modules.module import Module
from ember.onnx.errors import OnnxExportError
from ember.onnx.trace import pair, replace_tensors, tensors_in, trace
from ember.saving.atomic import write_atomically
from ember.tensor.tensor import Tensor

__all__ = ["export", "MIN_OPSET"]

MIN_OPSET = 17  # LayerNormalization, Shape with start/end, Trilu, HardSwish


def export(model, example_inputs, path, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=17):
    """Write ``model`` (an ``ember.nn.Module``, or an ``ember.models`` Sequential/Functional
    model) to ``path`` as ONNX, traced on ``example_inputs``.

    Args:
        model: put in eval mode while it is traced (dropout off, batch norm on its running
            statistics), then back in its former mode.
        example_inputs: a Tensor, or a tuple of the forward's positional arguments (Tensors,
            lists of Tensors, other values), optionally ending with a dict of keyword arguments,
            as ``torch.onnx.export`` takes them. A Keras-style model (one with ``call``) given
            several tensors receives them as one list, its inputs in order.
        path: the ``.onnx`` file, written atomically (a temporary file beside it, flushed and
            renamed), so a failure leaves any previous file intact.
        input_names, output_names: the graph's input and output names, one per tensor in
            ``example_inputs`` and in the model's output (nested tuples, lists and dicts are
            flattened in order; None outputs are skipped). By default the forward's argument
            names (``x``; ``inputs_0``, ``inputs_1`` for a list) and ``output`` (``output_0``...).
        dynamic_axes: ``{name: {axis: symbol}}`` (or ``{name: [axis, ...]}``) for inputs and
            outputs whose sizes may change at run time, e.g. ``{"x": {0: "batch"}}``. Axes
            sharing a symbol must have the same size. Every shape computed from a dynamic axis
            is computed at run time; an output axis that depends on one is dynamic even when
            not listed.
        opset_version: the ONNX opset, at least 17.

    Returns the path written.

    Raises:
        OnnxExportError: when an op has no ONNX export (it names the op, the module whose
            forward ran it and the ops that have one), or when the forward depends on the
            inputs in a way a traced graph can't reproduce (it says how).

    >>> import os, tempfile, onnxruntime
    >>> model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 2))
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.onnx")
    >>> x = ember.randn(3, 4)
    >>> _ = ember.onnx.export(model, x, path, input_names=["x"], output_names=["logits"],
    ...                       dynamic_axes={"x": {0: "batch"}})
    >>> session = onnxruntime.InferenceSession(path)
    >>> logits, = session.run(None, {"x": np.ones((5, 4), np.float32)})
    >>> logits.shape
    (5, 2)
    """
    onnx = _require_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"onnx.export: model must be an ember.nn.Module (or an ember.models model), "
                        f"got {type(model).__name__}")
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(f"onnx.export: opset_version must be an int from {MIN_OPSET} to {newest} (the "
                         f"installed onnx's newest), got {opset_version!r}")
    args, kwargs = _arguments(model, example_inputs)
    inputs = tensors_in((args, kwargs))
    if not inputs:
        raise ValueError("onnx.export: example_inputs holds no Tensor; give the model's input(s), e.g. "
                         "ember.randn(1, 3, 32, 32)")
    for t in inputs + list(model.parameters()) + list(model.buffers()):
        if not isinstance(t._data, np.ndarray):
            raise ValueError(f"onnx.export: the model and its inputs must be on the CPU, found a tensor "
                             f"on {t.device}; call model.cpu() and x.cpu() first")
    input_names = _names("input", input_names, len(inputs), _default_input_names(model, args, kwargs))
    axes = _dynamic_axes(dynamic_axes, inputs, input_names)
    first, second = _trace_twice(model, args, kwargs, inputs, input_names, axes)
    output_names = _names("output", output_names, len(first.outputs), None)
    unknown = set(axes) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)}, which are neither input "
                         f"names {input_names} nor output names {output_names}")
    proto = _model_proto(type(model).__name__, first, input_names, output_names, axes, opset_version)
    if proto.ByteSize() >= 2**31:
        raise OnnxExportError("the model is over 2 GB, the most a single ONNX file holds; ember does "
                              "not write ONNX external data yet")
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    write_atomically(path, lambda tmp: pathlib.Path(tmp).write_bytes(data))
    return path


def _trace_twice(model, args, kwargs, inputs, input_names, axes):
    """The model traced on the example inputs and, paired with it, on inputs with every dynamic
    axis longer and the elements reversed; in eval mode, each module's mode restored after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        first = trace(model, args, kwargs, input_names)
        growth = _growth(axes, input_names)
        grown = [_grown(t, growth.get(name, {})) for t, name in zip(inputs, input_names)]
        args_b, kwargs_b = replace_tensors((args, kwargs), iter(grown))
        try:
            second = trace(model, args_b, kwargs_b, input_names)
        except OnnxExportError:
            raise
        except Exception as e:
            sizes = ", ".join(f"{name} {tuple(t.shape)}" for name, t in zip(input_names, grown))
            raise OnnxExportError(
                f"the model failed on inputs with the dynamic axes longer ({sizes}), which export "
                f"traces to find the shapes that depend on them: {type(e).__name__}: {e}. Remove "
                "the axes the model can't vary from dynamic_axes.") from e
    finally:
        for module, training in modes:
            module.training = training
    if len(first.outputs) != len(second.outputs):
        raise OnnxExportError("the model returned a different number of tensors for inputs of other "
                              "sizes or values; a traced ONNX graph can't follow that")
    pair(first, second)
    return first, second


def _model_proto(name, first, input_names, output_names, axes, opset):
    """The ONNX model of the paired trace ``first``: each live op converted (ops on constants
    alone are computed here instead), inputs and outputs named, dynamic dimensions symbolic."""
    from onnx import helper

    from ember.onnx.converters import CONVERTERS
    from ember.onnx.graph import Graph, Symbol

    symbols = [Symbol(symbol, v.shape[axis], v.twin.shape[axis], v, axis)
               for v in first.inputs for axis, symbol in axes.get(v.name, {}).items()]
    g = Graph(opset, symbols)
    for reserved in input_names + output_names:
        g.fresh(reserved)
    for value in first.inputs:
        value.onnx_name = value.name
    for node in first.live_nodes():
        g.current = node
        if all(v.constant and not v.varies for v in node.values):  # computed once, here
            hint = next((v.name for v in node.values if v.name), None)
            for out in node.outputs:
                out.kind, out.name = "const", hint
            continue
        convert = CONVERTERS.get(node.op)
        if convert is None:
            supported = ", ".join(sorted(op.__name__ for op in CONVERTERS))
            raise OnnxExportError(
                f"{node.describe()} has no ONNX export yet; supported ops: {supported}. Write that "
                "part of the forward with supported ops, or add a converter for it to "
                "ember/onnx/converters/table.py.")
        node.check_arguments(getattr(convert, "varying", ()))
        names = convert(g, node)
        for value, out in zip(node.outputs, [names] if isinstance(names, str) else names):
            value.onnx_name = out
    g.current = None
    _name_outputs(g, [g.name(v) for v in first.outputs], output_names, first.outputs)

    def info(name, value, dims):
        shape = [dims.get(i, n) for i, n in enumerate(value.shape)]
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(value.dtype), shape)

    inputs = [info(n, v, axes.get(n, {})) for n, v in zip(input_names, first.inputs)]
    outputs = [info(n, v, _output_dims(v, axes.get(n, {}), symbols, n))
               for n, v in zip(output_names, first.outputs)]
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(graph, opset_imports=opsets, producer_name="ember",
                             ir_version=helper.find_min_ir_version_for(opsets))


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ember.onnx.export needs the onnx package: pip install 'ember[onnx]' (or "
                          "pip install onnx onnxruntime)") from None
    return onnx


# ---- arguments and names ----
def _arguments(model, example_inputs):
    """``(args, kwargs)`` for ``model(*args, **kwargs)``, as torch.onnx.export reads its args."""
    if isinstance(example_inputs, Tensor):
        return (example_inputs,), {}
    if isinstance(example_inputs, list):
        example_inputs = (example_inputs,)
    if not isinstance(example_inputs, tuple):
        raise TypeError(f"onnx.export: example_inputs must be a Tensor or a tuple of arguments, got "
                        f"{type(example_inputs).__name__}")
    kwargs = {}
    if example_inputs and isinstance(example_inputs[-1], dict):
        example_inputs, kwargs = example_inputs[:-1], dict(example_inputs[-1])
    if (len(example_inputs) > 1 and callable(getattr(model, "call", None))
            and all(isinstance(a, Tensor) for a in example_inputs)):
        example_inputs = (list(example_inputs),)  # a Keras-style model takes its inputs as a list
    return tuple(example_inputs), kwargs


def _default_input_names(model, args, kwargs):
    """A Keras-style functional model's own input names; else the forward's argument names (``x``;
    ``inputs_0``, ``inputs_1`` for a list)."""
    own = getattr(model, "input_names", None)
    if isinstance(own, list) and len(own) == len(tensors_in((args, kwargs))) \
            and all(isinstance(n, str) for n in own):
        return list(own)
    try:
        params = [p for p in inspect.signature(model.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, a in enumerate(args):
        base = params[i].name if i < len(params) else f"input_{i}"
        count = len(tensors_in(a))
        names += [base] if isinstance(a, Tensor) else [f"{base}_{k}" for k in range(count)]
    for key, a in kwargs.items():
        count = len(tensors_in(a))
        names += [key] if isinstance(a, Tensor) else [f"{key}_{k}" for k in range(count)]
    return names


def _names(kind, names, count, default):
    if names is None:
        if default is not None and len(default) == count and len(set(default)) == count:
            return list(default)
        return [kind] if count == 1 else [f"{kind}_{i}" for i in range(count)]
    names = list(names)
    if len(names) != count or not all(isinstance(n, str) and n for n in names) \
            or len(set(names)) != len(names):
        raise ValueError(f"onnx.export: {kind}_names must be {count} distinct non-empty strings (one "
                         f"per {kind} tensor), got {names}")
    return names


def _dynamic_axes(dynamic_axes, inputs, input_names):
    """``{name: {axis: symbol}}`` from torch's forms (a list of axes gets generated symbols), with
    the inputs' axes checked and made non-negative."""
    out = {}
    for name, spec in (dynamic_axes or {}).items():
        if isinstance(spec, dict):
            items = list(spec.items())
        elif isinstance(spec, (list, tuple)):
            items = [(axis, f"{name}_dynamic_axes_{k + 1}") for k, axis in enumerate(spec)]
        else:
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must be a dict {{axis: name}} or a "
                            f"list of axes, got {spec!r}")
        if not all(isinstance(a, int) and isinstance(s, str) for a, s in items):
            raise TypeError(f"onnx.export: dynamic_axes[{name!r}] must map int axes to str names, got "
                            f"{spec!r}")
        if name in input_names:
            t = inputs[input_names.index(name)]
            for axis, _ in items:
                if not -t.ndim <= axis < t.ndim:
                    raise ValueError(f"onnx.export: dynamic axis {axis} of input {name!r} is out of "
                                     f"range for its shape {tuple(t.shape)}")
            items = [(a % t.ndim, s) for a, s in items]
        out[name] = dict(items)
    sizes = {}
    for t, name in zip(inputs, input_names):
        for axis, symbol in out.get(name, {}).items():
            if sizes.setdefault(symbol, t.shape[axis]) != t.shape[axis]:
                raise ValueError(f"onnx.export: the dynamic axes named {symbol!r} have different sizes "
                                 f"in example_inputs ({sizes[symbol]}, and {t.shape[axis]} in {name!r}); "
                                 "give different names to independent axes")
    return out


def _growth(axes, input_names):
    """How much longer each dynamic input axis is in the second trace: a different prime per
    symbol, so that sizes built from several axes can't be mistaken for one another."""
    primes = (p for p in itertools.count(3) if all(p % d for d in range(2, int(p ** 0.5) + 1)))
    deltas, growth = {}, {}
    for name in input_names:
        for axis, symbol in axes.get(name, {}).items():
            if symbol not in deltas:
                deltas[symbol] = next(primes)
            growth.setdefault(name, {})[axis] = deltas[symbol]
    return growth


def _grown(t, growth):
    """The input of the second trace: each dynamic axis longer (its first slices repeated), and
    its elements in reverse order, so that a constant computed from the values shows."""
    array = t._data
    for axis, extra in growth.items():
        more = np.take(array, np.arange(extra) % array.shape[axis], axis=axis)
        array = np.concatenate([array, more], axis=axis)
    array = np.ascontiguousarray(np.flip(array)) if array.ndim else array.copy()
    return Tensor(array)


# ---- outputs ----
def _name_outputs(g, names, output_names, values):
    """Give the graph outputs their names: rename the node output that is one, or add an
    Identity (for an input, a constant, or a value returned twice)."""
    from onnx import helper

    produced = {out for node in g.nodes for out in node.output}
    renames = {}
    for i, (name, wanted) in enumerate(zip(names, output_names)):
        if name in produced and name not in renames and values[i].kind == "op":
            renames[name] = wanted
        else:
            g.nodes.append(helper.make_node("Identity", [name], [wanted], name=g.fresh(f"/{wanted}")))
    for node in g.nodes:
        for field in (node.input, node.output):
            for k, name in enumerate(field):
                if name in renames:
                    field[k] = renames[name]


def _output_dims(value, listed, symbols, name):
    """The symbolic dimensions of an output: those in ``dynamic_axes``, and every other axis that
    depends on a dynamic axis (named after it when it is one, else ``{name}_dim{axis}``)."""
    dims = {axis % max(value.ndim, 1): symbol for axis, symbol in listed.items()}
    for axis in value.dynamic:
        if axis not in dims:
            match = [s.name for s in symbols if (s.size, s.size_b) == (value.shape[axis],
                                                                    value.twin.shape[axis])]
            dims[axis] = match[0] if match else f"{name}_dim{axis}"
    return dims
