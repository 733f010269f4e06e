"""Per-sample normalization layers: LayerNorm, GroupNorm."""

from ember.autograd import grad_mode
from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor.factories import empty

__all__ = ["LayerNorm", "GroupNorm"]


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
