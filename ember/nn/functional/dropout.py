"""Dropout: zero random elements (dropout), whole channels (dropout2d), or keep SELU's
statistics (alpha_dropout), in training only.

Masks are drawn from ember's seeded generator (``ember.manual_seed`` makes them reproducible)
on the CPU and moved to the input's device, like every other draw in ember.
"""

import warnings

import numpy as np

from ember.backend import random as _random
from ember.backend.devices import device_of, to_device_array
from ember.ops._util import shape_str
from ember.ops.inplace import inplace as _inplace
from ember.tensor.tensor import Tensor

__all__ = ["dropout", "dropout2d", "alpha_dropout"]

_SELU_NEG_SATURATION = -1.7580993408473766  # -scale * alpha of SELU: where it saturates


def _check(op, input, p):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if input._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {input.dtype} (shape "
                        f"{shape_str(input.shape)}); convert it with .float()")


def _keep_mask(shape, p, like):
    """A 0/1 array of ``shape`` in ``like``'s dtype and device: 1 with probability ``1 - p``."""
    draw = _random.numpy_generator(None).random(shape, dtype=np.float32)
    mask = (draw >= np.float32(p)).astype(like.dtype)
    if not isinstance(like, np.ndarray):
        mask = to_device_array(mask, device_of(like))
    return mask


def _const(array):
    return Tensor._make(array, False, None, 0)


def _affine(op, input, scale, shift, inplace):
    """``input * scale (+ shift)`` with constant arrays, written into ``input`` if ``inplace``."""
    scale = _const(scale)
    shift = None if shift is None else _const(shift)
    compute = (lambda x: x * scale) if shift is None else (lambda x: x * scale + shift)
    if inplace:
        return _inplace(input, op + "_", compute)
    return compute(input)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``, so that the
    expected value is unchanged; the identity when not ``training``.

    >>> y = F.dropout(ember.ones(1000), p=0.2)
    >>> sorted(set(y.tolist()))
    [0.0, 1.25]
    """
    _check("dropout", input, p)
    if not training or p == 0:
        return input
    mask = _keep_mask(input.shape, p, input._data)
    if p < 1:
        mask *= 1 / (1 - p)
    return _affine("dropout", input, mask, None, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (each ``input[n, c]`` feature map) with probability ``p`` and scale the
    others by ``1 / (1 - p)``; the identity when not ``training``.

    Args:
        input: ``(N, C, H, W)``. A 3-D input is read as ``(N, C, L)`` (channel-wise 1-D dropout)
            with PyTorch's warning.
    """
    _check("dropout2d", input, p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expects an input of shape (N, C, H, W), got "
                         f"{shape_str(input.shape)}; use dropout for other shapes")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", UserWarning, stacklevel=2)
    if not training or p == 0:
        return input
    mask = _keep_mask(input.shape[:2] + (1,) * (input.ndim - 2), p, input._data)
    if p < 1:
        mask *= 1 / (1 - p)
    return _affine("dropout2d", input, mask, None, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for self-normalising networks (SELU): dropped elements are set to SELU's
    saturation value and an affine correction keeps zero mean and unit variance
    (Klambauer et al., 2017). The identity when not ``training`` (the default, as PyTorch)."""
    _check("alpha_dropout", input, p)
    if not training or p == 0:
        return input
    keep = _keep_mask(input.shape, p, input._data)
    if p == 1:
        return _affine("alpha_dropout", input, keep, None, inplace)
    alpha = _SELU_NEG_SATURATION
    a = ((1 - p) * (1 + p * alpha * alpha)) ** -0.5
    b = -a * alpha * p
    # a * (x * keep + alpha * (1 - keep)) + b = x * (a * keep) + (a * alpha * (1 - keep) + b)
    shift = (1 - keep) * (a * alpha)
    shift += b
    keep *= a
    return _affine("alpha_dropout", input, keep, shift, inplace)
