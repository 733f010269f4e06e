"""Symbolic tensors and call events: ``Input``, ``KerasTensor`` and ``Node`` (Keras' ``ops/node.py``).

``Input(shape)`` returns a ``KerasTensor``: a shape (batch dimension None), a dtype and a name, with
no data. Calling a layer on KerasTensors does not compute: it records a ``Node`` (the layer, the
arguments of the call with the KerasTensors in place, and the KerasTensors it outputs), so one
layer called twice has two nodes (shared layers). A Functional ``Model`` walks these nodes back
from its outputs to its inputs and replays them on real tensors.

``Layer.__call__`` hands a call on KerasTensors to ``symbolic_call``; ``ember.models`` builds
the Functional and Sequential models from the recorded nodes.
"""

import itertools

from ember.autograd.grad_mode import no_grad
from ember.backend.dtypes import as_dtype
from ember.tensor.factories import zeros

__all__ = ["Input", "KerasTensor", "Node", "is_symbolic", "map_structure", "flatten", "inferring_shapes"]

_ids = itertools.count()
_inferring = [0]  # > 0 while a layer runs on zeros to find its output shapes


def inferring_shapes():
    """Whether the current call is a run on zeros that only finds output shapes (a layer with
    state across calls, such as a stateful RNN, must not keep anything from it)."""
    return _inferring[0] > 0


def flatten(structure):
    """The leaves of nested lists, tuples and dicts (dicts in key order of insertion)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(*structures):
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(list(structures)))


class KerasTensor:
    """A symbolic tensor: ``shape`` (None for the batch and other unknown dimensions), ``dtype``,
    ``name``; ``node`` is the call event that produced it and ``index`` its place among the
    node's outputs."""

    __slots__ = ("shape", "dtype", "name", "node", "index", "uid")

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype, self.node, self.index = dtype, node, index
        self.uid = next(_ids)
        self.name = name or f"keras_tensor_{self.uid}"

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        layer = self.node.layer.name if self.node is not None else None
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}, layer={layer}>"

    # arithmetic on KerasTensors records a Lambda layer, as Keras 3 records its ops
    def __add__(self, other):
        return _op(lambda a, b: a + b, self, other)

    def __radd__(self, other):
        return _op(lambda a, b: b + a, self, other)

    def __sub__(self, other):
        return _op(lambda a, b: a - b, self, other)

    def __rsub__(self, other):
        return _op(lambda a, b: b - a, self, other)

    def __mul__(self, other):
        return _op(lambda a, b: a * b, self, other)

    def __rmul__(self, other):
        return _op(lambda a, b: b * a, self, other)

    def __truediv__(self, other):
        return _op(lambda a, b: a / b, self, other)

    def __matmul__(self, other):
        return _op(lambda a, b: a @ b, self, other)

    def __neg__(self):
        return _op(lambda a, b: -a, self, None)

    def __getitem__(self, key):
        return _op(lambda a, b: a[key], self, None)

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no value: it cannot be used in an `if` or "
                        "converted to bool. Use it as the input of layers, then build a Model.")


def _op(fn, a, b):
    from ember.layers.core import Lambda
    if isinstance(b, KerasTensor):
        return Lambda(lambda xs: fn(xs[0], xs[1]))([a, b])
    return Lambda(lambda x: fn(x, b))(a)


