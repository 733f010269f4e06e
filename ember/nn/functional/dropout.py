"""Dropout: zero random elements (dropout), whole channels (dropout1d/2d/3d), or keep SELU's
statistics (alpha_dropout, and feature_alpha_dropout on whole channels), in training only.

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

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

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


def _channel_dropout(op, input, p, training, inplace, channel_dim):
    """Dropout of whole channels: one draw per ``input[..., c]`` up to ``channel_dim``."""
    if not training or p == 0:
        return input
    mask = _keep_mask(input.shape[:channel_dim + 1] + (1,) * (input.ndim - channel_dim - 1), p,
                      input._data)
    if p < 1:
        mask *= 1 / (1 - p)
    return _affine(op, input, mask, None, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``input`` (N, C, L) or (C, L) with probability ``p`` and scale the
    others by ``1 / (1 - p)``; the identity when not ``training``.

    >>> y = F.dropout1d(ember.ones(2, 3, 4))
    >>> bool((y == y[:, :, :1]).all())
    True
    """
    _check("dropout1d", input, p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input "
                           f"of shape {shape_str(input.shape)}. Note that dropout1d exists to provide "
                           "channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout("dropout1d", input, p, training, inplace, input.ndim - 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``input`` (N, C, D, H, W) or (C, D, H, W) with probability ``p`` and
    scale the others by ``1 / (1 - p)``; the identity when not ``training``."""
    _check("dropout3d", input, p)
    if input.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expects an input of shape (N, C, D, H, W) or (C, D, H, W), got "
                         f"{shape_str(input.shape)}; use dropout for other shapes")
    return _channel_dropout("dropout3d", input, p, training, inplace, input.ndim - 4)


def _alpha_affine(keep, p):
    """Turn the 0/1 ``keep`` mask into ``(scale, shift)`` of alpha dropout (in place)."""
    alpha = _SELU_NEG_SATURATION
    a = ((1 - p) * (1 + p * alpha * alpha)) ** -0.5
    b = -a * alpha * p
    # a * (x * keep + alpha * (1 - keep)) + b = x * (a * keep) + (a * alpha * (1 - keep) + b)
    shift = (1 - keep) * (a * alpha)
    shift += b
    keep *= a
    return keep, shift


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
    return _affine("alpha_dropout", input, *_alpha_affine(keep, p), inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (see ``alpha_dropout``) of whole channels: every ``input[n, c]`` of an input
    (N, C, *) is kept or set to SELU's saturation value as a whole. The identity when not
    ``training`` (the default, as PyTorch).

    >>> y = F.feature_alpha_dropout(ember.zeros(2, 3, 4), training=True)
    >>> bool((y == y[:, :, :1]).all())
    True
    """
    _check("feature_alpha_dropout", input, p)
    if input.ndim < 2:
        raise RuntimeError(f"feature_alpha_dropout: Feature dropout requires at least 2 dimensions "
                           f"in the input (N, C, *), got shape {shape_str(input.shape)}")
    if not training or p == 0:
        return input
    keep = _keep_mask(input.shape[:2] + (1,) * (input.ndim - 2), p, input._data)
    if p == 1:
        return _affine("feature_alpha_dropout", input, keep, None, inplace)
    return _affine("feature_alpha_dropout", input, *_alpha_affine(keep, p), inplace)
