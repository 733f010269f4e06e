"""Keras losses: closed forms, Keras' documented examples, reductions, weights, logits, errors."""

import numpy as np
import pytest
import torch

import ember
from ember import losses

RNG = np.random.default_rng(0)
EPS = 1e-7


def _np(t):
    return t.detach().numpy()


def test_regression_losses_match_closed_forms():
    y = RNG.normal(size=(5, 3)).astype(np.float32)
    p = np.abs(RNG.normal(size=(5, 3)).astype(np.float32) * 2) + 0.1  # positive: poisson takes its log
    e = p - y
    expected = {
        "mse": (e ** 2).mean(-1), "mae": np.abs(e).mean(-1),
        "mape": 100 * np.abs(e / np.maximum(np.abs(y), EPS)).mean(-1),
        "msle": ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2).mean(-1),
        "huber": np.where(np.abs(e) <= 1, 0.5 * e ** 2, np.abs(e) - 0.5).mean(-1),
        "log_cosh": np.log(np.cosh(e)).mean(-1),
        "cosine_similarity": -(y * p).sum(-1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1),
        "poisson": (p - y * np.log(p + EPS)).mean(-1),
    }
    for name, per_sample in expected.items():
        loss = losses.get(name)
        np.testing.assert_allclose(_np(loss(y, p)), per_sample.mean(), rtol=1e-5, err_msg=name)
        loss.reduction = "none"
        np.testing.assert_allclose(_np(loss(y, p)), per_sample, rtol=1e-5, atol=1e-6, err_msg=name)


def test_huber_delta_and_kl_divergence():
    y, p = np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])
    assert losses.Huber(delta=2.0)(y, p).item() == pytest.approx((0.125 + (6 - 2)) / 2)
    t, q = np.array([[0.2, 0.8]]), np.array([[0.5, 0.5]])
    assert losses.KLDivergence()(t, q).item() == pytest.approx((t * np.log(t / q)).sum(), rel=1e-5)


def test_keras_documented_examples():
    y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    assert losses.MeanSquaredError()(y_true, y_pred).item() == pytest.approx(0.5)
    assert losses.MeanAbsoluteError()(y_true, y_pred).item() == pytest.approx(0.5)
    assert losses.MeanSquaredError()(y_true, y_pred, sample_weight=[0.7, 0.3]).item() == \
        pytest.approx(0.25)
    assert losses.MeanSquaredError(reduction="sum")(y_true, y_pred).item() == pytest.approx(1.0)
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]).item() == pytest.approx(0.865, abs=1e-3)
    y_true, y_pred = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    assert losses.CategoricalCrossentropy()(y_true, y_pred).item() == pytest.approx(1.177, abs=1e-3)
    assert losses.CategoricalCrossentropy()(y_true, y_pred, sample_weight=[0.3, 0.7]).item() == \
        pytest.approx(0.814, abs=1e-3)
    assert losses.SparseCategoricalCrossentropy()([1, 2], y_pred).item() == pytest.approx(1.177, abs=1e-3)
    assert losses.Hinge()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]).item() == \
        pytest.approx(1.3, abs=1e-6)


def test_binary_crossentropy_probabilities_clip_and_smoothing():
    y, p = np.array([[1.0, 0.0, 1.0]]), np.array([[0.0, 0.3, 1.0]])
    # in float32, as the loss computes: 1 - 1e-7 rounds to 1 - 2**-23
    pc = np.clip(p.astype(np.float32), np.float32(EPS), np.float32(1 - EPS)).astype(np.float64)
    for s in (0.0, 0.2):
        ys = y * (1 - s) + 0.5 * s
        expected = -(ys * np.log(pc) + (1 - ys) * np.log(1 - pc)).mean()
        got = losses.BinaryCrossentropy(label_smoothing=s)(y, p).item()
        assert got == pytest.approx(expected, rel=1e-4)


