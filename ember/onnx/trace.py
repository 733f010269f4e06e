"""Recording a model's forward pass as a list of ember's primitive ops: the graph to export.

While a ``Tracer`` is set (``ember.autograd.function.set_tracer``), every ``Primitive`` calls it
after its forward with its class, its node (``ctx``), its arguments and its raw result. The
tracer keeps each call as a ``Node`` whose array arguments are ``Value``s: a graph input, the
output of an earlier node, a parameter or buffer of the model (by its qualified name), or a
constant (an array made outside the recorded ops, e.g. by ``ember.zeros`` inside a forward).

A tensor argument is found by the node that made it (its ``grad_fn``), else by its array. The
forward runs with gradients enabled and gets its floating inputs as tensors that require grad,
so that an in-place op (``relu_``, ``x += y``) is recorded like any other and moves the tensor
onto its own node; a module that behaves differently without gradients (``TransformerEncoder``'s
zeroed padding, PyTorch's nested-tensor path) is exported as it runs with them, as torch.onnx
does. The ops inside a user-defined ``Function`` are recorded one by one; the Function itself is
not.

``pair`` lines up two traces of the same model on different inputs (``export`` runs the second
one with every dynamic axis longer and the inputs' elements reversed): a dimension that differs
between them depends on a dynamic axis, and a constant that differs was computed from the inputs
outside the recorded ops, which the exported graph could not reproduce.
"""

import threading

import numpy as np

from ember.autograd.function import set_tracer
from ember.autograd.grad_mode import enable_grad
from ember.onnx.errors import OnnxExportError
from ember.ops.conversion import clone
from ember.tensor.tensor import Tensor

__all__ = ["Value", "Node", "Trace", "Tracer", "trace", "pair", "same", "tensors_in",
           "replace_tensors"]


class Value:
    """A tensor of the traced graph.

    ``kind`` is 'input' (graph input ``name``), 'op' (output ``index`` of ``node``), 'param' (the
    parameter or buffer ``name``) or 'const'; ``array`` is its value in this trace and ``twin``
    the same Value in the paired trace (itself when there is none).
    """

    __slots__ = ("kind", "array", "name", "node", "index", "twin", "snapshot", "onnx_name")

    def __init__(self, kind, array, name=None, node=None, index=0):
        self.kind, self.array, self.name, self.node, self.index = kind, array, name, node, index
        self.twin = self
        self.snapshot = None  # a copy of an op's output, to notice writes outside the ops
        self.onnx_name = None  # its name in the ONNX graph, once written

    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def dynamic(self):
        """The axes whose size differs between the paired traces."""
        return tuple(i for i, (a, b) in enumerate(zip(self.shape, self.twin.shape)) if a != b)

    @property
    def constant(self):
        return self.kind in ("param", "const")

    @property
    def varies(self):
        """Whether this constant differs between the paired traces."""
        return self.twin is not self and not same(self.array, self.twin.array)

    def __repr__(self):
        return f"<Value {self.kind} {self.name or ''} {self.shape} {self.dtype}>"


class Node:
    """One primitive op: ``op`` (its class) applied to ``args`` (Values in place of arrays) in
    the forward of module ``module`` (a qualified name), giving the Values ``outputs``."""

    __slots__ = ("op", "args", "kwargs", "outputs", "module", "ctx", "twin")

    def __init__(self, op, args, kwargs, module, ctx):
        self.op, self.args, self.kwargs, self.module, self.ctx = op, args, kwargs, module, ctx
        self.outputs = []
        self.twin = self

    @property
    def values(self):
        """The Value arguments, in order."""
        return [a for a in self.args if isinstance(a, Value)]

    def check_arguments(self, varying=()):
        """Refuse (as ``static`` does) a non-tensor argument that differs between the paired
        traces, except at the positions in ``varying``, whose converter handles that."""
        for i, (a, b) in enumerate(zip(self.args, self.twin.args)):
            if i not in varying and not isinstance(a, Value) and not same(a, b):
                self.static(i)
        for key, a in self.kwargs.items():
            if not isinstance(a, Value) and not same(a, self.twin.kwargs.get(key)):
                raise OnnxExportError(f"{self.describe()}: its argument {key}={_short(a)} changes "
                                      "with the inputs; the exported graph would fix it")

    def static(self, i, part=None):
        """Argument ``i``, which the exported graph takes as a constant: refused when it (or the
        ``part(arg)`` that the graph uses) differs between the paired traces, since it then
        depends on a dynamic axis or on the inputs' values."""
        a, b = self.args[i], self.twin.args[i]
        if not same(a, b) if part is None else not same(part(a), part(b)):
            raise OnnxExportError(
                f"{self.describe()}: its argument {i} ({_short(a)}) changes with the inputs (it "
                f"was {_short(b)} for longer dynamic axes or other input values), but the exported "
                "graph would fix it to the value of the example inputs. Compute it with ember ops "
                "on tensors, or export without dynamic axes for this dimension.")
        return a

    def describe(self):
        where = f" in the forward of module '{self.module}'" if self.module else ""
        return f"{self.op.__name__} (ember op){where}"

    def __repr__(self):
        return f"<Node {self.op.__name__} in {self.module!r}>"


