"""Pooling layers on ``F.max_pool1d/2d`` and ``F.avg_pool1d/2d`` (channels-last by default).

'same' padding is TensorFlow's: max pooling pads with -inf, average pooling averages over the
window's valid elements only (its divisor excludes the padding, as Keras).
"""

import ember
from ember.layers._conv_utils import (
    conv_output_length,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    same_padding,
    shape_str,
)
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling3D"]


class _Pooling(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", me)
        self.strides = normalize_tuple(self.pool_size if strides is None else strides, self.rank,
                                       "strides", me)
        self.padding = normalize_padding(padding, me)
        self.data_format = normalize_data_format(data_format, me)

    def _check_input_shape(self, shape):
        if isinstance(shape, list) or len(shape) != self.rank + 2:
            layout = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
                      3: "(batch, depth, height, width, channels)"}[self.rank]
            raise ValueError(f"{self._describe()} (pool_size={self.pool_size}) expects inputs of rank "
                             f"{self.rank + 2} ({layout} for channels_last), received shape "
                             f"{shape if isinstance(shape, list) else shape_str(shape)}")
        spatial = shape[1:-1] if self.data_format == "channels_last" else shape[2:]
        if self.padding == "valid":
            for n, k in zip(spatial, self.pool_size):
                if n is not None and n < k:
                    raise ValueError(f"{self._describe()} with pool_size={self.pool_size} and "
                                     f"padding='valid' received shape {shape_str(shape)}, whose spatial "
                                     "dimensions are smaller than the pool; use padding='same'")

    def call(self, inputs):
        last = self.data_format == "channels_last"
        x = inputs.permute(0, inputs.ndim - 1, *range(1, inputs.ndim - 1)) if last else inputs
        y = self._pool(x)
        return y.permute(0, *range(2, y.ndim), 1) if last else y

    def _pool(self, x):
        pads = [(0, 0)] * self.rank
        if self.padding == "same":
            pads = [same_padding(n, k, s) for n, k, s in zip(x.shape[2:], self.pool_size, self.strides)]
        flat = []
        for a, b in reversed(pads):
            flat += [a, b]
        padded = any(flat)
        if self.kind == "max":
            if padded:
                x = F.pad(x, tuple(flat), value=float("-inf"))
            pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[self.rank]
            return pool(x, self.pool_size, self.strides)
        pool = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[self.rank]
        if not padded:
            return pool(x, self.pool_size, self.strides)
        ones = ember.ones(1, 1, *x.shape[2:], dtype=x.dtype, device=x.device)
        total = pool(F.pad(x, tuple(flat)), self.pool_size, self.strides)
        count = pool(F.pad(ones, tuple(flat)), self.pool_size, self.strides)
        return total / count

    def compute_output_shape(self, input_shape):
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in
                    zip(spatial, self.pool_size, self.strides))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + out

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """``MaxPooling1D(pool_size=2, strides=None, padding='valid', data_format='channels_last')``."""

    rank, kind = 1, "max"


class MaxPooling2D(_Pooling):
    """``MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format='channels_last')``."""

    rank, kind = 2, "max"


class AveragePooling1D(_Pooling):
    """``AveragePooling1D(pool_size=2, strides=None, padding='valid', data_format='channels_last')``."""

    rank, kind = 1, "avg"


class AveragePooling2D(_Pooling):
    """``AveragePooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format='channels_last')``."""

    rank, kind = 2, "avg"


class MaxPooling3D(_Pooling):
    """``MaxPooling3D(pool_size=(2, 2, 2), strides=None, padding='valid', data_format='channels_last')``
    on ``(N, D, H, W, C)``."""

    rank, kind = 3, "max"


class AveragePooling3D(_Pooling):
    """``AveragePooling3D(pool_size=(2, 2, 2), strides=None, padding='valid', data_format='channels_last')``
    on ``(N, D, H, W, C)``."""

    rank, kind = 3, "avg"


class _GlobalPooling(Layer):
    rank = 2
    kind = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, f"{type(self).__name__} '{self.name}'")
        self.keepdims = bool(keepdims)

    def _axes(self):
        return tuple(range(1, self.rank + 1)) if self.data_format == "channels_last" \
            else tuple(range(2, self.rank + 2))

    def _check_input_shape(self, shape):
        if isinstance(shape, list) or len(shape) != self.rank + 2:
            raise ValueError(f"{self._describe()} expects inputs of rank {self.rank + 2}, received shape "
                             f"{shape if isinstance(shape, list) else shape_str(shape)}")

    def call(self, inputs):
        axes = self._axes()
        if self.kind == "avg":
            return inputs.mean(dim=axes, keepdim=self.keepdims)
        return inputs.amax(dim=axes, keepdim=self.keepdims)

    def compute_output_shape(self, input_shape):
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """``GlobalAveragePooling1D(data_format='channels_last', keepdims=False)``: the mean over the
    steps; with a mask ``(batch, steps)`` (given, or from ``Embedding(mask_zero=True)``) the mean
    over the unmasked steps only. The output carries no mask."""

    rank, kind = 1, "avg"
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = self._axes()[0]
        keep = mask.unsqueeze(2 if axis == 1 else 1)
        total = ember.where(keep, inputs, 0.0).sum(dim=axis, keepdim=self.keepdims)
        return total / keep.to(inputs.dtype).sum(dim=axis, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    rank, kind = 1, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """``GlobalAveragePooling2D(data_format='channels_last', keepdims=False)``: the mean over H, W."""

    rank, kind = 2, "avg"


class GlobalMaxPooling2D(_GlobalPooling):
    """``GlobalMaxPooling2D(data_format='channels_last', keepdims=False)``: the max over H, W."""

    rank, kind = 2, "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """``GlobalAveragePooling3D(data_format='channels_last', keepdims=False)``: the mean over D, H, W."""

    rank, kind = 3, "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    """``GlobalMaxPooling3D(data_format='channels_last', keepdims=False)``: the max over D, H, W."""

    rank, kind = 3, "max"