def test_crossentropies_from_logits_match_torch_and_stay_finite():
    logits = RNG.normal(size=(6, 4)).astype(np.float32) * 3
    labels = RNG.integers(0, 4, size=6)
    onehot = np.eye(4, dtype=np.float32)[labels]
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    assert losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits).item() == \
        pytest.approx(ref, rel=1e-5)
    assert losses.CategoricalCrossentropy(from_logits=True)(onehot, logits).item() == \
        pytest.approx(ref, rel=1e-5)
    ref_smooth = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels),
                                                   label_smoothing=0.1).item()
    cce = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    assert cce(onehot, logits).item() == pytest.approx(ref_smooth, rel=1e-5)
    ref_bce = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(onehot)).item()
    assert losses.BinaryCrossentropy(from_logits=True)(onehot, logits).item() == \
        pytest.approx(ref_bce, rel=1e-5)

    huge = ember.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    for loss, target in [(losses.BinaryCrossentropy(from_logits=True), [[0.0, 1.0, 1.0]]),
                         (losses.CategoricalCrossentropy(from_logits=True), [[0.0, 1.0, 0.0]]),
                         (losses.SparseCategoricalCrossentropy(from_logits=True), [1])]:
        huge.grad = None
        value = loss(target, huge)
        value.backward()
        assert np.isfinite(value.item()) and value.item() > 1e3
        assert np.isfinite(huge.grad.numpy()).all()


def test_loss_is_differentiable_and_keeps_dtype():
    p = ember.tensor([[1.0, 3.0], [2.0, 2.0]], requires_grad=True)
    loss = losses.MeanSquaredError()(np.array([[0.0, 1.0], [2.0, 0.0]]), p)
    assert loss.dtype == ember.float32
    loss.backward()
    np.testing.assert_allclose(p.grad.numpy(), 2 * (np.array([[1, 3], [2, 2]]) - [[0, 1], [2, 0]]) / 4)


def test_rank_rule_and_timestep_weights():
    # (N,) targets against (N, 1) predictions, as a Dense(1) model gives
    assert losses.MeanSquaredError()([1.0, 2.0], [[1.0], [4.0]]).item() == pytest.approx(2.0)
    y, p = np.zeros((2, 3, 1)), np.ones((2, 3, 1))
    per_step = losses.MeanSquaredError(reduction="sum")(y, p, sample_weight=[1.0, 0.0])
    assert per_step.item() == pytest.approx(3.0)


def test_reductions_none_sum_and_mean_with_sample_weight():
    y, p, w = [[0.0], [0.0], [0.0]], [[1.0], [2.0], [3.0]], [1.0, 1.0, 0.0]
    np.testing.assert_allclose(_np(losses.MeanAbsoluteError(reduction=None)(y, p, w)), [1, 2, 0])
    assert losses.MeanAbsoluteError(reduction="sum")(y, p, w).item() == pytest.approx(3.0)
    assert losses.MeanAbsoluteError()(y, p, w).item() == pytest.approx(1.0)
    assert losses.MeanAbsoluteError(reduction="mean_with_sample_weight")(y, p, w).item() == \
        pytest.approx(1.5)


def test_sparse_ignore_class_leaves_labels_out_of_the_mean():
    logits = RNG.normal(size=(4, 3)).astype(np.float32)
    labels = np.array([0, -1, 2, -1])
    scce = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    kept = losses.SparseCategoricalCrossentropy(from_logits=True)([0, 2], logits[[0, 2]]).item()
    assert scce(labels, logits).item() == pytest.approx(kept, rel=1e-4)
    per_sample = losses.sparse_categorical_crossentropy(labels, logits, True, -1)
    assert per_sample.numpy()[1] == 0 and per_sample.numpy()[3] == 0
    # labels of shape (N, 1) and a class axis other than the last
    col = losses.SparseCategoricalCrossentropy(from_logits=True)(labels[[0, 2], None], logits[[0, 2]])
    assert col.item() == pytest.approx(kept, rel=1e-5)
    first = losses.SparseCategoricalCrossentropy(from_logits=True, axis=0)([0, 2], logits[[0, 2]].T)
    assert first.item() == pytest.approx(kept, rel=1e-5)


def test_categorical_hinge_and_squared_hinge():
    y, p = np.array([[0.0, 1.0]]), np.array([[0.6, 0.4]])
    assert losses.CategoricalHinge()(y, p).item() == pytest.approx(max(0.6 - 0.4 + 1, 0))
    assert losses.SquaredHinge()(y, p).item() == pytest.approx(((1 + 0.6) ** 2 + (1 - 0.4) ** 2) / 2)


