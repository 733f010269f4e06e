"""``RandomCrop`` (with padding) and ``RandomResizedCrop`` (Inception-style scale/aspect crops)."""

import math
from numbers import Number

from ember.data.transforms._resample import PADDING_MODES, check_interpolation, fill_for, pad, resize
from ember.data.transforms.transform import Transform, rng

__all__ = ["RandomCrop", "RandomResizedCrop"]


def check_size(size, name):
    """``size`` as ``(height, width)``: an int gives a square."""
    if isinstance(size, Number):
        size = (size, size)
    size = tuple(size)
    if len(size) == 1:
        size = size * 2
    if len(size) != 2 or not all(isinstance(s, Number) and s > 0 and int(s) == s for s in size):
        raise ValueError(f"{name}: size must be a positive int or a (height, width) pair, got {size}")
    return int(size[0]), int(size[1])


def check_padding(padding, name):
    """``padding`` as ``(left, top, right, bottom)``, from an int, a pair (left/right, top/bottom) or 4."""
    if padding is None:
        return (0, 0, 0, 0)
    values = [padding] if isinstance(padding, Number) else list(padding)
    if len(values) not in (1, 2, 4) or not all(isinstance(p, Number) and p >= 0 and int(p) == p
                                               for p in values):
        raise ValueError(f"{name}: padding must be a non-negative int or a sequence of 1, 2 or 4 of them "
                         f"(left, top, right, bottom), got {padding}")
    values = [int(p) for p in values]
    if len(values) == 1:
        return tuple(values * 4)
    if len(values) == 2:
        return tuple(values * 2)
    return tuple(values)


def check_range(values, name, argument):
    values = tuple(float(v) for v in values)
    if len(values) != 2 or values[0] > values[1]:
        raise ValueError(f"{name}: {argument} should be a (min, max) pair with min <= max, got {values}")
    return values


class RandomCrop(Transform):
    """Crop a random ``size`` window, after optional padding.

    Args:
        size: the crop's ``(height, width)``, or an int for a square.
        padding: added around the image first: an int, (left/right, top/bottom) or
            (left, top, right, bottom).
        pad_if_needed: pad an image smaller than ``size`` (on both sides) so that it fits.
        fill: the constant padding value, one number or one per channel (masks are padded with 0
            unless it is one number).
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomCrop
        >>> RandomCrop(32, padding=4)(np.zeros((3, 32, 32), np.float32)).shape
        (3, 32, 32)
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        name = type(self).__name__
        self.size = check_size(size, name)
        self.padding = padding
        self._padding = check_padding(padding, name)
        self.pad_if_needed = bool(pad_if_needed)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.fill = fill
        self.padding_mode = padding_mode

    def make_params(self, image):
        (h, w), (crop_h, crop_w) = image.shape[-2:], self.size
        left, top, right, bottom = self._padding
        h, w = h + top + bottom, w + left + right
        if self.pad_if_needed and h < crop_h:
            diff = crop_h - h
            top, bottom, h = top + diff, bottom + diff, h + 2 * diff
        if self.pad_if_needed and w < crop_w:
            diff = crop_w - w
            left, right, w = left + diff, right + diff, w + 2 * diff
        if h < crop_h or w < crop_w:
            raise ValueError(f"{type(self).__name__}: the crop size {self.size} is larger than the (padded) "
                             f"image size {(h, w)}; pass pad_if_needed=True or a smaller size")
        generator = rng()
        return {"padding": (left, top, right, bottom),
                "top": int(generator.integers(0, h - crop_h + 1)),
                "left": int(generator.integers(0, w - crop_w + 1))}

    def apply(self, array, params, is_mask):
        fill = fill_for(array, self.fill, is_mask, type(self).__name__)
        array = pad(array, params["padding"], fill, self.padding_mode)
        top, left = params["top"], params["left"]
        return array[..., top:top + self.size[0], left:left + self.size[1]].copy()


class RandomResizedCrop(Transform):
    """Crop a random area and aspect ratio, then resize it to ``size`` (the Inception crop).

    The area is a fraction ``scale`` of the image and the aspect ratio (width / height) is drawn
    log-uniformly from ``ratio``; after 10 failed draws it falls back to a central crop.

    Args:
        size: the output ``(height, width)``, or an int for a square.
        scale: (min, max) of the crop's area as a fraction of the image's.
        ratio: (min, max) of the crop's aspect ratio.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``; masks always use nearest.
        antialias: filter when shrinking (as PIL and torchvision do) so that thin lines survive.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomResizedCrop
        >>> RandomResizedCrop(16)(np.zeros((3, 40, 30), np.float32)).shape
        (3, 16, 16)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation="bilinear",
                 antialias=True):
        name = type(self).__name__
        self.size = check_size(size, name)
        self.scale = check_range(scale, name, "scale")
        self.ratio = check_range(ratio, name, "ratio")
        if self.scale[0] <= 0 or self.ratio[0] <= 0:
            raise ValueError(f"{name}: scale and ratio must be positive, got scale={self.scale}, "
                             f"ratio={self.ratio}")
        self.interpolation = check_interpolation(interpolation, name)
        self.antialias = bool(antialias)

    def make_params(self, image):
        height, width = image.shape[-2:]
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        generator = rng()
        for _ in range(10):
            target_area = area * generator.uniform(*self.scale)
            aspect_ratio = math.exp(generator.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                top = int(generator.integers(0, height - h + 1))
                left = int(generator.integers(0, width - w + 1))
                return {"top": top, "left": left, "height": h, "width": w}
        # Fallback: the largest central crop whose aspect ratio is within range.
        in_ratio = width / height
        if in_ratio < self.ratio[0]:
            w, h = width, int(round(width / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            h, w = height, int(round(height * self.ratio[1]))
        else:
            h, w = height, width
        return {"top": (height - h) // 2, "left": (width - w) // 2, "height": h, "width": w}

    def apply(self, array, params, is_mask):
        top, left = params["top"], params["left"]
        crop = array[..., top:top + params["height"], left:left + params["width"]]
        interpolation = "nearest" if is_mask else self.interpolation
        return resize(crop, self.size, interpolation, self.antialias)
