import numpy as np
import pytest

import ember
from ember import layers as L

X = np.random.default_rng(0).standard_normal((8, 5, 3)).astype(np.float32) * 2 + 1


def test_batchnorm_weights_counts_and_training_update():
    layer = L.BatchNormalization()
    y = layer(ember.tensor(X), training=True).detach().numpy()
    assert [w.shape for w in layer.weights] == [(3,)] * 4
    assert [n for n in layer.state_dict()] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    assert layer.count_params() == 12
    mean, var = X.mean((0, 1)), X.var((0, 1))
    np.testing.assert_allclose(y, (X - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    mm, mv = layer.get_weights()[2:]
    np.testing.assert_allclose(mm, 0.01 * mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(mv, 0.99 + 0.01 * var, rtol=1e-5)  # biased variance, Keras' rule


def test_batchnorm_inference_uses_moving_stats_and_axis():
    layer = L.BatchNormalization(axis=1, momentum=0.5, epsilon=0.0)
    layer(ember.tensor(X), training=True)
    mm, mv = layer.get_weights()[2:]
    assert mm.shape == (5,)
    y = layer(ember.tensor(X), training=False).detach().numpy()
    np.testing.assert_allclose(y, (X - mm[None, :, None]) / np.sqrt(mv[None, :, None]), rtol=1e-4, atol=1e-4)
    layer.eval()
    np.testing.assert_allclose(layer(ember.tensor(X)).detach().numpy(), y)
    cfg = layer.get_config()
    assert L.BatchNormalization.from_config(cfg).get_config() == cfg
    no_affine = L.BatchNormalization(center=False, scale=False)
    no_affine(ember.tensor(X))
    assert no_affine.count_params() == 6 and no_affine.trainable_weights == []


def test_batchnorm_gradient_and_errors():
    x = ember.tensor(X, requires_grad=True)
    layer = L.BatchNormalization()
    layer(x, training=True).square().sum().backward()
    assert layer.gamma.grad is not None and layer.moving_mean.grad is None
    with pytest.raises(ValueError, match="built for 3 features on axis -1"):
        layer(ember.ones(2, 4))
    with pytest.raises(ValueError, match="expects inputs of rank 2 or more"):
        L.BatchNormalization()(ember.ones(3))
    with pytest.raises(ValueError, match="axis=3 is out of range"):
        L.BatchNormalization(axis=3)(ember.ones(2, 3))
    with pytest.raises(ValueError, match="axis must be an integer"):
        L.BatchNormalization(axis=[1])
    with pytest.raises(ValueError, match="momentum must be in"):
        L.BatchNormalization(momentum=2)
    with pytest.raises(ValueError, match="should have a defined dimension"):
        L.BatchNormalization()._check_input_shape((None, None))


def test_layernorm_matches_closed_form():
    layer = L.LayerNormalization()
    y = layer(ember.tensor(X)).detach().numpy()
    ref = (X - X.mean(-1, keepdims=True)) / np.sqrt(X.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    assert layer.count_params() == 6
    two = L.LayerNormalization(axis=[1, 2])
    y2 = two(ember.tensor(X)).detach().numpy()
    m, v = X.mean((1, 2), keepdims=True), X.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y2, (X - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-4)
    assert two.gamma.shape == (5, 3)
    mid = L.LayerNormalization(axis=1)
    y3 = mid(ember.tensor(X)).detach().numpy()
    m, v = X.mean(1, keepdims=True), X.var(1, keepdims=True)
    np.testing.assert_allclose(y3, (X - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-4)
    assert L.LayerNormalization.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"built for axes of sizes \(3,\)"):
        layer(ember.ones(2, 4))
    with pytest.raises(ValueError, match="expects one input"):
        L.LayerNormalization()([ember.ones(1, 2)])


def test_layernorm_rms_scaling_is_keras_formula():
    layer = L.LayerNormalization(rms_scaling=True, gamma_initializer="random_normal",
                                 gamma_constraint="non_neg", beta_constraint="max_norm")
    y = layer(ember.tensor(X)).detach().numpy()
    assert list(layer.state_dict()) == ["gamma"]  # no beta
    gamma = layer.get_weights()[0]
    np.testing.assert_allclose(y, X / np.sqrt(X.var(-1, keepdims=True) + 1e-3) * gamma, rtol=1e-4, atol=1e-5)
    config = layer.get_config()
    assert config["rms_scaling"] and config["gamma_constraint"] == {"class_name": "NonNeg", "config": {}}
    assert L.LayerNormalization.from_config(config).get_config() == config
    two = L.LayerNormalization(axis=[1, 2], rms_scaling=True)
    np.testing.assert_allclose(two(ember.tensor(X)).detach().numpy(),
                               X / np.sqrt(X.var((1, 2), keepdims=True) + 1e-3), rtol=1e-4, atol=1e-5)
