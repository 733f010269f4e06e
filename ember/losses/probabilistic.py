"""Probabilistic losses: binary, categorical and sparse categorical cross-entropy, KL divergence
and Poisson, as Keras 3 defines them.

With ``from_logits=False`` probabilities are clipped to ``[1e-7, 1 - 1e-7]`` (Keras' epsilon)
before the log, and categorical predictions are first renormalised to sum to one along ``axis``.
With ``from_logits=True`` the losses go through ``logsigmoid`` / ``log_softmax``, finite for logits
of any size. Unlike Keras, which clips silently, probabilities that cannot be probabilities (below
0, or above 1 for the binary loss) raise an error that suggests ``from_logits=True``.
"""

import warnings

import ember
from ember.losses.loss import (
    EPSILON,
    Loss,
    LossFunctionWrapper,
    as_prediction,
    as_target,
    check_same_shape,
    squeeze_or_expand_to_same_rank,
)

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "kl_divergence", "poisson", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "KLDivergence", "Poisson"]


def _check_probabilities(name, y_pred, upper):
    low, high = y_pred.min().item(), y_pred.max().item()
    if low < 0 or (upper and high > 1):
        bounds = "[0, 1]" if upper else "[0, inf)"
        raise ValueError(f"{name}: y_pred holds values outside {bounds} (min {low:.4g}, max "
                         f"{high:.4g}) but from_logits=False. If the model outputs logits (no "
                         f"sigmoid/softmax), pass from_logits=True.")


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``; labels are smoothed towards 0.5.

    Example::

        >>> import ember
        >>> ember.losses.binary_crossentropy([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
        tensor([0.9163, 0.7136])
    """
    y_pred = as_prediction(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_target(y_true, y_pred), y_pred)
    check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = -(y_true * ember.logsigmoid(y_pred) + (1.0 - y_true) * ember.logsigmoid(-y_pred))
    else:
        _check_probabilities("binary_crossentropy", y_pred, upper=True)
        p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
        bce = -(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log())
    return bce.mean(dim=axis)


def _log_probabilities(name, y_pred, from_logits, axis):
    if from_logits:
        return ember.log_softmax(y_pred, axis)
    _check_probabilities(name, y_pred, upper=False)
    y_pred = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return y_pred.clamp(EPSILON, 1.0 - EPSILON).log()


def _check_classes(name, y_pred, axis):
    if y_pred.ndim == 0 or y_pred.shape[axis] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
                      f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider "
                      f"using 'binary_crossentropy' if you only have 2 classes.", UserWarning,
                      stacklevel=3)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predicted class scores along ``axis``;
    label smoothing moves ``label_smoothing / num_classes`` of mass onto every class.

    Example::

        >>> import ember
        >>> ember.losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
        ...                                       [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        tensor([0.0513, 2.3026])
    """
    y_pred = as_prediction(y_pred)
    y_true = as_target(y_true, y_pred)
    check_same_shape("categorical_crossentropy", y_true, y_pred)
    _check_classes("categorical_crossentropy", y_pred, axis)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    log_p = _log_probabilities("categorical_crossentropy", y_pred, from_logits, axis)
    return -(y_true * log_p).sum(dim=axis)


def _sparse_with_mask(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample sparse cross-entropy, and the mask of labels that count (None: all)."""
    name = "sparse_categorical_crossentropy"
    y_pred = as_prediction(y_pred)
    labels = as_target(y_true, y_pred, dtype=ember.int64)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    y_pred = ember.moveaxis(y_pred, axis, -1)
    if tuple(labels.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"{name}: y_true must hold one integer class index per sample, of shape "
                         f"{tuple(y_pred.shape[:-1])} for y_pred of shape {tuple(y_pred.shape)}. "
                         f"Received: y_true.shape={tuple(labels.shape)}. For one-hot targets use "
                         f"categorical_crossentropy.")
    mask = None if ignore_class is None else labels != ignore_class
    if mask is not None:
        labels = ember.where(mask, labels, 0)
    num_classes = y_pred.shape[-1]
    if labels.numel() and (labels.min().item() < 0 or labels.max().item() >= num_classes):
        raise ValueError(f"{name}: labels must lie in [0, {num_classes}) for y_pred with "
                         f"{num_classes} classes. Received labels from {labels.min().item()} to "
                         f"{labels.max().item()}.")
    log_p = _log_probabilities(name, y_pred, from_logits, -1)
    values = -ember.gather(log_p, -1, labels.unsqueeze(-1)).squeeze(-1)
    if mask is not None:
        values = values * mask.to(values.dtype)
    return values, mask


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy between integer labels ``(N, ...)`` and class scores ``(N, ..., C)``; labels
    equal to ``ignore_class`` give 0 (and the ``Loss`` class leaves them out of the mean).

    Example::

        >>> import ember
        >>> ember.losses.sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
        tensor([0.0513, 2.3026])
    """
    return _sparse_with_mask(y_true, y_pred, from_logits, ignore_class, axis)[0]


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[1e-7, 1]``."""
    y_pred = as_prediction(y_pred)
    y_true = as_target(y_true, y_pred)
    check_same_shape("kl_divergence", y_true, y_pred)
    y_true, y_pred = y_true.clamp(EPSILON, 1.0), y_pred.clamp(EPSILON, 1.0)
    return (y_true * (y_true / y_pred).log()).sum(dim=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``."""
    y_pred = as_prediction(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_target(y_true, y_pred), y_pred)
    check_same_shape("poisson", y_true, y_pred)
    return (y_pred - y_true * (y_pred + EPSILON).log()).mean(dim=-1)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy; string ``'binary_crossentropy'``.

    Args:
        from_logits (bool): ``y_pred`` are logits (default False: probabilities).
        label_smoothing (float): in [0, 1]; targets become ``y (1 - s) + 0.5 s``.
        axis (int): the axis the per-sample mean runs over (default -1).

    Example::

        >>> import ember
        >>> bce = ember.losses.BinaryCrossentropy(from_logits=True)
        >>> round(bce([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8]).item(), 3)
        0.865
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        _check_smoothing("BinaryCrossentropy", label_smoothing)
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy on one-hot targets; string ``'categorical_crossentropy'``.

    Example::

        >>> import ember
        >>> cce = ember.losses.CategoricalCrossentropy()
        >>> round(cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).item(), 4)
        1.1769
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        _check_smoothing("CategoricalCrossentropy", label_smoothing)
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(Loss):
    """Categorical cross-entropy on integer labels; string ``'sparse_categorical_crossentropy'``.
    Labels equal to ``ignore_class`` (e.g. padding) count neither in the sum nor in the mean.

    Example::

        >>> import ember
        >>> scce = ember.losses.SparseCategoricalCrossentropy()
        >>> round(scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).item(), 4)
        1.1769
    """

    def __init__(self, from_logits=False, ignore_class=None, axis=-1,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def call_with_mask(self, y_true, y_pred):
        return _sparse_with_mask(y_true, y_pred, self.from_logits, self.ignore_class, self.axis)

    def call(self, y_true, y_pred):
        return self.call_with_mask(y_true, y_pred)[0]

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence; strings ``'kl_divergence'`` / ``'kld'``."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss; string ``'poisson'``."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


def _check_smoothing(name, label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must lie in [0, 1]. Received: "
                         f"label_smoothing={label_smoothing}.")
