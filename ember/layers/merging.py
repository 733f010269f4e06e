"""Merge layers: ``Concatenate``, ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``
and the functional forms ``concatenate``, ``add``, ``subtract``, ``multiply``, ``average``,
``maximum``. Each takes a list of tensors; elementwise merges broadcast as Keras does. Masks
merge as in Keras: a step is kept where every masked input keeps it (for ``Concatenate``, where
any of the joined features comes from a kept step)."""

import ember
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum"]


def _broadcast_shape(shapes, layer):
    rank = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"{layer._describe()}: inputs with shapes "
                             f"{', '.join(shape_str(s) for s in shapes)} cannot be merged elementwise "
                             "(their dimensions differ and are not 1)")
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


class _Merge(Layer):
    min_inputs = 2
    max_inputs = None
    supports_masking = True

    def _check_input_shape(self, shape):
        if not isinstance(shape, list) or len(shape) < self.min_inputs \
                or (self.max_inputs and len(shape) > self.max_inputs):
            count = "exactly 2" if self.max_inputs == 2 else f"a list of at least {self.min_inputs}"
            got = (f"a list of {len(shape)}" if isinstance(shape, list)
                   else f"one tensor of shape {shape_str(shape)}")
            raise ValueError(f"{self._describe()} expects {count} input tensors, received {got}")
        self._output_shape(shape)

    def _output_shape(self, shapes):
        return _broadcast_shape(shapes, self)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        masks = [m for m in (mask or []) if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = ember.logical_and(out, m)
        return out

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out


class Add(_Merge):
    """The elementwise sum of the inputs."""

    def _merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    max_inputs = 2

    def _merge(self, a, b):
        return a - b


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    def _merge(self, a, b):
        return a * b


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge(self, a, b):
        return ember.maximum(a, b)


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge(self, a, b):
        return ember.minimum(a, b)


class Average(_Merge):
    """The elementwise mean of the inputs."""

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Concatenate(_Merge):
    """``Concatenate(axis=-1)``: joins the inputs along ``axis``; other dimensions must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _output_shape(self, shapes):
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise ValueError(f"{self._describe()} (axis={self.axis}) needs inputs of one rank with the "
                             f"axis in range, received shapes {', '.join(shape_str(s) for s in shapes)}")
        axis = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            for i, (a, b) in enumerate(zip(out, s)):
                if i != axis and a is not None and b is not None and a != b:
                    raise ValueError(f"{self._describe()} requires inputs with matching shapes except "
                                     f"for the concatenation axis {self.axis}, received shapes "
                                     f"{', '.join(shape_str(t) for t in shapes)}")
                if i != axis and a is None:
                    out[i] = b
        sizes = [s[axis] for s in shapes]
        out[axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs):
        return ember.cat(list(inputs), self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        full = []  # each input's mask over all its elements
        for x, m in zip(inputs, mask):
            if m is None:
                m = ember.ones(*x.shape, dtype=ember.bool, device=x.device)
            elif m.ndim < x.ndim:
                m = m.unsqueeze(-1).expand(*x.shape)
            full.append(m)
        return ember.cat(full, self.axis).any(dim=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)
