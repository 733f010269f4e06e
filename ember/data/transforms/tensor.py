"""``ToTensor`` (HWC image -> CHW float Tensor in [0, 1]) and ``Normalize`` (per-channel standardisation)."""

import numpy as np

from ember.data.transforms.transform import Transform
from ember.tensor.tensor import Tensor

__all__ = ["ToTensor", "Normalize"]


class ToTensor:
    """Convert an ``(H, W, C)`` or ``(H, W)`` image to a ``(C, H, W)`` float32 ember Tensor.

    uint8 values in [0, 255] are divided by 255; float images keep their values (as float32);
    bool images become 0/1. Accepts NumPy arrays and anything with the array interface (a PIL
    image). Called as ``ToTensor()(image, mask)``, the mask becomes a Tensor unchanged (same
    layout and dtype: labels are not scaled).

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import ToTensor
        >>> ToTensor()(np.full((4, 5, 3), 255, np.uint8)).shape
        (3, 4, 5)
    """

    def __call__(self, *inputs):
        if not inputs:
            raise TypeError("ToTensor: expected an image to convert, got no input")
        image = _image_to_chw(_as_numpy(inputs[0], 1))
        outputs = [Tensor._make(image, False, None, 0)]
        for i, x in enumerate(inputs[1:], start=2):
            outputs.append(Tensor._make(np.ascontiguousarray(_as_numpy(x, i)), False, None, 0))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def __repr__(self):
        return "ToTensor()"


def _as_numpy(pic, position):
    if isinstance(pic, Tensor):
        raise TypeError(f"ToTensor: input {position} is already an ember Tensor; ToTensor converts HWC "
                        "NumPy arrays and PIL images, so drop it from the pipeline")
    if isinstance(pic, np.ndarray):
        return pic
    if hasattr(pic, "__array_interface__") or hasattr(pic, "__array__"):
        return np.asarray(pic)
    raise TypeError(f"ToTensor: input {position} is a {type(pic).__name__}; expected a NumPy array "
                    "(H, W, C) or (H, W), or a PIL image")


def _image_to_chw(pic):
    if pic.ndim not in (2, 3):
        raise ValueError(f"ToTensor: expected an image of shape (H, W, C) or (H, W), got shape {pic.shape}")
    chw = pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)
    if chw.dtype == np.uint8:
        return np.ascontiguousarray(chw, dtype=np.float32) / np.float32(255)
    if chw.dtype.kind in "fb":
        return np.ascontiguousarray(chw, dtype=np.float32)
    raise TypeError(f"ToTensor: images must be uint8 (0..255), float or bool, got dtype {pic.dtype}; "
                    "scale it to [0, 1] as float32 first")


class Normalize(Transform):
    """Standardise each channel: ``(x - mean[c]) / std[c]`` on a float ``(..., C, H, W)`` image.

    Args:
        mean, std: one value per channel (or one value for all).
        inplace: overwrite the input's memory instead of making a new array.

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import Normalize
        >>> Normalize([0.5], [0.25])(np.ones((1, 2, 2), np.float32)).tolist()
        [[[2.0, 2.0], [2.0, 2.0]]]
    """

    photometric = True

    def __init__(self, mean, std, inplace=False):
        self.mean = [float(m) for m in np.ravel(mean)]
        self.std = [float(s) for s in np.ravel(std)]
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}; "
                             "give one of each per channel")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std {self.std} contains a zero, which would divide by zero")
        self.inplace = inplace

    def apply(self, array, params, is_mask):
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float image, got dtype {array.dtype}; "
                            "convert it with ToTensor() first")
        if array.ndim < 3 or len(self.mean) not in (1, array.shape[-3]):
            raise ValueError(f"Normalize: {len(self.mean)} mean/std values for an image of shape "
                             f"{array.shape}; expected (..., C, H, W) with C = {len(self.mean)}")
        mean = np.asarray(self.mean, dtype=array.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=array.dtype).reshape(-1, 1, 1)
        if self.inplace:
            array -= mean
            array /= std
            return array
        return (array - mean) / std
