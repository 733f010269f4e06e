"""Hinge losses for maximum-margin classifiers: hinge, squared hinge and categorical hinge."""

from ember.losses.loss import (
    LossFunctionWrapper,
    as_prediction,
    as_target,
    check_same_shape,
    squeeze_or_expand_to_same_rank,
)

__all__ = ["hinge", "squared_hinge", "categorical_hinge", "Hinge", "SquaredHinge", "CategoricalHinge"]


def _signed_pair(name, y_true, y_pred):
    """Targets in {-1, 1}: Keras converts labels given in {0, 1} (all of them) to {-1, 1}."""
    y_pred = as_prediction(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_target(y_true, y_pred), y_pred)
    check_same_shape(name, y_true, y_pred)
    if ((y_true == 0) | (y_true == 1)).all().item():
        y_true = 2.0 * y_true - 1.0
    return y_true, y_pred


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)`` with labels in {-1, 1} (or {0, 1}).

    Example::

        >>> import ember
        >>> ember.losses.hinge([[0.0, 1.0]], [[0.5, 0.5]])   # (1.5 + 0.5) / 2
        tensor([1.])
    """
    y_true, y_pred = _signed_pair("hinge", y_true, y_pred)
    return (1.0 - y_true * y_pred).clamp(min=0.0).mean(dim=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(max(1 - y_true * y_pred, 0)), axis=-1)``."""
    y_true, y_pred = _signed_pair("squared_hinge", y_true, y_pred)
    return (1.0 - y_true * y_pred).clamp(min=0.0).square().mean(dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` on one-hot targets."""
    y_pred = as_prediction(y_pred)
    y_true = as_target(y_true, y_pred)
    check_same_shape("categorical_hinge", y_true, y_pred)
    positive = (y_true * y_pred).sum(dim=-1)
    negative = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return (negative - positive + 1.0).clamp(min=0.0)


class Hinge(LossFunctionWrapper):
    """Hinge loss; string ``'hinge'``."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss; string ``'squared_hinge'``."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss; string ``'categorical_hinge'``."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)
