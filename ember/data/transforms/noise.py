"""``GaussianNoise``: add normal noise to a float image (torchvision v2's semantics)."""

from ember.data.transforms.transform import Transform, rng

__all__ = ["GaussianNoise"]


class GaussianNoise(Transform):
    """Add noise drawn from N(``mean``, ``sigma``^2) to every value of a float image.

    Args:
        mean: the noise's mean.
        sigma: its standard deviation (non-negative).
        clip: clip the result to [0, 1], the range of float images.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import GaussianNoise
        >>> out = GaussianNoise(sigma=0.5)(np.full((1, 8, 8), 0.5, np.float32))
        >>> bool(out.min() >= 0.0 and out.max() <= 1.0 and out.std() > 0)
        True
    """

    photometric = True

    def __init__(self, mean=0.0, sigma=0.1, clip=True):
        if sigma < 0:
            raise ValueError(f"GaussianNoise: sigma is a standard deviation and must be non-negative, "
                             f"got {sigma}")
        self.mean = float(mean)
        self.sigma = float(sigma)
        self.clip = bool(clip)

    def make_params(self, image):
        if image.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: expected a float image (values in [0, 1]), got dtype "
                            f"{image.dtype}; convert it with ToTensor() first")
        return {"noise": rng().standard_normal(image.shape, dtype=image.dtype)}

    def apply(self, array, params, is_mask):
        out = array + (self.mean + params["noise"] * self.sigma)
        if self.clip:
            out.clip(0.0, 1.0, out=out)
        return out.astype(array.dtype, copy=False)
