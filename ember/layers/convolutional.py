"""Convolution layers ``Conv1D``, ``Conv2D``, ``Conv3D``, ``Conv2DTranspose`` on
``F.conv1d``/``conv2d``/``conv3d``/``conv_transpose2d``.

Inputs are channels-last by default (``(N, L, C)``, ``(N, H, W, C)``), moved to ember's
channels-first layout for the op and back. Kernels have Keras' layout: ``(k, in/groups,
filters)``, ``(kh, kw, in/groups, filters)``, and ``(kh, kw, filters, in)`` for the transposed
convolution; the op receives a permuted view. 'same' padding is TensorFlow's (an odd total puts
the extra row/column after), applied with ``F.pad`` when it is not symmetric.
"""

from ember.layers import activations, constraints, initializers, regularizers
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

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose"]


class _Conv(Layer):
    rank = 2
    transposed = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{me}: filters must be a positive integer, received filters={filters!r}")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", me)
        self.strides = normalize_tuple(strides, self.rank, "strides", me)
        allowed = ("valid", "same", "causal") if self.rank == 1 and not self.transposed else ("valid", "same")
        self.padding = normalize_padding(padding, me, allowed)
        self.data_format = normalize_data_format(data_format, me)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", me)
        self.groups = int(groups)
        if self.groups <= 0 or filters % self.groups:
            raise ValueError(f"{me}: filters={filters} must be divisible by groups={groups}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _check_input_shape(self, shape):
        if isinstance(shape, list) or len(shape) != self.rank + 2:
            layout = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
                      3: "(batch, depth, height, width, channels)"}[self.rank]
            if self.data_format == "channels_first":
                layout = {1: "(batch, channels, steps)", 2: "(batch, channels, height, width)",
                          3: "(batch, channels, depth, height, width)"}[self.rank]
            raise ValueError(f"{self._describe()} (filters={self.filters}, kernel_size={self.kernel_size}) "
                             f"expects inputs of rank {self.rank + 2} {layout}, received shape "
                             f"{shape if isinstance(shape, list) else shape_str(shape)}")
        channels = shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"{self._describe()}: the channel dimension of the inputs must be known, "
                             f"received shape {shape_str(shape)}")
        if channels % self.groups:
            raise ValueError(f"{self._describe()}: the number of input channels ({channels}) must be "
                             f"divisible by groups={self.groups}; received shape {shape_str(shape)}")
        if self.built:
            expected = self.kernel.shape[-1] if self.transposed else self.kernel.shape[-2] * self.groups
            if channels != expected:
                raise ValueError(f"{self._describe()} was built for inputs with {expected} channels, "
                                 f"received shape {shape_str(shape)} with {channels}")
        if not self.transposed and self.padding == "valid":
            spatial = shape[1:-1] if self.data_format == "channels_last" else shape[2:]
            for n, k, d in zip(spatial, self.kernel_size, self.dilation_rate):
                if n is not None and n < (k - 1) * d + 1:
                    raise ValueError(f"{self._describe()} with kernel_size={self.kernel_size} and "
                                     f"padding='valid' needs spatial dimensions of at least "
                                     f"{(k - 1) * d + 1}, received shape {shape_str(shape)}; use "
                                     "padding='same' or a smaller kernel")

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if self.transposed:
            shape = self.kernel_size + (self.filters // self.groups, channels)
        else:
            shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel = self.add_weight(shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      name="kernel", constraint=self.kernel_constraint)
        self.bias = (self.add_weight((self.filters,), self.bias_initializer,
                                     regularizer=self.bias_regularizer, name="bias",
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)

    def _to_channels_first(self, x):
        if self.data_format == "channels_first":
            return x
        return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))

    def _from_channels_first(self, y):
        if self.data_format == "channels_first":
            return y
        return y.permute(0, *range(2, y.ndim), 1)

    def call(self, inputs):
        x = self._to_channels_first(inputs)
        y = self._convolve(x)
        return self.activation(self._from_channels_first(y))

    def _convolve(self, x):
        rank = self.rank
        weight = self.kernel.permute(rank + 1, rank, *range(rank))  # (out, in/groups, *k)
        spatial = x.shape[2:]
        padding = 0
        if self.padding in ("same", "causal"):
            pads = [same_padding(n, k, s, d) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
            if self.padding == "causal":
                pads = [((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)]
            if all(a == b for a, b in pads):
                padding = tuple(a for a, _ in pads)
            else:
                flat = []
                for a, b in reversed(pads):
                    flat += [a, b]
                x = F.pad(x, tuple(flat))
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[rank]
        return conv(x, weight, self.bias, self.strides, padding, self.dilation_rate, self.groups)

    def compute_output_shape(self, input_shape):
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    def extra_repr(self):
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}")


class Conv1D(_Conv):
    """``Conv1D(filters, kernel_size, strides=1, padding='valid'|'same'|'causal',
    data_format='channels_last', dilation_rate=1, groups=1, activation=None, use_bias=True, ...)``
    on ``(N, steps, channels)``; kernel ``(kernel_size, in/groups, filters)``."""

    rank = 1


class Conv2D(_Conv):
    """``Conv2D(filters, kernel_size, strides=(1, 1), padding='valid'|'same',
    data_format='channels_last', dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
    kernel_initializer='glorot_uniform', bias_initializer='zeros', ...)`` on ``(N, H, W, C)``;
    kernel ``(kh, kw, in/groups, filters)``."""

    rank = 2


class Conv3D(_Conv):
    """``Conv3D(filters, kernel_size, strides=(1, 1, 1), padding='valid'|'same',
    data_format='channels_last', dilation_rate=(1, 1, 1), groups=1, activation=None, ...)`` on
    ``(N, D, H, W, C)``; kernel ``(kd, kh, kw, in/groups, filters)``."""

    rank = 3


class Conv2DTranspose(_Conv):
    """``Conv2DTranspose(filters, kernel_size, strides=(1, 1), padding='valid'|'same',
    output_padding=None, data_format='channels_last', dilation_rate=(1, 1), groups=1, ...)``;
    kernel ``(kh, kw, filters/groups, in)``. Output size per spatial axis, as Keras (TensorFlow's
    placement), with ``k`` the dilated kernel size: ``in*s + max(k - s, 0)`` ('valid') or
    ``in*s`` ('same'); with ``output_padding=p`` (each ``p < s``): ``(in - 1)*s + k + p``
    ('valid') or ``(in - 1)*s + k % 2 + p`` ('same'). ``groups`` splits the input channels and
    the filters into that many independent transposed convolutions (an extension: Keras 3's
    Conv2DTranspose has no ``groups``)."""

    rank = 2
    transposed = True

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), groups=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)
        if output_padding is not None:
            me = f"Conv2DTranspose '{self.name}'"
            output_padding = normalize_tuple(output_padding, 2, "output_padding", me, allow_zero=True)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(f"{me}: strides must be greater than output padding, received "
                                 f"strides={self.strides}, output_padding={output_padding}")
        self.output_padding = output_padding

    def _lengths(self, n, k, s, d, p):
        """The output length and the start of the output in the full transposed convolution."""
        effective = (k - 1) * d + 1
        if p is None:
            if self.padding == "same":
                return n * s, max(effective - s, 0) // 2
            return n * s + max(effective - s, 0), 0
        if self.padding == "same":
            length = (n - 1) * s + effective % 2 + p
            return length, max((n - 1) * s + effective - length, 0) // 2
        return (n - 1) * s + effective + p, 0

    def _convolve(self, x):
        weight = self.kernel.permute(3, 2, 0, 1)  # (in, filters/groups, kh, kw)
        y = F.conv_transpose2d(x, weight, None, self.strides, 0, 0, self.groups, self.dilation_rate)
        paddings = self.output_padding or (None,) * self.rank
        for axis, (n, k, s, d, p) in enumerate(zip(x.shape[2:], self.kernel_size, self.strides,
                                                    self.dilation_rate, paddings)):
            length, start = self._lengths(n, k, s, d, p)
            have = y.shape[2 + axis]
            if have < start + length:  # kernel smaller than the stride: zeros after, as Keras
                extra = start + length - have
                y = F.pad(y, (0, extra) if axis == 1 else (0, 0, 0, extra))
            y = y.narrow(2 + axis, start, length)
        if self.bias is not None:  # after the cropping/padding: every position gets it, as in Keras
            y = y + self.bias.reshape(1, -1, 1, 1)
        return y

    def compute_output_shape(self, input_shape):
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        paddings = self.output_padding or (None,) * self.rank
        out = tuple(None if n is None else self._lengths(n, k, s, d, p)[0] for n, k, s, d, p in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate, paddings))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def get_config(self):
        return {**super().get_config(), "output_padding": self.output_padding}
