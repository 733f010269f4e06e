"""``Loss``: the base class of Keras-style losses, and the reduction they share.

A Keras loss is called as ``loss(y_true, y_pred, sample_weight=None)``. Its ``call`` returns one
value per sample (the mean over the last axis, for the element-wise losses); the sample weights
multiply those values and the ``reduction`` turns them into a scalar:

- ``'sum_over_batch_size'`` (default, also ``'mean'``): the sum divided by the number of values
  (not by the sum of the weights, as Keras 3 does);
- ``'mean_with_sample_weight'``: the sum divided by the sum of the weights;
- ``'sum'``; ``'none'`` (or ``None``): the weighted values themselves.

Everything is computed with ember ops on ember Tensors, so the result is differentiable with
respect to ``y_pred``; NumPy arrays and lists are accepted too.
"""

import re

import numpy as np

import ember
from ember.tensor.tensor import Tensor

__all__ = ["Loss", "LossFunctionWrapper", "EPSILON", "REDUCTIONS", "reduce_weighted_values"]

EPSILON = 1e-7  # Keras' backend.epsilon(): the clip applied to probabilities
REDUCTIONS = ("sum_over_batch_size", "mean", "mean_with_sample_weight", "sum", "none", None)


def _snake_case(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def as_prediction(y_pred):
    """``y_pred`` as a floating Tensor (arrays and lists in the default dtype, as Keras' floatx)."""
    if isinstance(y_pred, Tensor):
        return y_pred if y_pred.dtype.is_floating_point else y_pred.to(ember.get_default_dtype())
    return ember.as_tensor(np.asarray(y_pred), dtype=ember.get_default_dtype())


def as_target(y_true, like, dtype=None):
    """``y_true`` as a constant Tensor in ``like``'s dtype (or ``dtype``) and on its device."""
    dtype = like.dtype if dtype is None else dtype
    if isinstance(y_true, Tensor):
        y_true = y_true.detach()
        return y_true if y_true.dtype == dtype else y_true.to(dtype)
    return ember.as_tensor(np.asarray(y_true), dtype=dtype, device=like.device)


def squeeze_or_expand_to_same_rank(x1, x2):
    """Keras' rule for ranks that differ by one through a trailing axis of size 1: ``(N,)`` with
    ``(N, 1)`` becomes ``(N, 1)`` with ``(N, 1)``; ``(N, T, 1)`` with ``(N, T)`` is squeezed."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, x2.unsqueeze(-1)) if x2.ndim == 1 else (x1.squeeze(-1), x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (x1.unsqueeze(-1), x2) if x1.ndim == 1 else (x1, x2.squeeze(-1))
    return x1, x2


def check_same_shape(name, y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{name}: y_true and y_pred must have the same shape. Received: "
                         f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}. "
                         f"Reshape the targets to the model's output shape.")


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None,
                           name="loss"):
    """Weights ``values`` by ``sample_weight`` (and ``mask``) and reduces them (see module doc)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: unknown reduction {reduction!r}; expected one of "
                         f"{', '.join(map(repr, REDUCTIONS))}.")
    if mask is not None:
        mask = as_target(mask, values)
        if reduction in ("sum_over_batch_size", "mean"):
            # Keras' apply_mask: valid entries weigh total/valid, so the mean runs over them only
            mask = mask * (mask.numel() / (mask.sum().item() + EPSILON))
        sample_weight = mask if sample_weight is None else as_target(sample_weight, values) * mask
    if sample_weight is not None:
        sample_weight = as_target(sample_weight, values)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        while sample_weight.ndim < values.ndim:  # per-sample weights for per-timestep losses
            sample_weight = sample_weight.unsqueeze(-1)
        try:
            ok = np.broadcast_shapes(tuple(values.shape), tuple(sample_weight.shape)) == tuple(values.shape)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{name}: sample_weight of shape {tuple(sample_weight.shape)} does not "
                             f"match the per-sample losses of shape {tuple(values.shape)}; give one "
                             f"weight per sample.")
        values = values * sample_weight
    if reduction in ("none", None):
        return values
    total = values.sum()
    if reduction in ("sum_over_batch_size", "mean"):
        return total / max(values.numel(), 1)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return total / (ember.broadcast_to(sample_weight, values.shape).sum() + EPSILON)
    if reduction == "mean_with_sample_weight":
        return total / max(values.numel(), 1)
    return total


class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred)`` returning one value per
    sample; ``__call__`` weights and reduces them.

    Args:
        name (str): the loss's name (default: the class name in snake_case).
        reduction (str): ``'sum_over_batch_size'`` (default), ``'sum'``, ``'none'`` ... (module doc).

    Example::

        >>> import ember
        >>> class L1(ember.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return (y_pred - y_true).abs().mean(dim=-1)
        >>> L1()([[0.0, 1.0]], [[1.0, 1.0]]).item()
        0.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: unknown reduction {reduction!r}; expected one "
                             f"of {', '.join(map(repr, REDUCTIONS))}.")
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        from ember.layers.masking import get_keras_mask

        # a prediction with a mask (a padded sequence through Masking/mask_zero): the masked
        # steps do not count, and the mean runs over the others, as in Keras
        keras_mask = get_keras_mask(y_pred) if isinstance(y_pred, Tensor) else None
        y_pred = as_prediction(y_pred)
        values, mask = self.call_with_mask(y_true, y_pred)
        if keras_mask is not None and tuple(keras_mask.shape) == tuple(values.shape[:keras_mask.ndim]):
            mask = keras_mask if mask is None else ember.logical_and(as_target(mask, values) != 0,
                                                                     keras_mask)
        return reduce_weighted_values(values, sample_weight, self.reduction, mask, name=self.name)

    def call_with_mask(self, y_true, y_pred):
        """``call``'s values and a mask of the entries that count (None: all of them)."""
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample values.

    Example::

        >>> import ember
        >>> loss = ember.losses.LossFunctionWrapper(ember.losses.mean_absolute_error, name="l1")
        >>> loss([[0.0, 2.0]], [[1.0, 1.0]]).item()
        1.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return as_prediction(self.fn(y_true, y_pred, **self._fn_kwargs))

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if cls is LossFunctionWrapper:
            raise TypeError("LossFunctionWrapper.from_config needs the function: build it with "
                            "LossFunctionWrapper(fn, **config) instead.")
        return cls(**config)