class Trace:
    """A recorded forward pass: graph ``inputs``, ``nodes`` in order, ``outputs``."""

    def __init__(self, inputs, nodes, outputs):
        self.inputs, self.nodes, self.outputs = inputs, nodes, outputs

    def live_nodes(self):
        """The nodes that the outputs depend on, in order (what the forward computed and threw
        away, such as attention weights nobody returns, is left out)."""
        needed = {id(v) for v in self.outputs}
        live = []
        for node in reversed(self.nodes):
            if any(id(v) in needed for v in node.outputs):
                live.append(node)
                needed.update(id(v) for v in node.values)
        return live[::-1]


class Tracer:
    """The callable set with ``set_tracer`` during a traced forward (see the module doc)."""

    def __init__(self, model):
        self.nodes = []
        self.modules = []  # qualified names of the modules whose forward is running
        self._by_ctx = {}  # id(ctx) -> (ctx, its output Values); ctx kept alive, so ids stay unique
        self._by_array = {}  # id(array) -> Value (the Value keeps the array alive)
        self._constants = {}  # id(array) -> Value of a parameter, buffer or constant
        self._names = {}
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            self._names.setdefault(id(t._data), name)
        self._thread = threading.get_ident()

    def input(self, tensor, name):
        """The Value of graph input ``name``, fed to the model as ``tensor`` (see ``_fed``)."""
        value = Value("input", tensor._data, name=name)
        value.snapshot = tensor._data.copy()
        self._by_array[id(tensor._data)] = value
        if tensor.grad_fn is not None:
            self._by_ctx[id(tensor.grad_fn)] = (tensor.grad_fn, [value])
        return value

    def __call__(self, cls, ctx, args, kwargs, out):
        if not cls._array_forward or threading.get_ident() != self._thread:
            return  # a user's Function: the ops inside it are recorded instead
        node = Node(cls, [self.value_of(a) for a in args],
                    {k: self.value_of(v) for k, v in kwargs.items()},
                    self.modules[-1] if self.modules else "", ctx)
        for i, array in enumerate(out if type(out) is tuple else (out,)):
            value = Value("op", array, node=node, index=i)
            if isinstance(array, np.ndarray):
                value.snapshot = array.copy()
                self._by_array[id(array)] = value
            node.outputs.append(value)
        self._by_ctx[id(ctx)] = (ctx, node.outputs)
        self.nodes.append(node)

    def value_of(self, a):
        """The Value of a tensor or array argument; anything else as it is."""
        if isinstance(a, Tensor):
            fn = a.grad_fn
            if fn is not None and id(fn) in self._by_ctx:
                return self._by_ctx[id(fn)][1][a._output_nr]
            array = a._data
        elif isinstance(a, np.ndarray):
            array = a
        else:
            return a
        value = self._by_array.get(id(array))
        if value is not None:
            if value.snapshot is not None and not same(value.snapshot, array):
                written = self._written_in_place(value, array)
                if written is not None:
                    return written
                raise OnnxExportError(
                    f"a tensor of shape {array.shape} made by "
                    f"{'the graph input ' + value.name if value.kind == 'input' else value.node.describe()} "
                    "was modified in place outside ember's recorded ops (e.g. x += 1 or "
                    "x.clamp_(...) on a tensor that does not require grad) before "
                    f"{'the module ' + repr(self.modules[-1]) if self.modules else 'the model'} used it; "
                    "use the out-of-place form (x = x + 1) so that the change is exported.")
            return value
        value = self._constants.get(id(array))
        if value is None:
            name = self._names.get(id(array))
            value = Value("param", array, name=name) if name else Value("const", array)
            self._constants[id(array)] = value
        return value

    def _written_in_place(self, value, array):
        """The output of the recorded in-place op that wrote ``array`` (an op that took ``value``
        and made what ``array`` now holds), or None."""
        for node in reversed(self.nodes):
            if any(a is value for a in node.args):
                for out in node.outputs:
                    if out.snapshot is not None and same(out.snapshot, array):
                        return out
        return None


