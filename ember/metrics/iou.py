"""``MeanIoU``: the mean over classes of intersection over union, from a confusion matrix."""

import numpy as np

from ember.metrics.metric import Metric, to_numpy

__all__ = ["MeanIoU"]


class MeanIoU(Metric):
    """Mean intersection-over-union for semantic segmentation: per class
    ``IoU = tp / (tp + fp + fn)``, averaged over the classes that occur in labels or predictions.

    Args:
        num_classes (int): number of classes. ignore_class (int): a label left out (e.g. void).
        sparse_y_true / sparse_y_pred (bool): whether the labels / predictions are class indices
        (default) or scores along ``axis`` (their argmax is taken).

    Example::

        >>> import ember
        >>> ember.metrics.MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1])
        0.3333333333333333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"MeanIoU: num_classes must be a positive integer. Received: "
                             f"num_classes={num_classes!r}.")
        self.num_classes, self.ignore_class, self.axis = int(num_classes), ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        super().__init__(name=name or "mean_iou", dtype=dtype)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
        if not self.sparse_y_true:
            y_true = y_true.argmax(self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(self.axis)
        y_true, y_pred = y_true.astype(np.int64).ravel(), y_pred.astype(np.int64).ravel()
        if y_true.size != y_pred.size:
            raise ValueError(f"MeanIoU: y_true and y_pred hold {y_true.size} and {y_pred.size} "
                             f"labels; give one predicted class per label.")
        weight = np.ones(y_true.size) if sample_weight is None else np.broadcast_to(
            to_numpy(sample_weight).ravel(), y_true.shape)
        keep = np.ones(y_true.size, bool) if self.ignore_class is None else y_true != self.ignore_class
        y_true, y_pred, weight = y_true[keep], y_pred[keep], weight[keep]
        for labels in (y_true, y_pred):
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(f"MeanIoU: class indices must lie in [0, {self.num_classes}). "
                                 f"Received values from {labels.min()} to {labels.max()}.")
        np.add.at(self.total_cm, (y_true, y_pred), weight)

    def result(self):
        tp = np.diag(self.total_cm)
        denominator = self.total_cm.sum(0) + self.total_cm.sum(1) - tp
        valid = denominator > 0
        return float((tp[valid] / denominator[valid]).sum() / valid.sum()) if valid.any() else 0.0

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
