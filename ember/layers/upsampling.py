"""Up-sampling layers: ``UpSampling1D/2D/3D`` repeat each step, row and column ``size`` times
(channels-last by default, as Keras); ``UpSampling2D(interpolation='bilinear')`` interpolates
instead (half-pixel centres, as Keras' image resize)."""

import numpy as np

import ember
from ember.layers._conv_utils import check_spatial_rank, normalize_data_format, normalize_tuple, spatial_axes
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]


class _UpSampling(Layer):
    rank = 2

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        self.size = normalize_tuple(size, self.rank, "size", me)
        self.data_format = normalize_data_format(data_format, me)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{me}: interpolation must be 'nearest' or 'bilinear', received "
                             f"{interpolation!r}")
        self.interpolation = interpolation

    def _spatial_axes(self):
        return spatial_axes(self.data_format, self.rank)

    def _check_input_shape(self, shape):
        check_spatial_rank(self, shape, self.rank)

    def call(self, inputs):
        if self.interpolation == "bilinear":
            last = self.data_format == "channels_last"
            x = inputs.permute(0, 3, 1, 2) if last else inputs
            h, w = x.shape[2:]
            y = F.interpolate(x, size=(h * self.size[0], w * self.size[1]), mode="bilinear")
            return y.permute(0, 2, 3, 1) if last else y
        out = inputs
        for axis, times in zip(self._spatial_axes(), self.size):
            if times > 1:  # each entry `times` times in a row: an index_select, differentiable
                rows = np.repeat(np.arange(out.shape[axis]), times)
                out = ember.index_select(out, axis, ember.tensor(rows, device=inputs.device))
        return out

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, times in zip(self._spatial_axes(), self.size):
            if shape[axis] is not None:
                shape[axis] *= times
        return tuple(shape)

    def get_config(self):
        config = {**super().get_config(), "size": self.size[0] if self.rank == 1 else self.size}
        if self.rank > 1:
            config["data_format"] = self.data_format
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


class UpSampling1D(_UpSampling):
    """``UpSampling1D(size=2)``: each step of ``(batch, steps, features)`` repeated ``size`` times."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, None, "nearest", **kwargs)


class UpSampling2D(_UpSampling):
    """``UpSampling2D(size=(2, 2), data_format=None, interpolation='nearest')``: rows and columns
    of ``(batch, height, width, channels)`` repeated (or, with 'bilinear', interpolated)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """``UpSampling3D(size=(2, 2, 2), data_format=None)``: the three spatial dimensions of
    ``(batch, d1, d2, d3, channels)`` repeated."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)
