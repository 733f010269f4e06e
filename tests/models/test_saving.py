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


def test_a_functional_model_with_two_inputs_and_a_shared_layer_round_trips(tmp_path):
    ember.manual_seed(0)
    a, b = ember.models.Input((3,), name="a"), ember.models.Input((3,), name="b")
    shared = layers.Dense(4, activation="tanh")
    merged = layers.concatenate([shared(a), shared(b)])
    model = ember.models.Model([a, b], layers.Dense(2)(merged))
    model.compile("adam", "mse")
    xa, xb = np.ones((5, 3), np.float32), np.arange(15, dtype=np.float32).reshape(5, 3)
    model.fit([xa, xb], np.zeros((5, 2), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "f.ember")
    loaded = ember.models.load_model(tmp_path / "f.ember")
    np.testing.assert_array_equal(model.predict([xa, xb], verbose=0),
                                  loaded.predict([xa, xb], verbose=0))
    assert loaded.count_params() == model.count_params()  # the shared layer stays shared


def test_a_model_wrapping_an_nn_module_is_refused_with_the_way_out(tmp_path):
    model = ember.models.Model.from_module(ember.nn.Linear(2, 1))
    with pytest.raises(TypeError, match="wraps an nn.Module .Linear.*save_weights"):
        model.save(tmp_path / "m.ember")


def test_a_newer_format_is_refused(tmp_path):
    import json
    import zipfile

    model, _, _ = _trained(tmp_path)
    model.save(tmp_path / "m.ember")
    with zipfile.ZipFile(tmp_path / "m.ember") as zf:
        header, weights = json.loads(zf.read("model.json")), zf.read("weights.safetensors")
    header["version"] = 99
    with zipfile.ZipFile(tmp_path / "new.ember", "w") as zf:
        zf.writestr("model.json", json.dumps(header))
        zf.writestr("weights.safetensors", weights)
    with pytest.raises(FileFormatError, match="newer ember .format version 99.*upgrade ember"):
        ember.models.load_model(tmp_path / "new.ember")
