"""Keras metrics: weighted updates, resets, closed forms, AUC against a brute-force computation."""

import numpy as np
import pytest

import ember
from ember import metrics

RNG = np.random.default_rng(0)


def test_mean_and_sum_weighted_accumulate_and_reset():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    m.update_state([2.0], sample_weight=[4.0])
    assert m.result() == pytest.approx((16 + 8) / 8)
    m.update_state([[1.0, 3.0]])  # one sample, its mean counts once
    assert m.result() == pytest.approx((24 + 2) / 9)
    assert len(m.variables) == 2
    m.reset_state()
    assert m.result() == 0.0
    s = metrics.Sum()
    s.update_state(ember.tensor([1.0, 2.0]), sample_weight=[1.0, 0.5])
    assert s.result() == pytest.approx(2.0)


def test_accuracies_closed_forms_and_weights():
    assert metrics.Accuracy()([1, 2, 3, 4], [0, 2, 3, 4], sample_weight=[1, 1, 0, 0]) == 0.5
    b = metrics.BinaryAccuracy(threshold=0.7)
    b.update_state([[1], [1], [0], [0]], [[0.98], [0.6], [0], [0.6]])
    assert b.result() == 0.75
    c = metrics.CategoricalAccuracy()
    c.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert c.result() == pytest.approx(0.3)
    logits = ember.tensor(RNG.normal(size=(20, 5)), requires_grad=True)
    labels = RNG.integers(0, 5, size=20)
    s = metrics.SparseCategoricalAccuracy()
    s.update_state(labels[:, None], logits)
    assert s.result() == pytest.approx((logits.detach().numpy().argmax(1) == labels).mean())


def test_top_k_accuracies():
    y_pred = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]])
    assert metrics.SparseTopKCategoricalAccuracy(k=1)([2, 1], y_pred) == 0.5
    assert metrics.SparseTopKCategoricalAccuracy(k=2)([2, 1], y_pred) == 1.0
    assert metrics.TopKCategoricalAccuracy(k=2)([[0, 0, 1], [0, 0, 1]], y_pred) == 0.5
    scores = RNG.normal(size=(50, 10))
    labels = RNG.integers(0, 10, size=50)
    top3 = np.argsort(-scores, axis=1)[:, :3]
    expected = np.mean([labels[i] in top3[i] for i in range(50)])
    assert metrics.SparseTopKCategoricalAccuracy(k=3)(labels, scores) == pytest.approx(expected)


def test_precision_recall_thresholds_weights_class_id_and_top_k():
    p = metrics.Precision()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert p.result() == 1.0
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0.2, 0.6, 0.4, 0.9])
    pr = metrics.Precision(thresholds=[0.3, 0.5])(y_true, y_pred)
    np.testing.assert_allclose(pr, [2 / 3, 1 / 2])
    rc = metrics.Recall(thresholds=[0.3, 0.5])(y_true, y_pred)
    np.testing.assert_allclose(rc, [1.0, 0.5])
    multi_true = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    multi_pred = np.array([[0.2, 0.6, 0.3, 0.9], [0.1, 0.7, 0.6, 0.4]])
    assert metrics.Precision(class_id=2)(multi_true, multi_pred) == 0.0
    assert metrics.Recall(class_id=3)(multi_true, multi_pred) == 0.5
    assert metrics.Precision(top_k=1)(multi_true, multi_pred) == 1.0  # only 0.9 and 0.7 count
    assert metrics.Precision().result() == 0.0  # nothing seen: 0, not a division by zero


