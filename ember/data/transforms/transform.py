"""``Transform``: the base of the data transforms: one random draw per call, applied to every input.

Transforms work on single samples in CHW layout, on NumPy arrays or ember Tensors, and return the
kind they were given. Called with several inputs, ``t(image, mask)``, they draw their random
parameters once and apply the same geometry to all of them, as torchvision's v2 transforms do.
"""

import numpy as np

from ember.backend import random as _random
from ember.backend.devices import CPU, device_of, to_device_array
from ember.tensor.tensor import Tensor

__all__ = ["Transform"]


class Transform:
    """Base class: ``make_params`` draws the random parameters once, ``apply`` uses them per input.

    The first input is the image, shape ``(C, H, W)`` (or ``(..., H, W)``). Inputs after it share
    its height and width; one with an integer or bool dtype is a *mask* (a label map, ``(H, W)``
    or ``(1, H, W)``): geometric transforms resample it with nearest interpolation so that labels
    stay labels, and pad it with 0 unless ``fill`` is a single number. Photometric transforms
    (``photometric = True``: colour, noise, normalisation, erasing) change the image only and
    pass the other inputs through unchanged.

    Randomness comes from ember's default generator (``ember.manual_seed`` makes it repeatable).

    Example::

        >>> import numpy as np
        >>> from ember.data.transforms import RandomCrop
        >>> crop = RandomCrop(24, padding=4)
        >>> image, mask = crop(np.zeros((3, 32, 32), np.float32), np.zeros((32, 32), np.int64))
        >>> image.shape, mask.shape
        ((3, 24, 24), (24, 24))
    """

    photometric = False

    def __call__(self, *inputs):
        name = type(self).__name__
        if not inputs:
            raise TypeError(f"{name}: expected an image (and optionally masks) to transform, got no input")
        arrays = [to_array(x, name, i) for i, x in enumerate(inputs)]
        self._check_shapes(arrays, name)
        params = self.make_params(arrays[0])
        if params is None:  # a random-apply transform decided to leave this sample alone
            return inputs[0] if len(inputs) == 1 else inputs
        outputs = [like(self.apply(arrays[0], params, False), inputs[0])]
        for x, array in zip(inputs[1:], arrays[1:]):
            if self.photometric:
                outputs.append(x)
            else:
                outputs.append(like(self.apply(array, params, array.dtype.kind in "biu"), x))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def make_params(self, image):
        """The random parameters for one call, drawn from ``image``'s shape; None skips the call."""
        return {}

    def apply(self, array, params, is_mask):
        """Transform one NumPy ``array`` with the drawn ``params`` (``is_mask``: an integer label map)."""
        raise NotImplementedError(f"{type(self).__name__} must define apply(array, params, is_mask)")

    def _check_shapes(self, arrays, name):
        image = arrays[0]
        if image.ndim < 2:
            raise ValueError(f"{name}: expected an image of shape (C, H, W), got shape {image.shape}; "
                             "add the missing axes (e.g. x[None] for a single channel)")
        if self.photometric:
            return
        for i, a in enumerate(arrays[1:], start=2):
            if a.ndim < 2 or a.shape[-2:] != image.shape[-2:]:
                raise ValueError(f"{name}: input {i} has shape {a.shape} but the image has shape "
                                 f"{image.shape}; every input must share the image's height and width")

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def rng():
    """The NumPy generator behind ember's default generator (draw at call time, not at build time)."""
    return _random.numpy_generator(None)


def to_array(x, name, position=0):
    """The NumPy array of a NumPy array or an ember Tensor (copied to the CPU if it lives elsewhere)."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        data = x._data
        return data if isinstance(data, np.ndarray) else to_device_array(data, CPU)
    raise TypeError(f"{name}: input {position + 1} is a {type(x).__name__}; expected a NumPy array or "
                    "an ember Tensor in (C, H, W) layout (convert images with ToTensor() first)")


def like(array, reference):
    """``array`` as the kind ``reference`` is: a NumPy array, or a Tensor on ``reference``'s device."""
    if not isinstance(reference, Tensor):
        return array
    array = np.ascontiguousarray(array)
    device = device_of(reference._data)
    if device != CPU:
        array = to_device_array(array, device)
    return Tensor._make(array, False, None, 0)
