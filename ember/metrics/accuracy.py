"""Accuracy metrics: exact match, binary (thresholded), categorical (argmax), sparse categorical
and top-k, each a per-sample NumPy function and a ``MeanMetricWrapper`` class, as in Keras."""

import numpy as np

from ember.metrics.metric import squeeze_or_expand_to_same_rank, to_numpy
from ember.metrics.reduction import MeanMetricWrapper

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "Accuracy",
           "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy"]


def _check_shapes(name, y_true, y_pred, expected):
    if y_true.shape != expected:
        raise ValueError(f"{name}: y_true of shape {y_true.shape} does not fit y_pred of shape "
                         f"{y_pred.shape}; expected y_true of shape {expected}.")


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred``, else 0.0."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(to_numpy(y_true), to_numpy(y_pred))
    _check_shapes("accuracy", y_true, y_pred, y_pred.shape)
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(to_numpy(y_true), to_numpy(y_pred))
    _check_shapes("binary_accuracy", y_true, y_pred, y_pred.shape)
    return (y_true == (y_pred > threshold)).mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of the one-hot ``y_true`` equals the argmax of ``y_pred``."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    _check_shapes("categorical_accuracy", y_true, y_pred, y_pred.shape)
    return (y_true.argmax(-1) == y_pred.argmax(-1)).astype(np.float64)


def _labels(name, y_true, y_pred):
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    _check_shapes(name, y_true, y_pred, y_pred.shape[:-1])
    return y_true, y_pred


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the argmax of ``y_pred``."""
    y_true, y_pred = _labels("sparse_categorical_accuracy", y_true, y_pred)
    return (y_true == y_pred.argmax(-1)).astype(np.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the label's score is among the ``k`` highest (ties count as in, as TF's
    ``in_top_k``: fewer than ``k`` classes score strictly higher)."""
    y_true, y_pred = _labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    target = np.take_along_axis(y_pred, y_true.astype(np.int64)[..., None], axis=-1)
    return ((y_pred > target).sum(-1) < k).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """``sparse_top_k_categorical_accuracy`` of the argmax of the one-hot ``y_true``."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    _check_shapes("top_k_categorical_accuracy", y_true, y_pred, y_pred.shape)
    return sparse_top_k_categorical_accuracy(y_true.argmax(-1), y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example::

        >>> import ember
        >>> ember.metrics.Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the binary labels.

    Example::

        >>> import ember
        >>> ember.metrics.BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions matches the one-hot labels.

    Example::

        >>> import ember
        >>> ember.metrics.CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the predictions matches the integer labels.

    Example::

        >>> import ember
        >>> ember.metrics.SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the ``k`` (default 5) highest predictions.

    Example::

        >>> import ember
        >>> ember.metrics.TopKCategoricalAccuracy(k=1)([[0, 0, 1], [0, 1, 0]],
        ...                                            [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` (default 5) highest predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
