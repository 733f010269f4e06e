import numpy as np
import pytest

import ember
from ember import layers as L
from ember.layers import constraints

W = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32) * 3


def _norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


def test_constraints_match_keras_formulas():
    w = ember.tensor(W)
    eps = 1e-7
    n0 = _norms(W, 0)
    np.testing.assert_allclose(constraints.MaxNorm(2.0)(w).numpy(), W * np.clip(n0, 0, 2) / (eps + n0),
                               rtol=1e-6)
    assert (_norms(constraints.MaxNorm(2.0)(w).numpy(), 0) <= 2 + 1e-5).all()
    n1 = _norms(W, 1)
    np.testing.assert_allclose(constraints.MaxNorm(1.5, axis=1)(w).numpy(),
                               W * np.clip(n1, 0, 1.5) / (eps + n1), rtol=1e-6)
    np.testing.assert_allclose(constraints.UnitNorm()(w).numpy(), W / (eps + n0), rtol=1e-6)
    mm = constraints.MinMaxNorm(min_value=4.0, max_value=5.0, rate=0.5)(w).numpy()
    np.testing.assert_allclose(mm, W * (0.5 * np.clip(n0, 4, 5) + 0.5 * n0) / (eps + n0), rtol=1e-6)
    assert constraints.NonNeg()(w).numpy().tolist() == np.maximum(W, 0).tolist()
    conv = np.random.default_rng(1).standard_normal((3, 3, 2, 5)).astype(np.float32)
    filters = constraints.MaxNorm(1.0, axis=[0, 1, 2])(ember.tensor(conv)).numpy()
    assert np.allclose(_norms(filters, (0, 1, 2)).ravel(), np.minimum(_norms(conv, (0, 1, 2)).ravel(), 1.0),
                       rtol=1e-5)


def test_get_and_serialize_by_keras_names():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    assert constraints.max_norm is constraints.MaxNorm and constraints.get(None) is None
    c = constraints.MinMaxNorm(0.5, 2.0, rate=0.3, axis=1)
    again = constraints.get(constraints.serialize(c))
    assert isinstance(again, constraints.MinMaxNorm) and again.get_config() == c.get_config()
    fn = lambda w: w * 0  # noqa: E731  - any callable is a constraint
    assert constraints.get(fn) is fn
    with pytest.raises(ValueError, match=r"Unknown constraint 'maxnorm'\. Valid: 'max_norm'"):
        constraints.get("maxnorm")


def test_constraints_hold_after_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = (x @ rng.standard_normal((6, 1)) * 5).astype(np.float32)  # wants large, signed weights
    model = ember.models.Sequential([
        L.Input(shape=(6,)),
        L.Dense(8, kernel_constraint=constraints.MaxNorm(0.5), bias_constraint="non_neg"),
        L.Dense(1, kernel_constraint="non_neg"),
    ])
    model.compile(ember.optimizers.SGD(0.1), "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    k1, b1, k2, _ = model.get_weights()
    assert not np.allclose(k1, before[0])  # it trained
    assert (_norms(k1, 0) <= 0.5 + 1e-5).all()
    assert (b1 >= 0).all() and (k2 >= 0).all()
    clone = L.Dense.from_config(model.layers[0].get_config())
    assert clone.kernel_constraint.get_config() == {"max_value": 0.5, "axis": 0}
    assert isinstance(clone.bias_constraint, constraints.NonNeg)


def test_constraint_applied_in_optimizer_step_for_every_layer_kind():
    layers = [L.Conv2D(2, 3, kernel_constraint="non_neg"), L.Embedding(5, 3, embeddings_constraint="non_neg"),
              L.LSTM(2, recurrent_constraint="non_neg"),
              L.MultiHeadAttention(1, 2, kernel_constraint="non_neg"),
              L.BatchNormalization(gamma_constraint="non_neg")]
    inputs = [ember.ones(1, 5, 5, 1), ember.tensor([[1, 2]]), ember.ones(1, 3, 2), None, ember.ones(4, 3)]
    for layer, x in zip(layers, inputs):
        if x is None:
            layer(ember.ones(1, 2, 4), ember.ones(1, 2, 4))
        else:
            layer(x)
        opt = ember.optimizers.SGD(1.0).build(layer.trainable_weights)
        for w in layer.trainable_weights:
            w.grad = ember.ones(*w.shape)  # a step of -1 makes some entries negative
        opt.step()
        constrained = [w for w in layer.trainable_weights if constraints.get_constraint(w) is not None]
        assert constrained and all((w.detach().numpy() >= 0).all() for w in constrained), layer
        assert any(key.endswith("constraint") and value == {"class_name": "NonNeg", "config": {}}
                   for key, value in layer.get_config().items())


def test_add_weight_constraint_in_custom_layer():
    class Positive(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), initializer="ones", constraint="non_neg", name="w")

        def call(self, x):
            return x * self.w

    layer = Positive()
    layer(ember.ones(2, 3))
    opt = ember.optimizers.Adam(10.0).build(layer.trainable_weights)
    layer.w.grad = ember.ones(3)
    opt.step()
    assert layer.w.detach().numpy().tolist() == [0.0, 0.0, 0.0]
