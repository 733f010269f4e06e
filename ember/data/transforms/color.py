"""``ColorJitter``: random brightness, contrast, saturation and hue, in a random order."""

from numbers import Number

import numpy as np

from ember.data.transforms.transform import Transform, rng

__all__ = ["ColorJitter"]

_GRAY = np.array([0.2989, 0.587, 0.114])  # ITU-R 601-2 luma, as torchvision's rgb_to_grayscale


def _factor_range(value, name, argument, center=1.0, bound=(0.0, float("inf")), clip_at_zero=True):
    """A number v gives (center - v, center + v); a pair is (min, max) within ``bound``. None: off."""
    if value is None:
        return None
    if isinstance(value, Number):
        if value < 0:
            raise ValueError(f"{name}: {argument} as a single number must be non-negative, got {value}")
        low, high = center - float(value), center + float(value)
        if clip_at_zero:
            low = max(low, 0.0)
    else:
        values = tuple(float(v) for v in value)
        if len(values) != 2:
            raise ValueError(f"{name}: {argument} must be a number or a (min, max) pair, got {value}")
        low, high = values
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f"{name}: {argument} values should be between {bound} with min <= max, "
                         f"got {(low, high)}")
    return None if low == high == center else (low, high)


def _bound(array):
    """The brightest value of the image's dtype: 1.0 for floats, 255 for uint8."""
    return 1.0 if array.dtype.kind == "f" else float(np.iinfo(array.dtype).max)


def _blend(image, other, ratio, array):
    """``ratio * image + (1 - ratio) * other`` clipped to the dtype's range (truncated back to ints)."""
    out = np.clip(ratio * image + (1.0 - ratio) * other, 0.0, _bound(array))
    return out.astype(array.dtype)


def _grayscale(x):
    return np.tensordot(_GRAY.astype(x.dtype), x, axes=([0], [-3]))[..., None, :, :]


def _rgb_to_hsv(x):
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    gray = maxc == minc
    span = np.where(gray, 1.0, maxc - minc)  # gray pixels have no hue or saturation: avoid 0/0
    s = np.where(gray, 0.0, (maxc - minc) / np.where(maxc == 0, 1.0, maxc))
    rc, gc, bc = (maxc - r) / span, (maxc - g) / span, (maxc - b) / span
    h = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    h = np.where(gray, 0.0, (h / 6.0) % 1.0)
    return h, s, maxc


def _hsv_to_rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    sector = i.astype(np.intp) % 6
    r = np.choose(sector, [v, q, p, p, t, v])
    g = np.choose(sector, [t, v, v, q, p, p])
    b = np.choose(sector, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3)


class ColorJitter(Transform):
    """Randomly change brightness, contrast, saturation and hue, each by a factor drawn per call.

    Each argument is a number v (the factor is drawn from [max(0, 1 - v), 1 + v]; for hue from
    [-v, v], v <= 0.5) or a (min, max) pair; None or 0 leaves that property alone. The four
    adjustments run in a random order. Float images must be in [0, 1]; uint8 images in [0, 255].
    Saturation and hue need RGB (3 channels); a 1-channel image is left as it is by them.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import ColorJitter
        >>> image = np.full((3, 2, 2), 0.5, np.float32)
        >>> float(ColorJitter(brightness=(2.0, 2.0))(image).max())
        1.0
    """

    photometric = True

    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None):
        name = type(self).__name__
        self.brightness = _factor_range(brightness, name, "brightness")
        self.contrast = _factor_range(contrast, name, "contrast")
        self.saturation = _factor_range(saturation, name, "saturation")
        self.hue = _factor_range(hue, name, "hue", center=0.0, bound=(-0.5, 0.5), clip_at_zero=False)

    def make_params(self, image):
        generator = rng()
        order = generator.permutation(4)
        factors = [None if r is None else float(generator.uniform(*r))
                   for r in (self.brightness, self.contrast, self.saturation, self.hue)]
        return {"order": order, "factors": factors}

    def apply(self, array, params, is_mask):
        channels = array.shape[-3] if array.ndim >= 3 else 0
        if (self.saturation or self.hue) and channels not in (1, 3):
            raise ValueError(f"{type(self).__name__}: saturation and hue need an RGB image (3 channels, "
                             f"or 1 to leave it alone), got shape {array.shape}")
        if self.contrast and array.ndim < 3:
            raise ValueError(f"{type(self).__name__}: expected an image of shape (C, H, W), got shape "
                             f"{array.shape}")
        for index in params["order"]:
            factor = params["factors"][index]
            if factor is not None:
                array = _ADJUSTMENTS[index](array, factor)
        return array


def adjust_brightness(array, factor):
    """Scale every value by ``factor`` (0 gives black)."""
    return _blend(array.astype(np.float32 if array.dtype.kind != "f" else array.dtype), 0.0, factor, array)


def adjust_contrast(array, factor):
    """Blend with the image's mean gray level (0 gives a uniform gray image)."""
    x = array if array.dtype.kind == "f" else array.astype(np.float32)
    gray = _grayscale(x) if x.shape[-3] == 3 else x
    if array.dtype.kind != "f":
        gray = np.floor(gray)
    mean = gray.mean(axis=(-3, -2, -1), keepdims=True)
    return _blend(x, mean, factor, array)


def adjust_saturation(array, factor):
    """Blend with the grayscale image (0 gives gray, 2 doubles the saturation)."""
    if array.shape[-3] == 1:
        return array
    x = array if array.dtype.kind == "f" else array.astype(np.float32)
    gray = _grayscale(x) if array.dtype.kind == "f" else np.floor(_grayscale(x))
    return _blend(x, gray, factor, array)


def adjust_hue(array, factor):
    """Rotate the hue by ``factor`` turns (in [-0.5, 0.5]) in HSV space."""
    if array.shape[-3] == 1:
        return array
    bound = _bound(array)
    h, s, v = _rgb_to_hsv(array if array.dtype.kind == "f" else array.astype(np.float32) / np.float32(bound))
    rgb = _hsv_to_rgb((h + factor) % 1.0, s, v)
    if array.dtype.kind == "f":
        return rgb.astype(array.dtype)
    return (rgb * (bound + 1.0 - 1e-3)).astype(array.dtype)  # torchvision's float -> int rescaling


_ADJUSTMENTS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
