"""The Functional API: Input, symbolic tensors, nodes, shared layers, nested models, errors."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.data.datasets import make_moons
from ember.models import Input, KerasTensor, Model, Sequential


def test_input_is_symbolic_and_layers_record_nodes():
    x = Input(shape=(784,), name="pixels")
    assert isinstance(x, KerasTensor) and x.shape == (None, 784) and x.name == "pixels"
    h = layers.Dense(32)(x)
    assert isinstance(h, KerasTensor) and h.shape == (None, 32)
    seq = layers.LSTM(8, return_sequences=True, return_state=True)(Input(shape=(None, 4)))
    assert [t.shape for t in seq] == [(None, None, 8), (None, 8), (None, 8)]
    with pytest.raises(TypeError, match="cannot be used in an `if`"):
        bool(h)


def test_functional_model_fits_two_moons():
    x, y = make_moons(256, noise=0.1, seed=0)
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    inputs = Input(shape=(2,))
    h = layers.Dense(16, activation="relu")(inputs)
    h = layers.Dense(16, activation="relu")(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    model = Model(inputs, outputs, name="moons")
    assert model.name == "moons" and len(model.layers) == 4  # with the InputLayer, as Keras
    model.compile(ember.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.95
    assert model.predict(x, verbose=0).shape == (256, 1)


def test_shared_layer_has_one_set_of_weights_and_runs_twice():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = layers.Dense(2, use_bias=False, name="shared")
    out = layers.Subtract()([shared(a), shared(b)])
    model = Model([a, b], out)
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == 3 * 2 and len(model.trainable_weights) == 1
    xa, xb = np.ones((4, 3), np.float32), np.ones((4, 3), np.float32)
    assert np.allclose(model.predict([xa, xb], verbose=0), 0.0)  # same weights: a - b = 0
    model.compile(ember.optimizers.SGD(0.1), "mse")
    model.fit([xa, 2 * xb], np.ones((4, 2), np.float32), epochs=3, verbose=0)
    kernel = shared.kernel.detach().numpy()
    assert np.allclose(model.predict([xa, 2 * xb], verbose=0), -xa @ kernel, atol=1e-6)


def test_dict_inputs_by_name_and_multi_output_with_loss_weights():
    title, body = Input(shape=(4,), name="title"), Input(shape=(6,), name="body")
    merged = layers.concatenate([layers.Dense(8, activation="relu")(title), body])
    priority = layers.Dense(1, name="priority")(merged)
    department = layers.Dense(3, activation="softmax", name="department")(merged)
    model = Model({"title": title, "body": body}, {"priority": priority, "department": department})
    assert model.output_names() == ["priority", "department"]
    rng = np.random.default_rng(0)
    x = {"title": rng.normal(size=(64, 4)).astype(np.float32),
         "body": rng.normal(size=(64, 6)).astype(np.float32)}
    y = {"priority": rng.normal(size=(64, 1)).astype(np.float32),
         "department": rng.integers(0, 3, size=64)}
    model.compile(ember.optimizers.SGD(0.0),
                  loss={"priority": "mse", "department": "sparse_categorical_crossentropy"},
                  loss_weights={"priority": 2.0, "department": 0.5},
                  metrics={"department": ["accuracy"]})
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "priority_loss", "department_loss", "department_accuracy"}
    assert logs["loss"] == pytest.approx(2.0 * logs["priority_loss"] + 0.5 * logs["department_loss"],
                                         rel=1e-5)
    out = model.predict(x, verbose=0)
    assert out["priority"].shape == (64, 1) and out["department"].shape == (64, 3)
    model.compile(ember.optimizers.Adam(0.01), loss=["mse", "sparse_categorical_crossentropy"])
    history = model.fit(x, y, epochs=10, verbose=0)
    assert history.history["priority_loss"][-1] < history.history["priority_loss"][0]


def test_multi_output_mismatch_errors_name_the_outputs():
    x = Input(shape=(2,))
    model = Model(x, [layers.Dense(1, name="p")(x), layers.Dense(1, name="q")(x)])
    model.compile("sgd", loss=["mse"])
    with pytest.raises(ValueError, match=r"2 output\(s\) \['p', 'q'\], received 1 \(p: 'mse'\)"):
        model.fit(np.ones((2, 2)), [np.ones((2, 1)), np.ones((2, 1))], verbose=0)
    model.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match=r"2 output\(s\) \['p', 'q'\] but y has 3 entries"):
        model.fit(np.ones((2, 2)), [np.ones((2, 1))] * 3, verbose=0)
    with pytest.raises(ValueError, match=r"missing targets for output\(s\) \['q'\]"):
        model.fit(np.ones((2, 2)), {"p": np.ones((2, 1))}, verbose=0)


def test_disconnected_graph_names_the_missing_input():
    a, b = Input(shape=(2,), name="a_in"), Input(shape=(2,), name="b_in")
    out = layers.Add()([layers.Dense(2)(a), b])
    with pytest.raises(ValueError, match="Graph disconnected.*b_in"):
        Model(a, out)
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(a, ember.ones(2, 2))


def test_nested_models_are_layers():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="encoder")
    x = Input(shape=(4,))
    h = inner(x)
    assert h.shape == (None, 3)
    outer = Model(x, layers.Dense(1)(h))
    assert outer.count_params() == (4 * 3 + 3) + (3 + 1)
    data = np.ones((5, 4), np.float32)
    expected = inner.predict(data, verbose=0) @ outer.layers[-1].kernel.detach().numpy()
    assert np.allclose(outer.predict(data, verbose=0), expected, atol=1e-6)
    stacked = Sequential([Input(shape=(4,)), inner, layers.Dense(2)])
    assert stacked.output_shape == (None, 2)


def test_functional_summary_lists_layers_and_counts(capsys):
    x = Input(shape=(16,))
    y = layers.Dense(4, name="hidden")(x)
    Model(x, layers.Dense(2, name="out")(y)).summary()
    out = capsys.readouterr().out
    assert "hidden (Dense)" in out and "(None, 4)" in out
    assert f"Total params: {16 * 4 + 4 + 4 * 2 + 2:,}" in out


def test_layer_input_rank_error_names_the_layer():
    x = Input(shape=(8, 8, 1))
    with pytest.raises(ValueError, match="conv2d"):
        layers.Conv2D(4, 3)(layers.Flatten()(x))


def test_arithmetic_on_symbolic_tensors_records_layers():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = (layers.Dense(3, use_bias=False, kernel_initializer="ones")(a) * 2 - b)[:, :2]
    assert out.shape == (None, 2)
    model = Model([a, b], out)
    xa, xb = np.ones((2, 3), np.float32), np.full((2, 3), 5.0, np.float32)
    assert np.allclose(model.predict([xa, xb], verbose=0), 3 * 2 - 5.0)


def test_unbuilt_sequential_nested_in_a_functional_model():
    block = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = Input(shape=(5,))
    model = Model(x, block(x))
    assert model.output_shape == (None, 2) and block.output_shape == (None, 2)
    assert model.predict(np.ones((3, 5)), verbose=0).shape == (3, 2)
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
