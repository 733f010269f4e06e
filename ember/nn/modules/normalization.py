"""Per-sample normalization layers: LayerNorm, GroupNorm, RMSNorm, InstanceNorm1d/2d/3d and
LocalResponseNorm."""

import warnings

from ember.autograd import grad_mode
from ember.nn import functional as F
from ember.nn.modules.batchnorm import _BatchNorm
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor.factories import empty

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
           "LocalResponseNorm"]


class LayerNorm(Module):
    """Normalizes each sample over its last ``len(normalized_shape)`` dimensions.

    Args: normalized_shape (int or tuple), eps=1e-5, elementwise_affine=True, bias=True.
    Parameters (when ``elementwise_affine``): ``weight`` of shape ``normalized_shape``
    initialised to 1 and ``bias`` initialised to 0 (unless ``bias=False``).

    >>> ln = ember.nn.LayerNorm(64)
    >>> ln(ember.randn(8, 10, 64)).shape
    (8, 10, 64)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        make = lambda: Parameter(empty(*shape, dtype=dtype, device=device))
        self.register_parameter("weight", make() if elementwise_affine else None)
        self.register_parameter("bias", make() if elementwise_affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        with grad_mode.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")

    def forward(self, input):
        shape = self.normalized_shape
        if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
            raise RuntimeError(f"{self!r} expects input of shape (*, {', '.join(map(str, shape))}), got "
                               f"{shape_str(input.shape)}")
        return F.layer_norm(input, shape, self.weight, self.bias, self.eps)


class GroupNorm(Module):
    """Normalizes each sample over groups of channels: (N, C, *) split into ``num_groups`` groups
    of C / num_groups channels, each normalized over its channels and positions.

    Args: num_groups, num_channels (C), eps=1e-5, affine=True, bias=True (keyword).
    Parameters (when ``affine``): per-channel ``weight`` initialised to 1 and ``bias`` to 0.

    >>> gn = ember.nn.GroupNorm(4, 32)
    >>> gn(ember.randn(2, 32, 8, 8)).shape
    (2, 32, 8, 8)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        make = lambda: Parameter(empty(num_channels, dtype=dtype, device=device))
        self.register_parameter("weight", make() if affine else None)
        self.register_parameter("bias", make() if affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        with grad_mode.no_grad():
            if self.weight is not None:
                self.weight.fill_(1)
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"{self!r} expects input of shape (N, {self.num_channels}, *), got "
                               f"{shape_str(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)


class RMSNorm(Module):
    """Root-mean-square normalization of each sample over its last ``len(normalized_shape)``
    dimensions (``F.rms_norm``): no centring, no bias.

    Args: normalized_shape (int or tuple), eps=None (the machine epsilon of the input's dtype),
    elementwise_affine=True. Parameter (when ``elementwise_affine``): ``weight`` of shape
    ``normalized_shape`` initialised to 1.

    >>> nn.RMSNorm(64)(ember.randn(8, 10, 64)).shape
    (8, 10, 64)
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        weight = Parameter(empty(*shape, dtype=dtype, device=device)) if elementwise_affine else None
        self.register_parameter("weight", weight)
        self.reset_parameters()

    def reset_parameters(self):
        """weight = 1."""
        if self.weight is not None:
            with grad_mode.no_grad():
                self.weight.fill_(1)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

    def forward(self, input):
        shape = self.normalized_shape
        if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
            raise RuntimeError(f"{self!r} expects input of shape (*, {', '.join(map(str, shape))}), got "
                               f"{shape_str(input.shape)}")
        return F.rms_norm(input, shape, self.weight, self.eps)


class _InstanceNorm(_BatchNorm):
    """Normalizes each sample's channels over their positions (``F.instance_norm``), batched
    (N, C, *) or not (C, *).

    Parameters (when ``affine``): ``weight`` (ones) and ``bias`` (zeros, unless ``bias=False``).
    Buffers (when ``track_running_stats``): ``running_mean``, ``running_var`` and
    ``num_batches_tracked`` as in batch norm; training updates the running statistics with
    ``momentum`` (``None`` counts as 0, as in PyTorch, and ``num_batches_tracked`` stays 0) and
    evaluation normalizes with them.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        n, expects = self._spatial_dims, self._expects.format(c=self.num_features)
        if input.ndim not in (n + 1, n + 2):
            raise ValueError(f"{self!r} expects input of shape {expects}, got {shape_str(input.shape)}: "
                             f"a {input.ndim}-D tensor")
        unbatched = input.ndim == n + 1
        channels = input.shape[0 if unbatched else 1]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(f"{self!r} expects input of shape {expects}, got {shape_str(input.shape)}: "
                                 f"{channels} channel(s) instead of {self.num_features}")
            warnings.warn(f"{self!r}: the input of shape {shape_str(input.shape)} has {channels} channel(s), "
                          f"not num_features={self.num_features}; num_features is unused with "
                          "affine=False, so leave it out or match it to silence this warning", stacklevel=2)
        x = input.unsqueeze(0) if unbatched else input
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L) inputs: each channel of each sample over L.

    Args: num_features (C), eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
    bias=True (keyword).

    >>> nn.InstanceNorm1d(3)(ember.randn(4, 3, 10)).shape
    (4, 3, 10)
    """

    _spatial_dims = 1
    _expects = "(N, {c}, L) or ({c}, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W) inputs: each channel of each sample
    over H and W.

    Args: num_features (C), eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
    bias=True (keyword).

    >>> nn.InstanceNorm2d(3, affine=True)(ember.randn(2, 3, 5, 5)).shape
    (2, 3, 5, 5)
    """

    _spatial_dims = 2
    _expects = "(N, {c}, H, W) or ({c}, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W) inputs: each channel of each
    sample over D, H and W.

    Args: num_features (C), eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
    bias=True (keyword).

    >>> nn.InstanceNorm3d(2)(ember.randn(1, 2, 3, 4, 4)).shape
    (1, 2, 3, 4, 4)
    """

    _spatial_dims = 3
    _expects = "(N, {c}, D, H, W) or ({c}, D, H, W)"


class LocalResponseNorm(Module):
    """Local response normalization across channels (``F.local_response_norm``) of (N, C, *)
    inputs: each value divided by ``(k + alpha * mean of the squares over size neighbouring
    channels) ** beta``. It has no parameters.

    Args: size, alpha=1e-4, beta=0.75, k=1.0.

    >>> nn.LocalResponseNorm(2)(ember.randn(2, 8, 4, 4)).shape
    (2, 8, 4, 4)
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)
