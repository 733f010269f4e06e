"""Channel-rearranging layers: PixelShuffle, PixelUnshuffle and ChannelShuffle (no parameters)."""

from ember.nn import functional as F
from ember.nn.modules.module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]


class PixelShuffle(Module):
    """Move channels into space with ``F.pixel_shuffle``: ``(*, C * r * r, H, W)`` to
    ``(*, C, H * r, W * r)``, ``r`` the ``upscale_factor`` (sub-pixel convolution's last step).

    >>> nn.PixelShuffle(3)(ember.zeros(1, 9, 4, 4)).shape
    (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Move space into channels with ``F.pixel_unshuffle``: ``(*, C, H * r, W * r)`` to
    ``(*, C * r * r, H, W)``, ``r`` the ``downscale_factor`` (the inverse of PixelShuffle).

    >>> nn.PixelUnshuffle(2)(ember.zeros(1, 1, 4, 6)).shape
    (1, 4, 2, 3)
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of (N, C, *) inputs from ``groups`` groups with
    ``F.channel_shuffle`` (ShuffleNet's channel shuffle).

    >>> nn.ChannelShuffle(2)(ember.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
