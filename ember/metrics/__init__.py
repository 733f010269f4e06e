"""``ember.metrics``: Keras-style stateful metrics (``update_state`` / ``result`` / ``reset_state``)."""

from ember.metrics.accuracy import *  # noqa: F401,F403
from ember.metrics.auc import AUC  # noqa: F401
from ember.metrics.confusion import Precision, Recall  # noqa: F401
from ember.metrics.iou import MeanIoU  # noqa: F401
from ember.metrics.metric import Metric  # noqa: F401
from ember.metrics.reduction import Mean, MeanMetricWrapper, Sum  # noqa: F401
from ember.metrics.registry import ALL_METRICS, get, resolve_accuracy  # noqa: F401
from ember.metrics.regression import *  # noqa: F401,F403
