"""``get`` (a metric from a Keras string, class, instance or function) and ``resolve_accuracy``
(which accuracy ``'accuracy'`` means for a given loss or shapes)."""

import difflib
import inspect

from ember import losses
from ember.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
)
from ember.metrics.auc import AUC
from ember.metrics.confusion import Precision, Recall
from ember.metrics.metric import Metric
from ember.metrics.reduction import MeanMetricWrapper
from ember.metrics.regression import MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError

__all__ = ["get", "resolve_accuracy", "ALL_METRICS"]

ALL_METRICS = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "root_mean_squared_error": RootMeanSquaredError, "auc": AUC, "precision": Precision,
    "recall": Recall,
}
# losses usable as metrics by name (their mean over the samples seen), as in Keras
_LOSS_METRICS = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                 "kl_divergence", "poisson", "hinge", "squared_hinge", "categorical_hinge", "huber",
                 "log_cosh", "mean_absolute_percentage_error", "mape",
                 "mean_squared_logarithmic_error", "msle", "cosine_similarity")
_BY_CLASS_NAME = {cls.__name__: cls for cls in ALL_METRICS.values()}


def _loss_metric(name):
    loss = losses.get(name)
    return MeanMetricWrapper(lambda y_true, y_pred: loss.call(y_true, y_pred).detach().numpy(),
                             name=name)


def get(identifier):
    """A ``Metric`` from a string (``'accuracy'``, ``'mse'``, ``'auc'``, a loss name ...), a
    Metric class or instance, or a function ``fn(y_true, y_pred)`` of per-sample values (its
    mean). A metric from a string is named by it. ``'accuracy'`` gives exact-match
    ``Accuracy``; ``compile`` should call ``resolve_accuracy`` instead, as Keras picks
    binary/categorical/sparse accuracy there.

    Example::

        >>> import ember
        >>> ember.metrics.get("mae").name   # named as given: logs show 'mae'
        'mae'
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ALL_METRICS:  # named as given, so that logs show 'mae' for 'mae'
            return ALL_METRICS[identifier](name=identifier)
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
        if identifier in _LOSS_METRICS:
            return _loss_metric(identifier)
        names = sorted(set(ALL_METRICS) | set(_LOSS_METRICS))
        close = difflib.get_close_matches(identifier, names + sorted(_BY_CLASS_NAME), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown metric {identifier!r}.{hint} Valid names: {', '.join(names)} (or "
                         f"a Metric class or instance, or a function fn(y_true, y_pred)).")
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"Could not interpret metric identifier {identifier!r} of type "
                    f"{type(identifier).__name__}: give a string, a Metric class or instance, or a "
                    f"function fn(y_true, y_pred).")


def resolve_accuracy(loss=None, y_true_shape=None, y_pred_shape=None, name="accuracy"):
    """The accuracy that ``'accuracy'`` means, as Keras' ``compile`` resolves it.

    From the loss first (Keras 2's rule, exact where the loss is known): binary cross-entropy
    gives ``BinaryAccuracy`` (threshold 0 for ``from_logits=True``, an improvement on Keras,
    which thresholds logits at 0.5), categorical gives ``CategoricalAccuracy``, sparse gives
    ``SparseCategoricalAccuracy``. Otherwise from the shapes (Keras 3's rule): a last
    prediction axis of 1 is binary; labels of lower rank, or a last axis of 1 against several
    classes, are sparse; else categorical. With neither: exact-match ``Accuracy``.

    Example::

        >>> import ember
        >>> type(ember.metrics.resolve_accuracy("sparse_categorical_crossentropy")).__name__
        'SparseCategoricalAccuracy'
        >>> type(ember.metrics.resolve_accuracy(y_true_shape=(32,), y_pred_shape=(32, 10))).__name__
        'SparseCategoricalAccuracy'
    """
    if loss is not None and not isinstance(loss, str):
        loss_obj = loss
        loss = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    else:
        loss_obj = None
    if loss in ("binary_crossentropy", "BinaryCrossentropy"):
        threshold = 0.0 if getattr(loss_obj, "_fn_kwargs", {}).get("from_logits") else 0.5
        return BinaryAccuracy(name=name, threshold=threshold)
    if loss in ("categorical_crossentropy", "CategoricalCrossentropy"):
        return CategoricalAccuracy(name=name)
    if loss in ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"):
        return SparseCategoricalAccuracy(name=name)
    if y_true_shape is not None and y_pred_shape is not None:
        y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
        if y_pred_shape[-1:] == (1,):
            return BinaryAccuracy(name=name)
        if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1:] == (1,) and y_pred_shape[-1] > 1):
            return SparseCategoricalAccuracy(name=name)
        return CategoricalAccuracy(name=name)
    return Accuracy(name=name)
