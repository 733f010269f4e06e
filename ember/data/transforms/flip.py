"""``RandomHorizontalFlip`` and ``RandomVerticalFlip``: mirror an image (and its masks) with probability p."""

import numpy as np

from ember.data.transforms.transform import Transform, rng

__all__ = ["RandomHorizontalFlip", "RandomVerticalFlip"]


def check_probability(p, name):
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name}: p is the probability of applying the transform and must be in "
                         f"[0, 1], got {p}")
    return float(p)


class RandomHorizontalFlip(Transform):
    """Mirror left-right (the last axis) with probability ``p``.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomHorizontalFlip
        >>> RandomHorizontalFlip(p=1.0)(np.array([[[1, 2, 3]]])).tolist()
        [[[3, 2, 1]]]
    """

    axis = -1

    def __init__(self, p=0.5):
        self.p = check_probability(p, type(self).__name__)

    def make_params(self, image):
        return None if rng().random() >= self.p else {}

    def apply(self, array, params, is_mask):
        return np.flip(array, axis=self.axis).copy()


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom (the height axis) with probability ``p``.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomVerticalFlip
        >>> RandomVerticalFlip(p=1.0)(np.array([[[1], [2]]])).tolist()
        [[[2], [1]]]
    """

    axis = -2