def _brute_force_roc_auc(y, s):
    """Probability that a positive outscores a negative (ties count half): the exact ROC AUC."""
    pos, neg = s[y == 1], s[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return greater / (len(pos) * len(neg))


def test_auc_roc_matches_brute_force_when_scores_lie_between_thresholds():
    # scores strictly between Keras' thresholds i/199: the trapezoids are then exact
    s = (RNG.integers(0, 199, size=300) + 0.5) / 199
    y = (RNG.random(300) < s).astype(float)
    auc = metrics.AUC()
    auc.update_state(y[:100], s[:100])
    auc.update_state(y[100:], s[100:])
    assert auc.result() == pytest.approx(_brute_force_roc_auc(y, s), abs=1e-9)
    auc.reset_state()
    assert auc.result() == 0.0
    logits = np.log(s / (1 - s))
    assert metrics.AUC(from_logits=True)(y, logits) == pytest.approx(_brute_force_roc_auc(y, s), abs=1e-9)


def _brute_force_pr_auc(y, s, num_thresholds):
    """Keras' PR interpolation written out as loops over the threshold intervals."""
    thresholds = [-1e-7] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + 1e-7]
    tp = np.array([((s > t) & (y == 1)).sum() for t in thresholds], float)
    fp = np.array([((s > t) & (y == 0)).sum() for t in thresholds], float)
    fn = np.array([((s <= t) & (y == 1)).sum() for t in thresholds], float)
    total = 0.0
    for i in range(num_thresholds - 1):
        p0, p1 = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
        dtp, dp = tp[i] - tp[i + 1], p0 - p1
        if dp <= 0 or tp[i + 1] + fn[i + 1] == 0:
            continue
        slope = dtp / dp
        intercept = tp[i + 1] - slope * p1
        ratio = p0 / p1 if p0 > 0 and p1 > 0 else 1.0
        total += slope * (dtp + intercept * np.log(ratio)) / (tp[i + 1] + fn[i + 1])
    return total


def test_auc_pr_and_other_summations():
    s = RNG.random(200)
    y = (RNG.random(200) < s).astype(float)
    assert metrics.AUC(curve="PR", num_thresholds=50)(y, s) == pytest.approx(_brute_force_pr_auc(y, s, 50))
    # Keras' docstring example: thresholds [0 - 1e-7, 0.5, 1 + 1e-7]
    assert metrics.AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == pytest.approx(0.75)
    lower = metrics.AUC(summation_method="minoring")(y, s)
    upper = metrics.AUC(summation_method="majoring")(y, s)
    assert lower <= metrics.AUC()(y, s) <= upper and lower < upper
    # weights: a sample weighted 2 counts as two copies
    w = RNG.integers(1, 3, size=200)
    weighted = metrics.AUC(num_thresholds=20)(y, s, sample_weight=w)
    assert weighted == pytest.approx(metrics.AUC(num_thresholds=20)(np.repeat(y, w), np.repeat(s, w)))


def test_auc_multi_label_averages_per_label_curves():
    y = (RNG.random((100, 2)) < 0.5).astype(float)
    s = np.clip(y * 0.3 + RNG.random((100, 2)) * 0.7, 0, 1)
    per_label = [metrics.AUC()(y[:, j], s[:, j]) for j in range(2)]
    assert metrics.AUC(multi_label=True)(y, s) == pytest.approx(np.mean(per_label))
    weighted = metrics.AUC(multi_label=True, label_weights=[1.0, 3.0])(y, s)
    assert weighted == pytest.approx((per_label[0] + 3 * per_label[1]) / 4)


def test_mean_iou():
    m = metrics.MeanIoU(num_classes=2)
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    # cm = [[0.3, 0.3], [0.3, 0.1]]: IoU = 0.3 / 0.9 and 0.1 / 0.7
    assert m.result() == pytest.approx((0.3 / 0.9 + 0.1 / 0.7) / 2)
    scores = np.eye(3)[[0, 2, 2]]
    dense = metrics.MeanIoU(num_classes=3, sparse_y_pred=False, ignore_class=1)
    assert dense([0, 1, 2], scores) == pytest.approx(1.0)  # class 1 ignored, class 1 never predicted


def test_regression_metrics_and_wrapper():
    y, p = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])
    assert metrics.MeanSquaredError()(y, p) == pytest.approx(0.5)
    assert metrics.MeanAbsoluteError()(y, p, sample_weight=[1, 0]) == pytest.approx(0.5)
    assert metrics.RootMeanSquaredError()(y, p) == pytest.approx(np.sqrt(0.5))
    w = metrics.MeanMetricWrapper(lambda t, q: np.abs(t - q).max(-1), name="max_error")
    assert w(y, p) == 1.0 and w.name == "max_error"


