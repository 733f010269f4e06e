"""Pooling layers: MaxPool1d/2d/3d, MaxUnpool1d/2d/3d, AvgPool1d/2d/3d, LPPool1d/2d/3d,
AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d."""

from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.ops._util import shape_str

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d",
           "LPPool2d", "LPPool3d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _Pool(Module):
    _dims = 2

    def _check_input(self, input):
        n = self._dims
        if input.ndim not in (n + 1, n + 2):
            spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[n]
            raise RuntimeError(f"{self!r} expects input of shape (N, C, {spatial}) or (C, {spatial}), got "
                               f"{shape_str(input.shape)}: a {input.ndim}-D tensor")


class _MaxPoolNd(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def forward(self, input):
        self._check_input(input)
        pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[self._dims]
        return pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                    ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0 (implicit -inf, at most kernel_size // 2),
    dilation=1, return_indices=False, ceil_mode=False.
    """

    _dims = 1


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0 (implicit -inf, at most kernel_size // 2),
    dilation=1, return_indices=False (also return the flat h * W + w index of each maximum),
    ceil_mode=False. The gradient goes to the first maximum of each window, as in PyTorch.

    >>> ember.nn.MaxPool2d(2)(ember.randn(8, 16, 28, 28)).shape
    (8, 16, 14, 14)
    """

    _dims = 2


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0 (implicit -inf, at most kernel_size // 2),
    dilation=1, return_indices=False (also return the flat d * H * W + h * W + w index of each
    maximum), ceil_mode=False. The gradient goes to the first maximum of each window, as in PyTorch.

    >>> ember.nn.MaxPool3d(2)(ember.randn(2, 4, 8, 8, 8)).shape
    (2, 4, 4, 4, 4)
    """

    _dims = 3


class AvgPool1d(_Pool):
    """1-D average pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True.
    """

    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _tuple(kernel_size, 1)
        self.stride = _tuple(stride if stride is not None else kernel_size, 1)
        self.padding = _tuple(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        self._check_input(input)
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


class _AvgPoolNd(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        self._check_input(input)
        pool = F.avg_pool3d if self._dims == 3 else F.avg_pool2d
        return pool(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                    self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True (zero
    padding counts in each window's divisor), divisor_override=None (divide by this instead).

    >>> ember.nn.AvgPool2d(2)(ember.ones(1, 1, 4, 4)).sum().item()
    4.0
    """


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``.

    Args: kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True (zero
    padding counts in each window's divisor), divisor_override=None (divide by this instead).

    >>> ember.nn.AvgPool3d(2)(ember.ones(1, 1, 4, 4, 4)).sum().item()
    8.0
    """

    _dims = 3


class _AdaptivePool(_Pool):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePool):
    """Average pooling of (N, C, L) or (C, L) to length ``output_size``."""

    _dims = 1

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Average pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (an int, or a pair whose
    None entries keep the input's size); output cell i averages rows floor(i*H/OH) to
    ceil((i+1)*H/OH) - 1, likewise for columns.

    >>> ember.nn.AdaptiveAvgPool2d(1)(ember.randn(2, 8, 7, 7)).shape
    (2, 8, 1, 1)
    """

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int, or a triple
    whose None entries keep the input's size), over AdaptiveAvgPool2d's windows along D, H and W.

    >>> ember.nn.AdaptiveAvgPool3d(1)(ember.randn(2, 8, 3, 7, 7)).shape
    (2, 8, 1, 1, 1)
    """

    _dims = 3

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` over the adaptive windows of
    AdaptiveAvgPool2d; ``return_indices=True`` also returns the flat index of each maximum."""

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(_Pool):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")

    def forward(self, input):
        self._check_input(input)
        pool = {1: F.lp_pool1d, 2: F.lp_pool2d, 3: F.lp_pool3d}[self._dims]
        return pool(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling over (N, C, L) or (C, L): ``(sum over a window of x**p) ** (1/p)``
    with ``p = norm_type``. Args: norm_type, kernel_size, stride=None (kernel_size), ceil_mode=False.

    >>> ember.nn.LPPool1d(2, 2)(ember.tensor([[3.0, 4.0]])).tolist()
    [[5.0]]
    """

    _dims = 1


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling over (N, C, H, W) or (C, H, W): ``(sum over a window of x**p)
    ** (1/p)`` with ``p = norm_type``. Args: norm_type, kernel_size, stride=None (kernel_size),
    ceil_mode=False."""


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling over (N, C, D, H, W) or (C, D, H, W): ``(sum over a window of
    x**p) ** (1/p)`` with ``p = norm_type``. Args: norm_type, kernel_size, stride=None
    (kernel_size), ceil_mode=False.

    >>> ember.nn.LPPool3d(2, 2)(ember.ones(1, 1, 4, 4, 4)).shape
    (1, 1, 2, 2, 2)
    """

    _dims = 3


class AdaptiveMaxPool1d(_AdaptivePool):
    """Max pooling of (N, C, L) or (C, L) to length ``output_size`` over the adaptive windows of
    AdaptiveAvgPool1d; ``return_indices=True`` also returns the position of each maximum."""

    _dims = 1

    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int, or a triple whose
    None entries keep the input's size) over the adaptive windows of AdaptiveAvgPool3d;
    ``return_indices=True`` also returns the flat d * H * W + h * W + w index of each maximum.

    >>> ember.nn.AdaptiveMaxPool3d((1, 2, 2))(ember.randn(2, 3, 5, 4, 4)).shape
    (2, 3, 1, 2, 2)
    """

    _dims = 3

    def forward(self, input):
        self._check_input(input)
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _MaxUnpoolNd(_Pool):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        n = self._dims
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride if stride is not None else kernel_size, n)
        self.padding = _tuple(padding, n)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        self._check_input(input)
        unpool = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}[self._dims]
        return unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d over (N, C, L) or (C, L): ``forward(input, indices,
    output_size=None)`` puts each value at its index in a zero output of length
    ``(L - 1) * stride - 2 * padding + kernel_size`` or ``output_size``.
    Args: kernel_size, stride=None (kernel_size), padding=0.
    """

    _dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d over (N, C, H, W) or (C, H, W): ``forward(input, indices,
    output_size=None)`` puts each value at its flat h * W + w index in a zero output of size
    ``(in - 1) * stride - 2 * padding + kernel_size`` per dim, or ``output_size`` (for instance
    the pooled input's shape, when several sizes pool to the same one).
    Args: kernel_size, stride=None (kernel_size), padding=0.

    >>> y, i = ember.nn.MaxPool2d(2, return_indices=True)(ember.randn(1, 1, 5, 5))
    >>> ember.nn.MaxUnpool2d(2)(y, i, output_size=(5, 5)).shape
    (1, 1, 5, 5)
    """


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d over (N, C, D, H, W) or (C, D, H, W), with flat
    d * H * W + h * W + w indices; sizes as in MaxUnpool2d.
    Args: kernel_size, stride=None (kernel_size), padding=0.
    """

    _dims = 3