def test_get_resolves_strings_classes_instances_functions_and_configs():
    assert isinstance(losses.get("mean_squared_error"), losses.MeanSquaredError)
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    huber = losses.Huber(delta=3.0)
    assert losses.get(huber) is huber and losses.get(None) is None
    again = losses.get(losses.serialize(huber))
    assert isinstance(again, losses.Huber) and again.get_config() == huber.get_config()
    assert again.get_config()["delta"] == 3.0
    scce = losses.deserialize(losses.serialize(losses.SparseCategoricalCrossentropy(ignore_class=0)))
    assert scce.ignore_class == 0
    wrapped = losses.get(lambda y_true, y_pred: (ember.as_tensor(y_pred) - 1.0).abs())
    assert wrapped([0.0], [3.0]).item() == pytest.approx(2.0)


def test_custom_loss_subclass():
    class L1(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - ember.as_tensor(y_true, dtype=y_pred.dtype)).abs().mean(dim=-1)
    loss = L1()
    assert loss.name == "l1" and loss([[0.0, 1.0]], [[1.0, 1.0]]).item() == pytest.approx(0.5)
    assert "L1" in repr(loss)


@pytest.mark.parametrize("call, match", [
    (lambda: losses.get("msee"), r"Unknown loss 'msee'. Did you mean 'mse'\?.*mean_squared_error"),
    (lambda: losses.get(3), "Could not interpret loss identifier 3"),
    (lambda: losses.deserialize({"class_name": "Nope"}), "Unknown loss 'Nope'"),
    (lambda: losses.MeanSquaredError(reduction="avg"), "unknown reduction 'avg'"),
    (lambda: losses.reduce_weighted_values(ember.ones(2), reduction="avg", name="mse"),
     "mse: unknown reduction 'avg'"),
    (lambda: losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2))),
     r"mean_squared_error: y_true and y_pred must have the same shape.*\(4, 3\).*\(4, 2\)"),
    (lambda: losses.MeanSquaredError()(np.zeros((4, 1)), np.zeros((4, 1)), sample_weight=[1, 2, 3]),
     r"sample_weight of shape \(3,\) does not match the per-sample losses of shape \(4,\)"),
    (lambda: losses.BinaryCrossentropy()([[1.0]], [[2.5]]), "outside \\[0, 1\\].*from_logits=True"),
    (lambda: losses.CategoricalCrossentropy()([[1.0, 0.0]], [[-2.0, 1.0]]), "outside \\[0, inf\\)"),
    (lambda: losses.BinaryCrossentropy(label_smoothing=1.5), "label_smoothing must lie in"),
    (lambda: losses.CategoricalCrossentropy(label_smoothing=-1), "CategoricalCrossentropy: label_sm"),
    (lambda: losses.SparseCategoricalCrossentropy()([3], [[0.5, 0.5]]), r"labels must lie in \[0, 2\)"),
    (lambda: losses.SparseCategoricalCrossentropy()([[0, 1]], [[0.5, 0.5]]),
     r"one integer class index per sample, of shape \(1,\)"),
    (lambda: losses.LossFunctionWrapper.from_config({}), "needs the function"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_base_loss_call_must_be_implemented_and_single_class_warns():
    with pytest.raises(NotImplementedError, match="Loss must implement call"):
        losses.Loss()([0.0], [0.0])
    with pytest.warns(UserWarning, match="num_classes > 1.*binary_crossentropy"):
        losses.categorical_crossentropy([[1.0]], [[0.7]])


def test_a_masked_prediction_counts_only_its_unmasked_steps():
    from ember import layers

    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    y = np.random.default_rng(0).integers(0, 3, (2, 5))
    model = ember.models.Sequential([layers.Input((5,), dtype="int64"),
                                     layers.Embedding(10, 4, mask_zero=True),
                                     layers.LSTM(6, return_sequences=True), layers.Dense(3)])
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    loss = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    logits = model.predict(x, verbose=0)
    z = logits - logits.max(-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    per_step = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    assert loss == pytest.approx(per_step[x != 0].mean(), rel=1e-5)
    assert abs(per_step[x != 0].mean() - per_step.mean()) > 1e-6  # the mask made a difference
