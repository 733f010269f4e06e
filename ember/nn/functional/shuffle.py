"""Rearranging channels: pixel_shuffle, pixel_unshuffle (sub-pixel convolution, Shi et al. 2016,
"Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel Convolutional
Neural Network") and channel_shuffle (ShuffleNet, Zhang et al. 2017).

Each is a reshape, a permute and a reshape, so gradients of every order come from ember.ops.
"""

from ember.ops._util import shape_str

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _check(op, input, name, factor):
    if input.ndim < 3:
        raise RuntimeError(f"{op}: expects an input of shape (*, C, H, W) with at least 3 dimensions, "
                           f"got {shape_str(input.shape)}")
    if factor < 1:
        raise RuntimeError(f"{op}: expects a positive {name}, got {factor}")


def pixel_shuffle(input, upscale_factor):
    """Move channels into space: ``(*, C * r * r, H, W)`` to ``(*, C, H * r, W * r)``, ``r`` the
    ``upscale_factor``; output pixel ``(c, h * r + i, w * r + j)`` is input ``(c * r * r + i * r + j,
    h, w)``.

    >>> F.pixel_shuffle(ember.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    op, r = "pixel_shuffle", upscale_factor
    _check(op, input, "upscale_factor", r)
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"{op}: the {c} channels of the input {shape_str(input.shape)} must be "
                           f"divisible by upscale_factor ** 2 = {r * r}")
    k = len(batch)
    y = input.reshape(*batch, c // (r * r), r, r, h, w)
    y = y.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """Move space into channels, the inverse of ``pixel_shuffle``: ``(*, C, H * r, W * r)`` to
    ``(*, C * r * r, H, W)``, ``r`` the ``downscale_factor``.

    >>> F.pixel_unshuffle(ember.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    op, r = "pixel_unshuffle", downscale_factor
    _check(op, input, "downscale_factor", r)
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"{op}: the height {h} and width {w} of the input {shape_str(input.shape)} "
                           f"must be divisible by downscale_factor = {r}")
    k = len(batch)
    y = input.reshape(*batch, c, h // r, r, w // r, r)
    y = y.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """Interleave the channels of ``input`` (N, C, *) from ``groups`` groups: view them as
    ``(groups, C / groups)`` and transpose, so that output channel ``j * groups + g`` is input
    channel ``g * C / groups + j``.

    >>> F.channel_shuffle(ember.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    op = "channel_shuffle"
    if input.ndim < 3:
        raise RuntimeError(f"{op}: expects an input of shape (N, C, *) with more than 2 dimensions, "
                           f"got {shape_str(input.shape)}")
    if groups < 1:
        raise RuntimeError(f"{op}: expects a positive number of groups, got {groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"{op}: the {c} channels of the input {shape_str(input.shape)} must be "
                           f"divisible by groups = {groups}")
    y = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return y.reshape(input.shape)
