"""``RandomRotation`` and ``RandomAffine``: warp an image (and its masks) by one random affine map.

Every output pixel is mapped back to the input by the inverse matrix and sampled there (nearest
or bilinear), all pixels at once; pixels from outside the input take ``fill``.
"""

from numbers import Number

from ember.data.transforms._resample import (
    affine_output_size,
    affine_warp,
    check_interpolation,
    fill_for,
    inverse_affine_matrix,
)
from ember.data.transforms.transform import Transform, rng

__all__ = ["RandomRotation", "RandomAffine"]


def check_degrees(degrees, name, argument="degrees"):
    """A number d gives (-d, d); a pair is (min, max)."""
    if isinstance(degrees, Number):
        if degrees < 0:
            raise ValueError(f"{name}: {argument} as a single number must be non-negative (it gives the "
                             f"range (-{argument}, +{argument})), got {degrees}")
        return (-float(degrees), float(degrees))
    values = tuple(float(d) for d in degrees)
    if len(values) != 2 or values[0] > values[1]:
        raise ValueError(f"{name}: {argument} must be a number or a (min, max) pair, got {degrees}")
    return values


def check_center(center, name):
    if center is not None and (len(center) != 2 or not all(isinstance(c, Number) for c in center)):
        raise ValueError(f"{name}: center must be an (x, y) pair of pixel coordinates, got {center}")
    return None if center is None else (float(center[0]), float(center[1]))


def centred(center, width, height):
    """A pixel position as an offset from the image centre (the affine matrices' origin)."""
    return (0.0, 0.0) if center is None else (center[0] - width * 0.5, center[1] - height * 0.5)


class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (counter-clockwise for positive angles).

    Args:
        degrees: a number d for (-d, d), or a (min, max) pair, in degrees.
        interpolation: ``"nearest"`` (default, as torchvision) or ``"bilinear"``; masks use nearest.
        expand: grow the output to hold the whole rotated image instead of keeping its size.
        center: the (x, y) pixel to rotate about; the image centre by default.
        fill: the value of pixels that come from outside the image (one number or one per channel).

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomRotation
        >>> RandomRotation((90, 90))(np.arange(4.0).reshape(1, 2, 2)).tolist()
        [[[1.0, 3.0], [0.0, 2.0]]]
    """

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0):
        name = type(self).__name__
        self.degrees = check_degrees(degrees, name)
        self.interpolation = check_interpolation(interpolation, name)
        self.expand = bool(expand)
        self.center = check_center(center, name)
        self.fill = fill

    def make_params(self, image):
        return {"angle": float(rng().uniform(*self.degrees))}

    def apply(self, array, params, is_mask):
        h, w = array.shape[-2:]
        # The sampling grid's y axis points down, so a counter-clockwise turn is a negative angle.
        matrix = inverse_affine_matrix(centred(self.center, w, h), -params["angle"], (0.0, 0.0), 1.0,
                                       (0.0, 0.0))
        out_w, out_h = affine_output_size(matrix, w, h) if self.expand else (w, h)
        interpolation = "nearest" if is_mask else self.interpolation
        fill = fill_for(array, self.fill, is_mask, type(self).__name__)
        return affine_warp(array, matrix, (out_h, out_w), interpolation, fill)


class RandomAffine(Transform):
    """Rotate, translate, scale and shear by amounts drawn at random, keeping the image's size.

    Args:
        degrees: rotation range, a number d for (-d, d) or a (min, max) pair; 0 for none.
        translate: (a, b): the shift is drawn from (-a * width, a * width) horizontally and
            (-b * height, b * height) vertically, rounded to whole pixels.
        scale: (min, max) of the zoom factor.
        shear: a number s for an x-shear in (-s, s), a pair for an x range, or four numbers for
            x and y ranges, in degrees.
        interpolation: ``"nearest"`` (default, as torchvision) or ``"bilinear"``; masks use nearest.
        fill: the value of pixels that come from outside the image (one number or one per channel).
        center: the (x, y) pixel the map is centred on; the image centre by default.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomAffine
        >>> image = np.arange(9.0).reshape(1, 3, 3)
        >>> RandomAffine(0, translate=(0.34, 0))(image).shape
        (1, 3, 3)
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation="nearest", fill=0,
                 center=None):
        name = type(self).__name__
        self.degrees = check_degrees(degrees, name)
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"{name}: translate must be a pair of fractions in [0, 1] "
                                 f"(of width, of height), got {translate}")
        self.translate = translate
        if scale is not None:
            scale = tuple(float(s) for s in scale)
            if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
                raise ValueError(f"{name}: scale must be a (min, max) pair of positive factors, got {scale}")
        self.scale = scale
        self.shear = self._check_shear(shear, name)
        self.interpolation = check_interpolation(interpolation, name)
        self.fill = fill
        self.center = check_center(center, name)

    @staticmethod
    def _check_shear(shear, name):
        if shear is None:
            return None
        if isinstance(shear, Number):
            return check_degrees(shear, name, "shear")
        shear = tuple(float(s) for s in shear)
        if len(shear) == 2:
            return check_degrees(shear, name, "shear")
        if len(shear) == 4:
            return check_degrees(shear[:2], name, "shear") + check_degrees(shear[2:], name, "shear")
        raise ValueError(f"{name}: shear must be a number, or a sequence of 2 or 4 numbers, got {shear}")

    def make_params(self, image):
        height, width = image.shape[-2:]
        generator = rng()
        angle = float(generator.uniform(*self.degrees))
        translate = (0, 0)
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            translate = (int(round(generator.uniform(-max_dx, max_dx))),
                         int(round(generator.uniform(-max_dy, max_dy))))
        scale = 1.0 if self.scale is None else float(generator.uniform(*self.scale))
        shear = [0.0, 0.0]
        if self.shear is not None:
            shear[0] = float(generator.uniform(*self.shear[:2]))
            if len(self.shear) == 4:
                shear[1] = float(generator.uniform(*self.shear[2:]))
        return {"angle": angle, "translate": translate, "scale": scale, "shear": tuple(shear)}

    def apply(self, array, params, is_mask):
        h, w = array.shape[-2:]
        matrix = inverse_affine_matrix(centred(self.center, w, h), params["angle"], params["translate"],
                                       params["scale"], params["shear"])
        interpolation = "nearest" if is_mask else self.interpolation
        fill = fill_for(array, self.fill, is_mask, type(self).__name__)
        return affine_warp(array, matrix, (h, w), interpolation, fill)
