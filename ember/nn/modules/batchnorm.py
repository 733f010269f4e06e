"""Batch normalization layers: BatchNorm1d, BatchNorm2d, BatchNorm3d (PyTorch's parameters and buffers)."""

from ember.autograd import grad_mode
from ember.backend import dtypes as _dtypes
from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor.factories import empty, ones, tensor, zeros

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    """Normalizes each channel by the batch's statistics in training and by running estimates in
    evaluation.

    Buffers (when ``track_running_stats``): ``running_mean`` (zeros), ``running_var`` (ones) and
    ``num_batches_tracked`` (int64). In training each batch updates
    ``running = (1 - momentum) * running + momentum * batch_statistic``, with the batch's unbiased
    variance; ``momentum=None`` makes it the cumulative average over all batches so far.
    Parameters (when ``affine``): ``weight`` (ones) and ``bias`` (zeros, unless ``bias=False``).
    """

    _expects = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        make = lambda: Parameter(empty(num_features, dtype=dtype, device=device))
        self.register_parameter("weight", make() if affine else None)
        self.register_parameter("bias", make() if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=_dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with grad_mode.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """running_mean = 0, running_var = 1, weight = 1, bias = 0."""
        self.reset_running_stats()
        with grad_mode.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _check_input(self, input):
        if input.ndim not in self._ndims:
            raise ValueError(f"{self!r} expects input of shape {self._expects.format(c=self.num_features)}, "
                             f"got {shape_str(input.shape)}: a {input.ndim}-D tensor")
        if input.shape[1] != self.num_features:
            raise RuntimeError(f"{self!r} expects input of shape "
                               f"{self._expects.format(c=self.num_features)}, got {shape_str(input.shape)}: "
                               f"{input.shape[1]} channel(s) instead of {self.num_features}")

    def forward(self, input):
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with grad_mode.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / self.num_batches_tracked.item()
        # Batch statistics in training, and in evaluation when there are no running estimates.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        # The running estimates are updated only in training when tracked.
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) inputs, per channel C.

    Args: num_features (C), eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True, bias=True (keyword).

    >>> bn = ember.nn.BatchNorm1d(10)
    >>> bn(ember.randn(32, 10)).shape
    (32, 10)
    """

    _ndims = (2, 3)
    _expects = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) inputs, per channel C.

    Args: num_features (C), eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True, bias=True (keyword).

    >>> bn = ember.nn.BatchNorm2d(16)
    >>> bn(ember.randn(8, 16, 5, 5)).shape
    (8, 16, 5, 5)
    """

    _ndims = (4,)
    _expects = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization over (N, C, D, H, W) inputs (volumes), per channel C.

    Args: num_features (C), eps=1e-5, momentum=0.1 (None: cumulative average), affine=True,
    track_running_stats=True, bias=True (keyword).

    >>> bn = ember.nn.BatchNorm3d(4)
    >>> bn(ember.randn(2, 4, 3, 5, 5)).shape
    (2, 4, 3, 5, 5)
    """

    _ndims = (5,)
    _expects = "(N, {c}, D, H, W)"