class Node:
    """One call of ``layer`` on KerasTensors: ``args``/``kwargs`` hold them in place, ``outputs``
    is the structure of KerasTensors that the call returned."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs
        self.input_tensors = [t for t in flatten([args, kwargs]) if isinstance(t, KerasTensor)]
        self.output_tensors = flatten(outputs)
        layer.__dict__.setdefault("_inbound_nodes", []).append(self)

    @property
    def is_input(self):
        from ember.layers.core import InputLayer

        return isinstance(self.layer, InputLayer)

    @property
    def parent_nodes(self):
        return [t.node for t in self.input_tensors]


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, tensor=None):
    """A symbolic input of one sample's ``shape`` (Keras' ``keras.Input``), to call layers on.

    ``tensor``: an existing KerasTensor to make an input, as Keras 3 (its shape and dtype are
    taken, and the layers called on it, before or after, read it from this input): a model can
    then start from the output of another layer.

    >>> x = Input(shape=(784,), name="pixels")
    >>> x.shape, x.name
    ((None, 784), 'pixels')
    >>> hidden = ember.layers.Dense(32)(x)
    >>> head = ember.models.Model(Input(tensor=hidden), ember.layers.Dense(10)(hidden))
    >>> head.input_shape
    (None, 32)
    """
    if tensor is not None:
        return _input_from_tensor(tensor, shape, batch_size, dtype, name, batch_shape)
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
    if shape is None:
        raise ValueError("Input: give the shape of one sample, e.g. Input(shape=(784,)); "
                         "received shape=None")
    if isinstance(shape, int):
        shape = (shape,)
    from ember.layers.core import InputLayer  # late: core builds on layer.py, which imports us

    layer = InputLayer(shape=tuple(shape), batch_size=batch_size, dtype=dtype, name=name)
    layer.built = True
    out = KerasTensor((batch_size,) + tuple(shape), dtype or "float32", name=layer.name)
    out.node = Node(layer, (), {}, out)
    return out


def _input_from_tensor(tensor, shape, batch_size, dtype, name, batch_shape):
    if not isinstance(tensor, KerasTensor):
        sample = tuple(tensor.shape[1:]) if getattr(tensor, "shape", None) else "<one sample's shape>"
        raise ValueError(f"Input(tensor=...) takes a symbolic KerasTensor (from Input() or from a layer "
                         f"called on one), received {type(tensor).__name__}. A model's inputs hold no "
                         f"data: create Input(shape={sample}) and pass the data when calling the model "
                         "(model(x), fit, predict).")
    shape = (shape,) if isinstance(shape, int) else shape
    given = {"shape": (shape, tensor.shape[1:]), "batch_size": (batch_size, tensor.shape[0]),
             "batch_shape": (batch_shape, tensor.shape)}
    for arg, (value, actual) in given.items():
        if value is not None and (tuple(value) if arg != "batch_size" else value) != actual:
            raise ValueError(f"Input: tensor= has shape {tensor.shape}, which does not agree with "
                             f"{arg}={value!r}; leave {arg} out, it comes from the tensor")
    if dtype is not None and as_dtype(dtype) != as_dtype(tensor.dtype):
        raise ValueError(f"Input: tensor= has dtype {tensor.dtype}, which does not agree with "
                         f"dtype={dtype!r}; leave dtype out, it comes from the tensor")
    from ember.layers.core import InputLayer

    layer = InputLayer(shape=tensor.shape[1:], batch_size=tensor.shape[0], dtype=tensor.dtype, name=name)
    layer.built = True
    tensor.node, tensor.index = Node(layer, (), {}, tensor), 0  # the graph now starts here
    return tensor


# ---------------------------------------------------------------- layers called on KerasTensors
def _dummy(t):
    shape = [1 if d is None else d for d in t.shape]
    dtype = t.dtype if isinstance(t.dtype, str) and t.dtype.startswith("int") else None
    return zeros(*shape, dtype=as_dtype(dtype)) if dtype else zeros(*shape)


def _output_structure(layer, inputs, args, kwargs):
    """The output shapes of ``layer(inputs, *args, **kwargs)``: its ``compute_output_shape`` when
    only ``inputs`` is given, else one run on zeros (unknown dimensions taken as 1)."""
    extra = {k: v for k, v in kwargs.items() if k != "training"}
    if not args and not extra and not isinstance(inputs, dict):
        shapes = map_structure(lambda t: t.shape, inputs)
        if isinstance(shapes, tuple) and shapes and isinstance(shapes[0], tuple):
            shapes = list(shapes)
        if not getattr(layer, "_symbolic_by_run", False):
            layer._check_input_shape(shapes)
            layer._maybe_build(shapes)
            return _as_shape_structure(layer.compute_output_shape(shapes))
    dummy = map_structure(lambda v: _dummy(v) if isinstance(v, KerasTensor) else v,
                          (inputs, args, kwargs))
    d_inputs, d_args, d_kwargs = dummy
    if "training" in layer._call_params():
        d_kwargs["training"] = False
    _inferring[0] += 1
    try:
        with no_grad():
            out = layer(d_inputs, *d_args, **d_kwargs)  # real (zero) tensors: an ordinary call
    finally:
        _inferring[0] -= 1
    batch = flatten(inputs)[0].shape[0] if isinstance(flatten(inputs)[0], KerasTensor) else None
    return map_structure(lambda o: (batch,) + tuple(o.shape)[1:], out)


def _as_shape_structure(shapes):
    """A shape is a tuple of ints/None; several outputs are a list of shapes."""
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [tuple(s) for s in shapes]
    return tuple(shapes)


def symbolic_call(layer, inputs, *args, **kwargs):
    """Record the call of ``layer`` on KerasTensors as a ``Node``; return its KerasTensors."""
    shapes = _output_structure(layer, inputs, args, kwargs)
    count = itertools.count()

    def make(shape):
        i = next(count)
        return KerasTensor(shape, name=f"{layer.name}_output_{len(getattr(layer, '_inbound_nodes', []))}_{i}",
                           index=i)

    if isinstance(shapes, dict):
        outputs = {k: make(v) for k, v in shapes.items()}
    elif isinstance(shapes, list):
        outputs = [make(s) for s in shapes]
    elif isinstance(shapes, tuple) and shapes and all(isinstance(s, (tuple, list)) for s in shapes):
        outputs = tuple(make(s) for s in shapes)  # several outputs, e.g. (output, attention scores)
    else:
        outputs = make(shapes)
    node = Node(layer, (inputs,) + args, dict(kwargs), outputs)
    for t in node.output_tensors:
        t.node = node
    return outputs
