"""Sequential models: build, summary counts, compile/fit/evaluate/predict on arrays (Keras 3)."""

import numpy as np
import pytest

import ember
from ember import layers
from ember.data.datasets import make_moons
from ember.models import Input, Sequential


def moons(n=256):
    x, y = make_moons(n, noise=0.1, seed=0)
    return np.asarray(x, np.float32), np.asarray(y, np.float32).reshape(-1, 1)


def classifier():
    return Sequential([layers.Dense(16, activation="relu", input_shape=(2,)),
                       layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")])


def test_sequential_fits_two_moons_and_the_loss_falls():
    x, y = moons()
    model = classifier()
    model.compile(ember.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy"} and history.epoch == list(range(30))
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.95 and loss == pytest.approx(history.history["loss"][-1], rel=0.5)
    assert model.predict(x, verbose=0).shape == (256, 1)
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_summary_counts_parameters_from_the_formulas(capsys):
    model = Sequential([Input(shape=(784,)), layers.Dense(10)])
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 7,850" in out and "Trainable params: 7,850" in out
    assert "Non-trainable params: 0" in out and "(None, 10)" in out and "Param #" in out
    cnn = Sequential([layers.Conv2D(8, 3, activation="relu", input_shape=(8, 8, 1)),
                      layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10),
                      layers.BatchNormalization()])
    cnn.summary()
    out = capsys.readouterr().out
    conv, dense, bn = 3 * 3 * 1 * 8 + 8, 3 * 3 * 8 * 10 + 10, 4 * 10
    assert f"Total params: {conv + dense + bn:,}" in out
    assert f"Non-trainable params: {2 * 10:,}" in out and "(None, 3, 3, 8)" in out
    assert cnn.count_params() == conv + dense + bn


def test_sequential_built_on_first_call_add_and_pop():
    model = Sequential()
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert not model.built
    out = model(ember.ones(3, 5))
    assert tuple(out.shape) == (3, 2) and model.built and model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.units == 2 and tuple(model(ember.ones(1, 5)).shape) == (1, 4)
    with pytest.raises(TypeError, match="only instances of ember.layers.Layer"):
        model.add(ember.nn.Linear(2, 2))


def test_epoch_loss_is_the_sample_weighted_average_with_a_smaller_last_batch():
    # a model with no trainable effect (lr 0): the epoch loss is exactly the mean over samples
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 1), np.float32)
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(1,))])
    model.compile(ember.optimizers.SGD(learning_rate=0.0), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # batches of 4, 4, 2: Keras' average weighs each batch by its size -> mean of x**2
    assert history.history["loss"][0] == pytest.approx(np.mean(x ** 2), rel=1e-6)
    assert history.history["mae"][0] == pytest.approx(np.mean(x), rel=1e-6)
    batch_means = [np.mean(x[:4] ** 2), np.mean(x[4:8] ** 2), np.mean(x[8:] ** 2)]
    assert np.mean(x ** 2) != pytest.approx(np.mean(batch_means))  # the test can tell them apart
    assert model.evaluate(x, y, batch_size=3, verbose=0)[0] == pytest.approx(np.mean(x ** 2))


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 1), np.float32)
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(1,))])
    model.compile(ember.optimizers.SGD(learning_rate=0.0), "mse")
    history = model.fit(x, y, validation_split=0.3, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(np.mean(x[7:] ** 2))
    assert history.history["loss"][0] == pytest.approx(np.mean(x[:7] ** 2))


def test_sample_weight_and_class_weight_weigh_the_loss():
    x = np.array([[1.0], [2.0]], np.float32)
    y = np.array([[0.0], [1.0]], np.float32)
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(1,))])
    model.compile(ember.optimizers.SGD(learning_rate=0.0), "mse")
    plain = model.fit(x, y, verbose=0).history["loss"][0]
    weighted = model.fit(x, y, sample_weight=np.array([0.0, 2.0]), verbose=0).history["loss"][0]
    assert plain == pytest.approx((1 + 1) / 2) and weighted == pytest.approx((0 * 1 + 2 * 1) / 2)
    weighted = model.fit(x, y, class_weight={0: 3.0, 1: 0.0}, verbose=0).history["loss"][0]
    assert weighted == pytest.approx(3 * 1 / 2)
    with pytest.raises(ValueError, match=r"class_weight has no entry for class\(es\) \[1\]"):
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)


def test_regularization_losses_are_added_to_the_training_loss():
    x, y = np.ones((4, 1), np.float32), np.zeros((4, 1), np.float32)
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones",
                                     kernel_regularizer=ember.layers.regularizers.L2(0.5),
                                     input_shape=(1,))])
    model.compile(ember.optimizers.SGD(learning_rate=0.0), "mse")
    assert model.fit(x, y, verbose=0).history["loss"][0] == pytest.approx(1.0 + 0.5)