def tensors_in(structure):
    """The tensors in a nest of tuples, lists and dicts, in order (None and numbers skipped)."""
    if isinstance(structure, Tensor):
        return [structure]
    if isinstance(structure, dict):
        structure = list(structure.values())
    if isinstance(structure, (tuple, list)):
        return [t for item in structure for t in tensors_in(item)]
    return []


def trace(model, args, kwargs, input_names):
    """Run ``model(*args, **kwargs)`` under a Tracer; the tensors in ``args`` and ``kwargs`` are
    the graph's inputs, named ``input_names``. The Trace's outputs are the tensors of the model's
    output, in order."""
    tracer = Tracer(model)
    fed = [_fed(t) for t in tensors_in((args, kwargs))]
    values = [tracer.input(t, name) for t, name in zip(fed, input_names)]
    args, kwargs = replace_tensors((args, kwargs), iter(fed))
    handles = []
    for name, module in model.named_modules():
        label = name or type(model).__name__

        def enter(module, args, label=label):
            tracer.modules.append(label)

        def leave(module, args, output):
            tracer.modules.pop()

        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(leave))
    previous = set_tracer(tracer)
    try:
        with enable_grad():
            output = model(*args, **kwargs)
    finally:
        set_tracer(previous)
        for handle in handles:
            handle.remove()
    outputs = [tracer.value_of(t) for t in tensors_in(output)]
    return Trace(values, tracer.nodes, outputs)


def _fed(t):
    """What the model gets for the input ``t``: a floating one as a copy that requires grad and
    is not a leaf, so that every op on it is recorded in the graph, in-place ones included."""
    if t._data.dtype.kind != "f":
        return t
    with enable_grad():
        return clone(Tensor._make(t._data, True, None, 0))


def replace_tensors(structure, tensors):
    """``structure`` (nested tuples, lists, dicts) with its tensors replaced, in order."""
    if isinstance(structure, Tensor):
        return next(tensors)
    if isinstance(structure, dict):
        return {k: replace_tensors(v, tensors) for k, v in structure.items()}
    if isinstance(structure, (tuple, list)):
        return type(structure)(replace_tensors(v, tensors) for v in structure)
    return structure


def pair(a, b):
    """Line up trace ``b`` with trace ``a``: set the ``twin`` of every Node and Value of ``a``."""
    for va, vb in zip(a.inputs, b.inputs):
        va.twin = vb
    if len(a.nodes) != len(b.nodes) or any(x.op is not y.op for x, y in zip(a.nodes, b.nodes)):
        k = next((i for i, (x, y) in enumerate(zip(a.nodes, b.nodes)) if x.op is not y.op),
                 min(len(a.nodes), len(b.nodes)))
        first = a.nodes[k].describe() if k < len(a.nodes) else "the end of the forward"
        raise OnnxExportError(
            f"the model runs different ops for inputs of other sizes or values (the traces differ "
            f"from op {k}: {first}): its forward branches on the inputs' values or on the size of "
            "a dynamic axis, which a traced ONNX graph can't follow. Export without that dynamic "
            "axis, or compute the branch with ember ops (e.g. ember.where) instead of Python's if.")
    for va, vb in zip(a.outputs, b.outputs):
        va.twin = vb
    for na, nb in zip(a.nodes, b.nodes):
        na.twin = nb
        for va, vb in zip(na.args, nb.args):
            if isinstance(va, Value):
                if not isinstance(vb, Value) or va.kind != vb.kind:
                    raise OnnxExportError(
                        f"{na.describe()}: an argument is {_kind(va)} for the example inputs but "
                        f"{_kind(vb)} for other inputs; the model's forward depends on the inputs' "
                        "values or sizes in a way a traced ONNX graph can't capture.")
                if va.constant:
                    va.twin = vb
        for va, vb in zip(na.outputs, nb.outputs):
            va.twin = vb


def same(a, b):
    """Whether two arguments (arrays, numbers, tuples, slices, objects with ``__slots__``) are
    equal; arrays by shape, dtype and elements (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, slice):
        return isinstance(b, slice) and same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    slots = getattr(type(a), "__slots__", None)
    if slots and type(a) is type(b) and not isinstance(a, (int, float, str)):
        return all(same(getattr(a, s, None), getattr(b, s, None)) for s in slots)
    try:
        return bool(a == b) or (a != a and b != b)  # NaN arguments are the same
    except (TypeError, ValueError):
        return a is b


def _kind(v):
    if not isinstance(v, Value):
        return f"the Python value {_short(v)}"
    return {"input": "a graph input", "op": "computed by ember ops", "param": "a parameter",
            "const": "a constant"}[v.kind]


def _short(v):
    text = repr(v.shape) + " array" if isinstance(v, np.ndarray) else repr(v)
    return text if len(text) <= 80 else text[:77] + "..."
