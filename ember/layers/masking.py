"""Keras masks: which time steps of a sequence are real data (True) and which are padding (False).

A mask travels with the tensor it describes, as Keras' ``tensor._keras_mask``: a layer that makes
one (``Embedding(mask_zero=True)``, ``Masking``) attaches it to its output, ``Layer.__call__``
hands the mask attached to a layer's input to ``call(..., mask=)`` and attaches
``compute_mask(inputs, mask)`` to the outputs of a layer with ``supports_masking``. So masks
flow through Sequential and Functional models without their help. ember's ``Tensor`` has
``__slots__``, so the masks live in a table keyed by the tensor's identity, each entry removed
when its tensor is freed.
"""

import numpy as np

import ember
from ember.layers._weak import IdentityTable
from ember.tensor.tensor import Tensor

__all__ = ["get_keras_mask", "set_keras_mask", "mask_of", "as_mask"]

_MASKS = IdentityTable()  # tensor -> its mask


def set_keras_mask(x, mask):
    """Attach ``mask`` (a bool Tensor, or None to detach) to the tensor ``x``."""
    if mask is None:
        _MASKS.pop(x)
    else:
        _MASKS[x] = mask


def get_keras_mask(x):
    """The mask attached to ``x`` (None when it has none)."""
    return _MASKS.get(x)


def mask_of(inputs):
    """The mask of ``inputs``: one tensor's, or a list (one per tensor) for a list of tensors;
    None when no tensor has one."""
    if isinstance(inputs, (list, tuple)):
        masks = [get_keras_mask(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return get_keras_mask(inputs)


def as_mask(mask, like):
    """``mask`` (a Tensor, NumPy array or nested list) as a bool Tensor on ``like``'s device."""
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)) and mask and (mask[0] is None or isinstance(mask[0], Tensor)):
        return [as_mask(m, like) for m in mask]  # one mask per input tensor
    if not isinstance(mask, Tensor):
        device = (like[0] if isinstance(like, (list, tuple)) else like).device
        mask = ember.tensor(np.asarray(mask, dtype=bool), device=device)
    elif mask.dtype != ember.bool:
        mask = ember.ne(mask, 0)
    return mask