def test_training_flag_reaches_the_layers():
    model = Sequential([layers.Dropout(0.5, input_shape=(100,))])
    model.compile("sgd", "mse")
    x = np.ones((1, 100), np.float32)
    assert np.array_equal(model.predict(x, verbose=0), x)
    assert np.array_equal(model.predict_on_batch(x), x)
    assert not np.array_equal(model(ember.tensor(x), training=True).numpy(), x)


def test_on_batch_methods_and_tensor_inputs():
    x, y = moons(64)
    model = classifier()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    first = model.train_on_batch(ember.tensor(x), ember.tensor(y))
    assert isinstance(first, list) and len(first) == 2
    for _ in range(20):
        loss, _ = model.train_on_batch(x, y)
    assert loss < first[0]
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert model.predict_on_batch(x).shape == (64, 1)


def test_pytorch_style_loop_trains_a_keras_model():
    x, y = moons()
    model = classifier()
    optimizer = ember.optim.Adam(model.parameters(), lr=0.02)
    xt, yt = ember.tensor(x), ember.tensor(y)
    losses = []
    for _ in range(50):
        loss = ember.nn.functional.binary_cross_entropy(model(xt), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # keys local to the model, so that two models of one architecture share them
    assert list(model.state_dict()) == [f"{name}.{w}" for name in ("dense", "dense_1", "dense_2")
                                        for w in ("kernel", "bias")]


def test_data_loader_and_dataset_inputs():
    x, y = moons()
    model = classifier()
    model.compile(ember.optimizers.Adam(0.02), "binary_crossentropy")
    dataset = ember.data.TensorDataset(ember.tensor(x), ember.tensor(y))
    history = model.fit(dataset, batch_size=64, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    loader = ember.data.DataLoader(dataset, batch_size=50)
    assert model.evaluate(loader, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_errors_fit_before_compile_and_mismatched_lengths():
    model = classifier()
    with pytest.raises(RuntimeError, match="You must call compile"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="x has 4 samples but y has 3"):
        model.fit(np.ones((4, 2)), np.ones((3, 1)), verbose=0)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        model.compile("adamm", "mse")
    with pytest.raises(TypeError, match="ember.optim optimizer"):
        model.compile(ember.optim.SGD(model.parameters(), lr=0.1), "mse")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = moons(64)
    model = classifier()
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=2, verbose="auto")  # captured output is not a terminal: lines
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and out.count("2/2 - ") == 2
    assert "\r" not in out


def test_weights_round_trip_and_save_weights(tmp_path):
    model = classifier()
    other = classifier()
    other.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    assert np.allclose(model.predict(x, verbose=0), other.predict(x, verbose=0))
    path = tmp_path / "w.safetensors"
    model.save_weights(str(path))
    third = classifier()
    third.load_weights(str(path))
    assert np.allclose(model.predict(x, verbose=0), third.predict(x, verbose=0))
    model.save(str(tmp_path / "m.ember"))  # the whole model: tests/models/test_saving.py
    rebuilt = ember.models.load_model(str(tmp_path / "m.ember"))
    assert np.allclose(model.predict(x, verbose=0), rebuilt.predict(x, verbose=0))


def test_get_config_from_config_rebuilds_the_architecture():
    model = Sequential([Input(shape=(4,)), layers.Dense(3, activation="relu"), layers.Dense(1)],
                       name="small")
    config = model.get_config()
    assert [c["class_name"] for c in config["layers"]] == ["InputLayer", "Dense", "Dense"]
    clone = Sequential.from_config(config)
    assert clone.name == "small" and clone.count_params() == model.count_params() == 4 * 3 + 3 + 4
    clone.set_weights(model.get_weights())
    x = np.ones((2, 4), np.float32)
    assert np.allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="unknown layer class 'Nope'"):
        Sequential.from_config({"layers": [{"class_name": "Nope", "config": {}}]})


def test_more_error_messages():
    with pytest.raises(ValueError, match="give the shape of one sample"):
        Input()
    model = Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="an Input can only be the first entry"):
        model.add(Input(shape=(3,)))
    with pytest.raises(TypeError, match="there are no layers"):
        Sequential().pop()
    with pytest.raises(ValueError, match="'twin' is already in model"):
        Sequential([layers.Dense(2, name="twin"), layers.Dense(2, name="twin")])
    model = classifier()
    with pytest.raises(ValueError, match="Unknown loss|unknown loss"):
        model.compile("adam", "msee")
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        model.compile("adam", "mse", metrics=["acuracy"])
        model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="validation_split=0.99 leaves no samples for training"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), validation_split=0.99, verbose=0)
    with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=3)
