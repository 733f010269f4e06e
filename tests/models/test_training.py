"""Training contracts: callback order, EarlyStopping, subclassing, from_module, train_step."""

import numpy as np
import pytest

import ember
from ember import callbacks, layers
from ember.models import Model, Sequential


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args: calls.append((name,) + tuple(a for a in args[:-1]))
        return object.__getattribute__(self, name)


def linear_model(lr=0.0):
    model = Sequential([layers.Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(1,))])
    model.compile(ember.optimizers.SGD(learning_rate=lr), "mse")
    return model


def test_callbacks_receive_the_hooks_in_keras_order():
    x, y = np.ones((5, 1), np.float32), np.zeros((5, 1), np.float32)
    recorder = Recorder()
    model = linear_model()
    model.fit(x, y, batch_size=3, epochs=2, validation_data=(x, y), callbacks=[recorder], verbose=0,
              initial_epoch=0)
    epoch = [("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
             ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
             ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end",)]
    assert recorder.calls == ([("on_train_begin",), ("on_epoch_begin", 0)] + epoch +
                              [("on_epoch_end", 0), ("on_epoch_begin", 1)] + epoch +
                              [("on_epoch_end", 1), ("on_train_end",)])
    recorder.calls.clear()
    model.predict(x, batch_size=5, callbacks=[recorder], verbose=0)
    assert recorder.calls == [("on_predict_begin",), ("on_predict_batch_begin", 0),
                              ("on_predict_batch_end", 0), ("on_predict_end",)]


def test_initial_epoch_and_history_epochs():
    x, y = np.ones((4, 1), np.float32), np.zeros((4, 1), np.float32)
    history = linear_model().fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_early_stopping_stops_and_restores_the_best_weights():
    x, y = np.ones((4, 1), np.float32), np.zeros((4, 1), np.float32)
    # loss w**2 with w = 1 and lr 2: each step maps w to -3w, so the loss grows 9x per epoch;
    # the best epoch is the first (loss 1, computed before its update), which ends with w = -3
    model = linear_model(lr=2.0)
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, batch_size=4, epochs=20, callbacks=[stop], verbose=0)
    assert history.epoch == [0, 1, 2] and model.stop_training
    assert history.history["loss"] == pytest.approx([1.0, 9.0, 81.0])
    assert np.allclose(model.get_weights()[0], [[-3.0]])


def test_subclassed_model_with_call_and_training_flag():
    class TwoLayer(Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.drop = layers.Dropout(0.5)
            self.out = layers.Dense(1)
            self.seen = []

        def call(self, inputs, training=None):
            self.seen.append(training)
            return self.out(self.drop(self.hidden(inputs), training=training))

    model = TwoLayer()
    assert model.name.startswith("two_layer")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model.compile(ember.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, epochs=15, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.predict(x, verbose=0)
    assert model.seen[0] is True and model.seen[-1] is False
    assert model.count_params() == 3 * 8 + 8 + 8 + 1


def test_from_module_fits_an_nn_sequential():
    net = ember.nn.Sequential(ember.nn.Linear(2, 16), ember.nn.ReLU(), ember.nn.Linear(16, 1))
    model = Model.from_module(net)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 2)).astype(np.float32)
    y = (x[:, :1] - 2 * x[:, 1:]).astype(np.float32)
    model.compile(ember.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert len(model.get_weights()) == 4 and model.count_params() == 2 * 16 + 16 + 16 + 1
    assert model.predict(x, verbose=0).shape == (128, 1)
    with pytest.raises(TypeError, match="expects an ember.nn.Module"):
        Model.from_module(lambda x: x)


def test_overridden_train_step_is_used_by_fit():
    class Counting(Sequential):
        steps = 0

        def train_step(self, data):
            type(self).steps += 1
            return super().train_step(data)

    model = Counting([layers.Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse")
    model.fit(np.ones((10, 1)), np.ones((10, 1)), batch_size=4, epochs=2, verbose=0)
    assert Counting.steps == 6


def test_model_checkpoint_saves_weights_through_save_weights(tmp_path):
    x, y = np.ones((4, 1), np.float32), np.zeros((4, 1), np.float32)
    model = linear_model(lr=0.1)
    path = str(tmp_path / "w-{epoch:02d}.safetensors")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(path, monitor="loss", save_weights_only=True)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w-01.safetensors", "w-02.safetensors"]
    other = linear_model()
    other.load_weights(str(tmp_path / "w-02.safetensors"))
    assert np.allclose(other.get_weights()[0], model.get_weights()[0])


def test_verbose_auto_shows_a_bar_in_a_terminal(capsys, monkeypatch):
    import sys
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    x, y = np.ones((64, 1), np.float32), np.zeros((64, 1), np.float32)
    linear_model().fit(x, y, epochs=1, verbose="auto")
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "2/2" in out and "loss" in out and "/step" not in out


def test_validation_data_as_a_data_loader_and_input_errors():
    x, y = np.arange(8, dtype=np.float32).reshape(8, 1), np.zeros((8, 1), np.float32)
    loader = ember.data.DataLoader(ember.data.TensorDataset(ember.tensor(x), ember.tensor(y)),
                                   batch_size=3)
    history = linear_model().fit(x, y, validation_data=loader, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(np.mean(x ** 2))
    a, b = ember.models.Input(shape=(1,), name="a"), ember.models.Input(shape=(1,), name="b")
    model = Model({"a": a, "b": b}, layers.Add()([a, b]))
    with pytest.raises(ValueError, match=r"lacks \['b'\]"):
        model.predict({"a": x}, verbose=0)
    model = Model([a, b], layers.Add()([a, b]))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['a', 'b'\], received 1"):
        model.predict([x], verbose=0)
    assert np.allclose(model.predict({"a": x, "b": x}, verbose=0), 2 * x)
