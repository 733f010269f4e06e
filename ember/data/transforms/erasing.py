"""``RandomErasing``: blank out a random rectangle (Zhong et al., 2017, "Random Erasing Data
Augmentation")."""

import math
from numbers import Number

import numpy as np

from ember.data.transforms._resample import cast_like
from ember.data.transforms.crop import check_range
from ember.data.transforms.flip import check_probability
from ember.data.transforms.transform import Transform, rng

__all__ = ["RandomErasing"]


class RandomErasing(Transform):
    """With probability ``p``, overwrite a random rectangle of a ``(..., C, H, W)`` image.

    The rectangle's area is a fraction ``scale`` of the image's and its aspect ratio (height /
    width) is drawn log-uniformly from ``ratio``; if 10 draws do not fit, nothing is erased.

    Args:
        p: the probability of erasing.
        scale: (min, max) of the erased area as a fraction of the image's.
        ratio: (min, max) of the rectangle's aspect ratio.
        value: the fill: a number, one number per channel, or ``"random"`` (standard normal noise).
        inplace: overwrite the input's memory.

    Masks given after the image pass through unchanged (erasing changes pixels, not labels).

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomErasing
        >>> out = RandomErasing(p=1.0, scale=(0.25, 0.25), ratio=(1, 1))(np.ones((1, 4, 4)))
        >>> int((out == 0).sum())
        4
    """

    photometric = True

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        name = type(self).__name__
        self.p = check_probability(p, name)
        self.scale = check_range(scale, name, "scale")
        self.ratio = check_range(ratio, name, "ratio")
        if self.scale[0] < 0 or self.scale[1] > 1:
            raise ValueError(f"{name}: scale is a fraction of the image's area and must be within [0, 1], "
                             f"got {self.scale}")
        if self.ratio[0] <= 0:
            raise ValueError(f"{name}: ratio must be positive, got {self.ratio}")
        if isinstance(value, str):
            if value != "random":
                raise ValueError(f"{name}: value as a string must be 'random', got {value!r}")
        elif not isinstance(value, Number):
            value = tuple(float(v) for v in value)
        self.value = value
        self.inplace = bool(inplace)

    def make_params(self, image):
        generator = rng()
        if generator.random() >= self.p:
            return None
        if image.ndim < 3:
            raise ValueError(f"{type(self).__name__}: expected an image of shape (C, H, W), got shape "
                             f"{image.shape}")
        channels, height, width = image.shape[-3:]
        if isinstance(self.value, tuple) and len(self.value) not in (1, channels):
            raise ValueError(f"{type(self).__name__}: value has {len(self.value)} entries but the image has "
                             f"{channels} channels; give one number or one per channel")
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            erase_area = area * generator.uniform(*self.scale)
            aspect_ratio = math.exp(generator.uniform(*log_ratio))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < height and w < width):
                continue
            if self.value == "random":
                value = generator.standard_normal((channels, h, w), dtype=np.float32)
            else:
                value = np.asarray(self.value, dtype=np.float64).reshape(-1, 1, 1)
            top = int(generator.integers(0, height - h + 1))
            left = int(generator.integers(0, width - w + 1))
            return {"top": top, "left": left, "height": h, "width": w, "value": value}
        return None

    def apply(self, array, params, is_mask):
        out = array if self.inplace else array.copy()
        top, left = params["top"], params["left"]
        region = out[..., top:top + params["height"], left:left + params["width"]]
        region[...] = cast_like(np.broadcast_to(params["value"], region.shape), array)
        return out
