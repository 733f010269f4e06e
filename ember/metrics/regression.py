"""Regression metrics: mean squared / absolute error and the root mean squared error."""

import numpy as np

from ember.metrics.reduction import Mean, MeanMetricWrapper

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError"]


def _squared_error(y_true, y_pred):
    return np.square(y_pred - y_true).mean(axis=-1)


def _absolute_error(y_true, y_pred):
    return np.abs(y_pred - y_true).mean(axis=-1)


class MeanSquaredError(MeanMetricWrapper):
    """Mean squared error over all samples seen; string ``'mse'``.

    Example::

        >>> import ember
        >>> ember.metrics.MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean absolute error over all samples seen; string ``'mae'``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(MeanSquaredError):
    """Square root of the mean squared error over all samples seen.

    Example::

        >>> import ember
        >>> ember.metrics.RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def result(self):
        return float(np.sqrt(Mean.result(self)))
