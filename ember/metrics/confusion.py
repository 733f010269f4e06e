"""Thresholded confusion counts, and the metrics read from them: ``Precision`` and ``Recall``."""

import numpy as np

from ember.metrics.metric import Metric, squeeze_or_expand_to_same_rank, to_numpy

__all__ = ["confusion_counts", "Precision", "Recall"]


def confusion_counts(name, y_true, y_pred, thresholds, sample_weight=None, class_id=None, top_k=None):
    """Weighted (tp, fp, tn, fn), one per threshold, counting ``y_pred > threshold`` as positive.

    ``y_true`` holds binary labels of ``y_pred``'s shape; ``class_id`` keeps one class column,
    ``top_k`` only the ``k`` highest predictions of each sample (as Keras).
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(to_numpy(y_true), to_numpy(y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true and y_pred must have the same shape. Received: "
                         f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}.")
    weight = np.ones_like(y_pred) if sample_weight is None else to_numpy(sample_weight)
    weight = weight.reshape(weight.shape + (1,) * (y_pred.ndim - weight.ndim))
    try:
        weight = np.broadcast_to(weight, y_pred.shape)
    except ValueError:
        raise ValueError(f"{name}: sample_weight of shape {to_numpy(sample_weight).shape} does not "
                         f"match y_pred of shape {y_pred.shape}.") from None
    if top_k is not None:  # predictions outside the top k never count as positive
        kth = np.sort(y_pred, axis=-1)[..., -top_k][..., None]
        y_pred = np.where(y_pred >= kth, y_pred, -np.inf)
    if class_id is not None:
        y_true, y_pred, weight = y_true[..., class_id], y_pred[..., class_id], weight[..., class_id]
    positive = y_pred.reshape(1, -1) > np.asarray(thresholds, dtype=np.float64).reshape(-1, 1)
    label = y_true.reshape(1, -1).astype(bool)
    weight = weight.reshape(1, -1)
    return ((weight * (positive & label)).sum(1), (weight * (positive & ~label)).sum(1),
            (weight * (~positive & ~label)).sum(1), (weight * (~positive & label)).sum(1))


class _ThresholdMetric(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self._scalar = thresholds is None or np.ndim(thresholds) == 0
        self.thresholds = np.atleast_1d(0.5 if thresholds is None else np.asarray(thresholds, float))
        if not ((self.thresholds >= 0) & (self.thresholds <= 1)).all():
            raise ValueError(f"{type(self).__name__}: thresholds must lie in [0, 1]. Received: "
                             f"thresholds={thresholds}.")
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(n), np.zeros(n)
        self.false_negatives = np.zeros(n)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, _, fn = confusion_counts(self.name, y_true, y_pred, self.thresholds, sample_weight,
                                         self.class_id, self.top_k)
        self.true_positives += tp
        self.false_positives += fp
        self.false_negatives += fn

    def _ratio(self, denominator_extra):
        denominator = self.true_positives + denominator_extra
        value = np.divide(self.true_positives, denominator, out=np.zeros_like(denominator),
                          where=denominator > 0)
        return float(value[0]) if self._scalar else value

    def get_config(self):
        thresholds = float(self.thresholds[0]) if self._scalar else self.thresholds.tolist()
        return {**super().get_config(), "thresholds": thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """Precision ``tp / (tp + fp)`` of ``y_pred > threshold`` (default 0.5); a list of thresholds
    gives an array of precisions.

    Example::

        >>> import ember
        >>> ember.metrics.Precision()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    def result(self):
        return self._ratio(self.false_positives)


class Recall(_ThresholdMetric):
    """Recall ``tp / (tp + fn)`` of ``y_pred > threshold`` (default 0.5).

    Example::

        >>> import ember
        >>> ember.metrics.Recall()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    def result(self):
        return self._ratio(self.false_negatives)
