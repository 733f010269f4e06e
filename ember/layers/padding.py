"""Border layers: ``ZeroPadding1D/2D/3D`` add zeros around the spatial dimensions,
``Cropping1D/2D/3D`` remove rows and columns there (channels-last by default, as Keras).

Both are one ``F.pad`` (a negative amount crops), so gradients flow as for any op.
"""

from ember.layers._conv_utils import check_spatial_rank, normalize_data_format, shape_str, spatial_axes
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D"]


def _pairs(value, rank, name, layer):
    """Keras' forms: an int (every side), ``rank`` ints (both sides of each dimension) or
    ``rank`` pairs ``(before, after)``; as a tuple of ``rank`` pairs of non-negative ints."""
    def count(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if count(value):
        pairs = ((value, value),) * rank
    elif rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and all(map(count, value)):
        pairs = (tuple(value),)
    elif isinstance(value, (tuple, list)) and len(value) == rank and all(map(count, value)):
        pairs = tuple((v, v) for v in value)
    elif (isinstance(value, (tuple, list)) and len(value) == rank
          and all(isinstance(p, (tuple, list)) and len(p) == 2 and all(map(count, p)) for p in value)):
        pairs = tuple(tuple(p) for p in value)
    else:
        forms = "an int or a pair (before, after)" if rank == 1 else (
            f"an int, {rank} ints, or {rank} pairs (before, after)")
        raise ValueError(f"{layer}: {name} must be {forms} of non-negative ints, received {name}={value!r}")
    return pairs


class _Border(Layer):
    rank = 2
    sign = 1  # +1 pads, -1 crops
    argument = "padding"
    has_data_format = True

    def __init__(self, amounts, data_format=None, **kwargs):
        super().__init__(**kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        self.amounts = _pairs(amounts, self.rank, self.argument, me)
        self.data_format = normalize_data_format(data_format, me)

    def _spatial_axes(self):
        return spatial_axes(self.data_format, self.rank)

    def _check_input_shape(self, shape):
        check_spatial_rank(self, shape, self.rank)
        if self.sign < 0:
            for axis, (before, after) in zip(self._spatial_axes(), self.amounts):
                if shape[axis] is not None and before + after >= shape[axis]:
                    raise ValueError(f"{self._describe()} with cropping={self.amounts} would remove all "
                                     f"{shape[axis]} entries of axis {axis} of an input of shape "
                                     f"{shape_str(shape)}; crop less")

    def call(self, inputs):
        pad = []  # F.pad's order: the last dimension first
        for axis in reversed(range(1, inputs.ndim)):
            if axis in self._spatial_axes():
                before, after = self.amounts[axis - self._spatial_axes()[0]]
                pad += [self.sign * before, self.sign * after]
            else:
                pad += [0, 0]
        return F.pad(inputs, pad)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self.amounts):
            if shape[axis] is not None:
                shape[axis] += self.sign * (before + after)
        return tuple(shape)

    def get_config(self):
        amounts = self.amounts[0] if self.rank == 1 else self.amounts
        config = {**super().get_config(), self.argument: amounts}
        if self.has_data_format:
            config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_Border):
    """``ZeroPadding1D(padding=1, data_format=None)``: zeros before and after the steps of
    ``(batch, steps, features)``; ``padding`` is an int or ``(before, after)``."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_Border):
    """``ZeroPadding2D(padding=(1, 1), data_format=None)``: zero rows and columns around
    ``(batch, height, width, channels)``; ``padding`` is an int, ``(rows, cols)`` or
    ``((top, bottom), (left, right))``."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_Border):
    """``ZeroPadding3D(padding=(1, 1, 1), data_format=None)``: zeros around the three spatial
    dimensions of ``(batch, d1, d2, d3, channels)``."""

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping1D(_Border):
    """``Cropping1D(cropping=(1, 1))``: removes steps at the start and end of
    ``(batch, steps, features)``."""

    rank, sign, argument, has_data_format = 1, -1, "cropping", False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)


class Cropping2D(_Border):
    """``Cropping2D(cropping=((0, 0), (0, 0)), data_format=None)``: removes rows and columns at
    the borders of ``(batch, height, width, channels)``; forms as ZeroPadding2D's ``padding``."""

    sign, argument = -1, "cropping"

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Border):
    """``Cropping3D(cropping=((1, 1), (1, 1), (1, 1)), data_format=None)``: removes entries at
    the borders of the three spatial dimensions."""

    rank, sign, argument = 3, -1, "cropping"

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