def test_get_and_loss_metrics():
    assert metrics.get("mae").name == "mae" and isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    p = metrics.Precision()
    assert metrics.get(p) is p and metrics.get(None) is None
    bce = metrics.get("binary_crossentropy")
    assert bce([[1.0], [0.0]], [[0.9], [0.2]]) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-5)
    fn = metrics.get(lambda t, q: np.abs(np.asarray(t) - q).mean(-1))
    assert fn([[1.0]], [[3.0]]) == 2.0
    config = metrics.BinaryAccuracy(threshold=0.3).get_config()
    assert metrics.BinaryAccuracy.from_config(config).get_config() == config


@pytest.mark.parametrize("loss, shapes, expected", [
    ("binary_crossentropy", None, metrics.BinaryAccuracy),
    ("categorical_crossentropy", None, metrics.CategoricalAccuracy),
    ("sparse_categorical_crossentropy", None, metrics.SparseCategoricalAccuracy),
    (None, ((8, 1), (8, 1)), metrics.BinaryAccuracy),
    (None, ((8,), (8, 4)), metrics.SparseCategoricalAccuracy),
    (None, ((8, 1), (8, 4)), metrics.SparseCategoricalAccuracy),
    (None, ((8, 4), (8, 4)), metrics.CategoricalAccuracy),
    ("mse", None, metrics.Accuracy),
])
def test_resolve_accuracy(loss, shapes, expected):
    shapes = shapes or (None, None)
    metric = metrics.resolve_accuracy(loss, *shapes, name="acc")
    assert type(metric) is expected and metric.name == "acc"


def test_resolve_accuracy_from_logits_thresholds_at_zero():
    metric = metrics.resolve_accuracy(ember.losses.BinaryCrossentropy(from_logits=True))
    assert metric.get_config()["threshold"] == 0.0
    assert metric([[1.0], [0.0]], [[0.3], [-0.2]]) == 1.0


def test_custom_metric_and_base_errors():
    with pytest.raises(NotImplementedError, match="Metric must implement update_state"):
        metrics.Metric().update_state([0], [0])
    with pytest.raises(NotImplementedError, match="Metric must implement result"):
        metrics.Metric().result()


@pytest.mark.parametrize("call, match", [
    (lambda: metrics.get("acuracy"), r"Unknown metric 'acuracy'. Did you mean 'accuracy'\?"),
    (lambda: metrics.get(3.5), "Could not interpret metric identifier 3.5"),
    (lambda: metrics.Mean().update_state([1, 2, 3], sample_weight=[1, 2]),
     r"mean: sample_weight of shape \(2,\) does not match the values of shape \(3,\)"),
    (lambda: metrics.Accuracy()([1, 2, 3], [1, 2]), r"accuracy: y_true of shape \(3,\)"),
    (lambda: metrics.SparseCategoricalAccuracy()([[0, 1]], [[0.5, 0.5]]),
     r"expected y_true of shape \(1,\)"),
    (lambda: metrics.Precision()([[1, 0]], [[0.1, 0.2, 0.3]]), "precision: y_true and y_pred must"),
    (lambda: metrics.Recall()([1, 0], [0.1, 0.2], sample_weight=[1, 2, 3]),
     r"recall: sample_weight of shape \(3,\) does not match"),
    (lambda: metrics.Precision(thresholds=[0.5, 2.0]), "Precision: thresholds must lie in"),
    (lambda: metrics.AUC(curve="XY"), "curve must be 'ROC' or 'PR'"),
    (lambda: metrics.AUC(summation_method="simpson"), "summation_method must be"),
    (lambda: metrics.AUC(num_thresholds=1), "num_thresholds must be > 1"),
    (lambda: metrics.MeanIoU(num_classes=0), "num_classes must be a positive integer"),
    (lambda: metrics.MeanIoU(num_classes=2)([0, 3], [0, 1]), r"class indices must lie in \[0, 2\)"),
    (lambda: metrics.MeanIoU(num_classes=2)([0, 1], [0]), "hold 2 and 1 labels"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
