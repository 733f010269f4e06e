"""``AUC``: the area under the ROC or precision-recall curve, from confusion counts at fixed
thresholds, with Keras' Riemann sums (and Davis & Goadrich's interpolation for PR)."""

import numpy as np

from ember.metrics.confusion import confusion_counts
from ember.metrics.metric import Metric, to_numpy

__all__ = ["AUC"]

_EPSILON = 1e-7


def _divide(a, b):
    return np.divide(a, b, out=np.zeros_like(np.asarray(a, dtype=np.float64)), where=b != 0)


class AUC(Metric):
    """Approximate area under the ROC (``curve='ROC'``) or precision-recall (``'PR'``) curve.

    Predictions are compared with ``num_thresholds`` thresholds spread evenly over [0, 1] (plus
    one just below 0 and one just above 1, as Keras); the area is a Riemann sum over them:
    ``summation_method='interpolation'`` (trapezoids for ROC; for PR the interpolation of Davis
    & Goadrich, 2006, "The Relationship Between Precision-Recall and ROC Curves"),
    ``'minoring'`` or ``'majoring'``.

    Args:
        num_thresholds (int): > 1 (default 200). curve (str): 'ROC' or 'PR'.
        summation_method (str): see above. thresholds (list): explicit thresholds instead.
        multi_label (bool): one curve per label column, averaged (default False: all flattened).
        from_logits (bool): apply a sigmoid to ``y_pred`` first.

    Example::

        >>> import ember
        >>> ember.metrics.AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR'. Received: curve={curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring'. Received: summation_method={summation_method!r}.")
        if thresholds is not None:
            inner = np.sort(np.asarray(thresholds, dtype=np.float64))
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1. Received: "
                                 f"num_thresholds={num_thresholds}.")
            inner = np.array([(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)])
        self.thresholds = np.concatenate([[0.0 - _EPSILON], inner, [1.0 + _EPSILON]])
        self.num_thresholds, self.curve, self.summation_method = num_thresholds, curve, summation_method
        self.multi_label, self.from_logits = multi_label, from_logits
        self.label_weights = None if label_weights is None else to_numpy(label_weights)
        self._num_labels = num_labels
        super().__init__(name=name or "auc", dtype=dtype)

    def reset_state(self):
        shape = (self.num_thresholds,) + ((self._num_labels,) if self.multi_label and self._num_labels
                                         else ())
        self.true_positives, self.false_positives = np.zeros(shape), np.zeros(shape)
        self.true_negatives, self.false_negatives = np.zeros(shape), np.zeros(shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_numpy(y_pred)
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        if not self.multi_label:
            counts = confusion_counts(self.name, y_true, y_pred, self.thresholds, sample_weight)
        else:  # one column of counts per label (the last axis)
            y_true = to_numpy(y_true)
            if self._num_labels is None:
                self._num_labels = y_pred.shape[-1]
                self.reset_state()
            weight = None if sample_weight is None else to_numpy(sample_weight)
            per_label = [confusion_counts(self.name, y_true[..., j], y_pred[..., j], self.thresholds,
                                          weight) for j in range(y_pred.shape[-1])]
            counts = [np.stack([c[i] for c in per_label], axis=-1) for i in range(4)]
        self.true_positives += counts[0]
        self.false_positives += counts[1]
        self.true_negatives += counts[2]
        self.false_negatives += counts[3]

    def _interpolate_pr_auc(self):
        tp, fp, fn, n = self.true_positives, self.false_positives, self.false_negatives, self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = _divide(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[: n - 1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide(p[: n - 1], np.maximum(p[1:], 0)), 1.0)
        return _divide(slope * (dtp + intercept * np.log(np.where(ratio > 0, ratio, 1.0))),
                       np.maximum(tp[1:] + fn[1:], 0))

    def result(self):
        n = self.num_thresholds
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._interpolate_pr_auc()
        else:
            recall = _divide(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide(fp, fp + tn), recall
            else:
                x, y = recall, _divide(tp, tp + fp)
            reduce = {"interpolation": lambda a, b: (a + b) / 2, "minoring": np.minimum,
                      "majoring": np.maximum}[self.summation_method]
            terms = (x[: n - 1] - x[1:]) * reduce(y[: n - 1], y[1:])
        by_label = terms.sum(axis=0)
        if not self.multi_label:
            return float(by_label)
        if self.label_weights is None:
            return float(by_label.mean())
        return float((by_label * self.label_weights).sum() / self.label_weights.sum())

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "multi_label": self.multi_label,
                "from_logits": self.from_logits}
