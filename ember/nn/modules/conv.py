"""Convolution layers: Conv1d/2d/3d, ConvTranspose1d/2d/3d (PyTorch's layouts)."""

import math

from ember.autograd import grad_mode
from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor.factories import empty, tensor
from ember.tensor.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v, n, name):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * n
    v = tuple(v)
    if len(v) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return v


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation and repr."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        n = self._dims
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{type(self).__name__}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by "
                             f"groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{type(self).__name__}: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.stride = _tuple(stride, n, "stride")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{type(self).__name__}: invalid padding string {padding!r}, should be "
                                 "'same' or 'valid'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{type(self).__name__}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, "padding")
        self.dilation = _tuple(dilation, n, "dilation")
        self.transposed = self._transposed
        self.output_padding = _tuple(output_padding, n, "output_padding")
        self.groups = groups
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{type(self).__name__}: padding_mode must be one of {_PADDING_MODES}, "
                             f"but got padding_mode={padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"Only 'zeros' padding mode is supported for {type(self).__name__}")
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        self.register_parameter(
            "bias", Parameter(empty(out_channels, dtype=dtype, device=device)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        fan_in = weight.shape[1] * prod(kernel_size)."""
        fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        with grad_mode.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _check_input(self, input):
        """Name this layer, the input's shape and what it expects (with the channel count)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(input).__name__}; make one with "
                            "ember.tensor(data)")
        n, channels = self._dims, self.in_channels
        spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[n]
        expected = f"(N, {channels}, {spatial}) or ({channels}, {spatial})"
        shape = tuple(input.shape)
        if len(shape) not in (n + 1, n + 2):
            raise RuntimeError(f"{self!r} expects input of shape {expected}, got {shape_str(shape)}: a "
                               f"{len(shape)}-D tensor")
        got = shape[-n - 1]
        if got != channels:
            hint = ""
            if shape[-1] == channels and len(shape) == n + 2:
                perm = ", ".join(map(str, [0, n + 1] + list(range(1, n + 1))))
                hint = f". It looks channels-last; put the channels first: x.permute({perm})"
            raise RuntimeError(f"{self!r} expects input of shape {expected}, got {shape_str(shape)}: "
                               f"{got} channel(s) instead of {channels}{hint}")


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)

    def forward(self, input):
        self._check_input(input)
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[self._dims]
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        return conv(_pad(input, self._pads(), self.padding_mode), self.weight, self.bias, self.stride, 0,
                    self.dilation, self.groups)

    def _pads(self):
        """(before, after) per spatial dim; 'same' puts the odd extra pixel after, as PyTorch."""
        if self.padding == "valid":
            return [(0, 0)] * self._dims
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return [(t // 2, t - t // 2) for t in totals]
        return [(p, p) for p in self.padding]


def _pad(x, pads, mode):
    """Pad the last ``len(pads)`` dims of ``x`` by reflection, replication or wrapping around.

    Each dim is one ``index_select`` with the padded positions' source indices, so the gradient
    flows back (and adds up where a source is used twice).
    """
    for i, (before, after) in enumerate(pads):
        if not (before or after):
            continue
        dim = x.ndim - len(pads) + i
        n = x.shape[dim]
        limit = n - 1 if mode == "reflect" else n
        if mode != "replicate" and max(before, after) > limit:
            raise RuntimeError(f"{mode} padding of ({before}, {after}) needs fewer than "
                               f"{limit + 1} pixels of padding on a dimension of size {n}")
        index = []
        for p in range(-before, n + after):
            if mode == "reflect":
                p = -p if p < 0 else (2 * (n - 1) - p if p >= n else p)
            elif mode == "replicate":
                p = min(max(p, 0), n - 1)
            else:
                p %= n
            index.append(p)
        x = x.index_select(dim, tensor(index, device=x.device))
    return x


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L) inputs.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0 (int, 'valid' or 'same'),
    dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect', 'replicate', 'circular').
    weight: (out_channels, in_channels / groups, kernel_size); bias: (out_channels,).
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * kernel_size.

    >>> ember.nn.Conv1d(3, 8, 5, padding=2)(ember.randn(4, 3, 20)).shape
    (4, 8, 20)
    """

    _dims = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs (im2col + one GEMM).

    Args: in_channels, out_channels, kernel_size (int or pair), stride=1, padding=0 (int, pair,
    'valid' or 'same'), dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect',
    'replicate', 'circular'). weight: (out_channels, in_channels / groups, kH, kW); bias:
    (out_channels,). Output size per spatial dim: (size + 2*padding - dilation*(k - 1) - 1) //
    stride + 1.
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * kH * kW.

    >>> conv = ember.nn.Conv2d(3, 16, 3, padding=1)
    >>> conv(ember.randn(8, 3, 32, 32)).shape
    (8, 16, 32, 32)
    """

    _dims = 2


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W) inputs (im2col + one GEMM).

    Args: in_channels, out_channels, kernel_size (int or triple), stride=1, padding=0 (int,
    triple, 'valid' or 'same'), dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect',
    'replicate', 'circular'). weight: (out_channels, in_channels / groups, kD, kH, kW); bias:
    (out_channels,). Output size per spatial dim: (size + 2*padding - dilation*(k - 1) - 1) //
    stride + 1.
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * kD * kH * kW.

    >>> ember.nn.Conv3d(3, 8, 3, padding=1)(ember.randn(2, 3, 4, 8, 8)).shape
    (2, 8, 4, 8, 8)
    """

    _dims = 3


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, input, output_size=None):
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        conv = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[self._dims]
        return conv(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                    self.dilation)

    def _output_padding(self, input, output_size):
        """The output_padding that gives ``output_size`` (PyTorch's rule), or the layer's own."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = tuple(output_size)
        if len(size) == input.ndim:
            size = size[-n:]
        if len(size) != n:
            raise ValueError(f"{self!r}: output_size must have {n} or {input.ndim} elements for a "
                             f"{input.ndim}-D input, got {tuple(output_size)}")
        lows = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k in zip(
            input.shape[-n:], self.stride, self.padding, self.dilation, self.kernel_size))
        highs = tuple(low + s - 1 for low, s in zip(lows, self.stride))
        if any(not lo <= o <= hi for o, lo, hi in zip(size, lows, highs)):
            raise ValueError(f"{self!r}: requested an output size of {size}, but valid sizes range "
                             f"from {lows} to {highs} for an input of spatial size {tuple(input.shape[-n:])}")
        return tuple(o - lo for o, lo in zip(size, lows))


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L): the gradient of Conv1d.

    weight: (in_channels, out_channels / groups, kernel_size); bias: (out_channels,).
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with, as in
    PyTorch, fan_in = weight.shape[1] * kernel_size = out_channels / groups * kernel_size.
    """

    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution") over (N, C_in, H, W) or (C_in, H, W).

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1. ``forward(input, output_size=None)``: ``output_size``
    picks among the sizes a strided layer can produce. Output size per spatial dim:
    (size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.
    weight: (in_channels, out_channels / groups, kH, kW); bias: (out_channels,).
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with, as in
    PyTorch, fan_in = weight.shape[1] * kH * kW = out_channels / groups * kH * kW.

    >>> up = ember.nn.ConvTranspose2d(16, 8, 2, stride=2)
    >>> up(ember.randn(1, 16, 7, 7)).shape
    (1, 8, 14, 14)
    """

    _dims = 2


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution over (N, C_in, D, H, W) or (C_in, D, H, W).

    Args as ConvTranspose2d, with ints or triples. Output size per spatial dim:
    (size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.
    weight: (in_channels, out_channels / groups, kD, kH, kW); bias: (out_channels,).
    Default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with, as in
    PyTorch, fan_in = weight.shape[1] * kD * kH * kW = out_channels / groups * kD * kH * kW.

    >>> ember.nn.ConvTranspose3d(8, 4, 2, stride=2)(ember.randn(1, 8, 3, 4, 4)).shape
    (1, 4, 6, 8, 8)
    """

    _dims = 3
