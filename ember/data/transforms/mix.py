"""Batch-level ``MixUp`` and ``CutMix``: blend each sample with its neighbour in the batch.

MixUp (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization") averages two images;
CutMix (Yun et al., 2019) pastes a box of one into the other. The labels are mixed in the same
proportion, so they come out as soft labels ``(N, num_classes)``. As in torchvision v2, sample
``i`` is mixed with sample ``i - 1`` (the batch rolled by one) and one ``lam`` is drawn per batch
from Beta(alpha, alpha). Use them after batching, e.g. in a DataLoader's ``collate_fn``.
"""

import math

import numpy as np

from ember.data.transforms.transform import like, rng, to_array

__all__ = ["MixUp", "CutMix"]


class _MixBase:
    def __init__(self, alpha=1.0, num_classes=None):
        name = type(self).__name__
        if not float(alpha) > 0:
            raise ValueError(f"{name}: alpha is the Beta distribution's parameter and must be positive, "
                             f"got {alpha}")
        if num_classes is not None and (int(num_classes) != num_classes or num_classes < 1):
            raise ValueError(f"{name}: num_classes must be a positive int, got {num_classes}")
        self.alpha = float(alpha)
        self.num_classes = None if num_classes is None else int(num_classes)

    def __call__(self, *inputs):
        """``mix(images, labels)`` or ``mix((images, labels))`` -> ``(images, soft_labels)``."""
        name = type(self).__name__
        if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
            inputs = tuple(inputs[0])
        if len(inputs) != 2:
            raise TypeError(f"{name}: expected (images, labels), got {len(inputs)} inputs")
        images, labels = inputs
        x, y = to_array(images, name, 0), to_array(labels, name, 1)
        y = self._soft_labels(y, x, name)
        lam = float(rng().beta(self.alpha, self.alpha))
        mixed_images, lam = self.mix(x, lam)
        mixed_labels = lam * y + (1.0 - lam) * np.roll(y, 1, axis=0)
        return like(mixed_images, images), like(mixed_labels.astype(np.float32), labels)

    def _soft_labels(self, y, x, name):
        if x.ndim != 4:
            raise ValueError(f"{name}: expected a batch of images (N, C, H, W), got shape {x.shape}")
        if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
            raise ValueError(f"{name}: labels of shape {y.shape} do not match the {x.shape[0]} images; "
                             "expected class indices (N,) or probabilities (N, num_classes)")
        if y.ndim == 2:
            if self.num_classes is not None and y.shape[1] != self.num_classes:
                raise ValueError(f"{name}: labels have {y.shape[1]} classes but num_classes is "
                                 f"{self.num_classes}")
            return y.astype(np.float32)
        if y.dtype.kind not in "iu":
            raise TypeError(f"{name}: class-index labels must be integers, got dtype {y.dtype}")
        if self.num_classes is None:
            raise ValueError(f"{name}: labels are class indices, so pass num_classes= to one-hot encode "
                             "them (or give one-hot labels of shape (N, num_classes))")
        if y.size and (y.min() < 0 or y.max() >= self.num_classes):
            raise ValueError(f"{name}: labels must be in [0, {self.num_classes}), got values from "
                             f"{y.min()} to {y.max()}")
        return np.eye(self.num_classes, dtype=np.float32)[y]

    def mix(self, images, lam):
        """The mixed images and the fraction of each image that is its own."""
        raise NotImplementedError(f"{type(self).__name__} must define mix(images, lam)")

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha}, num_classes={self.num_classes})"


class MixUp(_MixBase):
    """Replace each image by ``lam * image + (1 - lam) * previous_image`` (and its label likewise).

    Args:
        alpha: the Beta(alpha, alpha) parameter of ``lam``'s distribution.
        num_classes: the number of classes, to one-hot encode class-index labels.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import MixUp
        >>> images, labels = np.ones((4, 3, 8, 8), np.float32), np.array([0, 1, 2, 3])
        >>> mixed, soft = MixUp(num_classes=10)(images, labels)
        >>> mixed.shape, soft.shape, bool(np.allclose(soft.sum(axis=1), 1))
        ((4, 3, 8, 8), (4, 10), True)
    """

    def mix(self, images, lam):
        x = images if images.dtype.kind == "f" else images.astype(np.float32)
        mixed = lam * x + (1.0 - lam) * np.roll(x, 1, axis=0)
        if images.dtype.kind == "f":
            return mixed.astype(images.dtype, copy=False), lam
        return np.rint(mixed).astype(images.dtype), lam


class CutMix(_MixBase):
    """Paste a random box of the previous image into each image; labels mix by the box's area.

    The box is centred on a uniform random pixel with sides ``sqrt(1 - lam)`` times the image's,
    clipped at the borders; the label weight is the fraction of the image left unpasted.

    Args:
        alpha: the Beta(alpha, alpha) parameter of ``lam``'s distribution.
        num_classes: the number of classes, to one-hot encode class-index labels.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import CutMix
        >>> images = np.arange(2.0).reshape(2, 1, 1, 1) * np.ones((2, 1, 4, 4))
        >>> mixed, soft = CutMix(num_classes=2)(images, np.array([0, 1]))
        >>> bool(np.allclose(soft[0, 0], (mixed[0] == 0).mean()))
        True
    """

    def mix(self, images, lam):
        height, width = images.shape[-2:]
        generator = rng()
        cx, cy = int(generator.integers(width)), int(generator.integers(height))
        r = 0.5 * math.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1, y1 = max(cx - half_w, 0), max(cy - half_h, 0)
        x2, y2 = min(cx + half_w, width), min(cy + half_h, height)
        mixed = images.copy()
        mixed[..., y1:y2, x1:x2] = np.roll(images, 1, axis=0)[..., y1:y2, x1:x2]
        return mixed, 1.0 - (x2 - x1) * (y2 - y1) / (width * height)
