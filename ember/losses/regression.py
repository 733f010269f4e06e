"""Regression losses: mean squared/absolute (percentage, logarithmic) error, Huber, log-cosh and
cosine similarity, as Keras 3 defines them (each a per-sample function and a ``Loss`` class)."""

import math

import ember
from ember.losses.loss import (
    EPSILON,
    LossFunctionWrapper,
    as_prediction,
    as_target,
    check_same_shape,
    squeeze_or_expand_to_same_rank,
)

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity",
           "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity"]


def _pair(name, y_true, y_pred):
    """Both arguments as Tensors of ``y_pred``'s dtype, of one shape (Keras' rank rule first)."""
    y_pred = as_prediction(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(as_target(y_true, y_pred), y_pred)
    check_same_shape(name, y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``, one value per sample.

    Example::

        >>> import ember
        >>> ember.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])
        tensor([0.5000])
    """
    y_true, y_pred = _pair("mean_squared_error", y_true, y_pred)
    return (y_pred - y_true).square().mean(dim=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``, one value per sample."""
    y_true, y_pred = _pair("mean_absolute_error", y_true, y_pred)
    return (y_pred - y_true).abs().mean(dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)``."""
    y_true, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    return 100.0 * ((y_true - y_pred) / y_true.abs().clamp(min=EPSILON)).abs().mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_true, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    first, second = (y_pred.clamp(min=EPSILON) + 1).log(), (y_true.clamp(min=EPSILON) + 1).log()
    return (first - second).square().mean(dim=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: ``0.5 x²`` where ``|x| <= delta``, else ``delta |x| - 0.5 delta²``; mean over
    the last axis (x = y_pred - y_true).

    Example::

        >>> import ember
        >>> ember.losses.huber([[0.0, 0.0]], [[0.5, 3.0]])   # (0.125 + 2.5) / 2
        tensor([1.3125])
    """
    y_true, y_pred = _pair("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = error.abs()
    quadratic = 0.5 * error.square()
    linear = delta * abs_error - 0.5 * delta ** 2
    return ember.where(abs_error <= delta, quadratic, linear).mean(dim=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, as ``x + softplus(-2x) - log 2`` so that
    large errors do not overflow ``cosh``."""
    y_true, y_pred = _pair("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    return (error + ember.softplus(-2.0 * error) - math.log(2.0)).mean(dim=-1)


def _l2_normalize(x, axis):
    return x * x.square().sum(dim=axis, keepdim=True).clamp(min=1e-12).rsqrt()


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for aligned vectors, 0 for
    orthogonal ones (a loss: smaller is more similar)."""
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors; string ``'mse'`` / ``'mean_squared_error'``.

    Example::

        >>> import ember
        >>> ember.losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]).item()
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors; string ``'mae'`` / ``'mean_absolute_error'``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error; string ``'mape'``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error; string ``'msle'``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss with threshold ``delta`` (default 1.0); string ``'huber'``."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error; string ``'log_cosh'``."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis``; string ``'cosine_similarity'``."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
