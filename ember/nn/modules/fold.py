"""Sliding-block layers: Unfold (im2col) and Fold (col2im)."""

from ember.nn.functional.fold import fold, unfold
from ember.nn.modules.module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum sliding blocks (N, C*kH*kW, L) or (C*kH*kW, L) into an image (N, C, *output_size) or
    (C, *output_size); overlapping blocks add up. The adjoint of Unfold.

    Args: output_size, kernel_size, dilation=1, padding=0, stride=1 (ints or pairs).

    >>> ember.nn.Fold((4, 5), 2)(ember.randn(2, 12, 12)).shape
    (2, 3, 4, 5)
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)


class Unfold(Module):
    """Extract sliding blocks of (N, C, H, W) or (C, H, W) as columns (N, C*kH*kW, L) or
    (C*kH*kW, L), L the number of blocks.

    Args: kernel_size, dilation=1, padding=0, stride=1 (ints or pairs).

    >>> ember.nn.Unfold(2)(ember.randn(2, 3, 4, 5)).shape
    (2, 12, 12)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)
