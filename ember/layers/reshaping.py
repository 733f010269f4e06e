"""Reshaping layers: ``Flatten``, ``Reshape``, ``Permute`` (the batch axis is never touched)."""

import math

from ember.layers._conv_utils import shape_str as _shape_str
from ember.layers.layer import Layer

__all__ = ["Flatten", "Reshape", "Permute"]


class Flatten(Layer):
    """``Flatten(data_format=None)``: ``(N, d1, d2, ...)`` -> ``(N, d1*d2*...)``. With
    ``data_format='channels_first'`` a channels-last order is produced first, as Keras does."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"Flatten '{self.name}': data_format must be 'channels_last' or "
                             f"'channels_first', received {data_format!r}")
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.permute(0, *range(2, inputs.ndim), 1)
        return inputs.reshape(inputs.shape[0], -1) if inputs.ndim != 1 else inputs.reshape(-1, 1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """``Reshape(target_shape)``: one sample's new shape; one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d == 0 or d < -1 for d in self.target_shape):
            raise ValueError(f"Reshape '{self.name}': target_shape may hold positive sizes and at most "
                             f"one -1, received target_shape={self.target_shape}")

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and size % known) or (-1 not in self.target_shape and size != known):
            raise ValueError(f"{self._describe()}: cannot reshape an input of shape "
                             f"{_shape_str(input_shape)} "
                             f"({size} values per sample) to target_shape={self.target_shape} "
                             f"({known} values per sample)")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def _check_input_shape(self, shape):
        self._resolve(shape)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self._resolve(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """``Permute(dims)``: permutes the non-batch axes; ``dims`` is 1-indexed, ``(2, 1)`` swaps them."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute '{self.name}': dims must be a permutation of 1..{len(self.dims)} "
                             f"(the batch axis 0 is not permuted), received dims={self.dims}")

    def _check_input_shape(self, shape):
        if len(shape) != len(self.dims) + 1:
            raise ValueError(f"{self._describe()} with dims={self.dims} expects inputs of rank "
                             f"{len(self.dims) + 1}, received shape {_shape_str(shape)}")

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
