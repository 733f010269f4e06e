import numpy as np
import pytest

import ember
from ember import layers
from ember.saving import FileFormatError


def _trained(tmp_path):
    ember.manual_seed(0)
    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                     layers.Dropout(0.1), layers.Dense(3)])
    model.compile(ember.optimizers.Adam(learning_rate=1e-2),
                  ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x, y


def test_a_saved_model_predicts_the_same_and_trains_on_identically(tmp_path):
    model, x, y = _trained(tmp_path)
    path = tmp_path / "m.ember"
    model.save(path)
    loaded = ember.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.optimizer.learning_rate == pytest.approx(1e-2)
    ember.manual_seed(5)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    ember.manual_seed(5)
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)  # the optimizer state came back too
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_loading_something_else_fails_clearly(tmp_path):
    model, _, _ = _trained(tmp_path)
    weights = tmp_path / "w.safetensors"
    model.save_weights(weights)
    with pytest.raises(FileFormatError, match="is not an ember model file"):
        ember.models.load_model(weights)


def test_a_loss_function_cannot_be_saved_with_the_model(tmp_path):
    model = ember.models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean())
    with pytest.raises(TypeError, match="is a function, which a file can't hold"):
        model.save(tmp_path / "m.ember")


def test_functional_models_are_not_saved_whole_yet(tmp_path):
    inputs = ember.models.Input((2,))
    model = ember.models.Model(inputs, layers.Dense(1)(inputs))
    with pytest.raises(NotImplementedError, match="whole-model files hold Sequential models for now"):
        model.save(tmp_path / "m.ember")
