"""Callbacks on a fake model, driven by a loop that calls the CallbackList hooks in Keras' order."""

import math
import os

import numpy as np
import pytest

import ember
from ember import callbacks
from ember.optimizers import SGD


class FakeModel:
    """What the callbacks need of a model: stop_training, an optimizer, weights, save methods."""

    def __init__(self):
        self.stop_training = False
        self.optimizer = SGD(learning_rate=0.1)
        self.weights = [np.zeros(2)]
        self.saved = []

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights

    def save(self, path):
        self.saved.append(("model", path))
        open(path, "w").close()

    def save_weights(self, path):
        self.saved.append(("weights", path))


class Bare:
    """A model with none of the methods the callbacks call."""


def fit(model, cbs, epoch_logs, steps=2, verbose=0):
    """Keras' call order; epoch e sets the weights to [e, e] and reports epoch_logs[e]."""
    cl = callbacks.CallbackList(cbs, add_history=True, model=model, verbose=verbose,
                                epochs=len(epoch_logs), steps=steps)
    model.stop_training = False
    cl.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        cl.on_epoch_begin(epoch)
        for batch in range(steps):
            cl.on_train_batch_begin(batch)
            model.weights = [np.full(2, float(epoch))]
            cl.on_train_batch_end(batch, {"loss": logs.get("loss", 0.0)})
        cl.on_test_begin()
        cl.on_test_batch_begin(0)
        cl.on_test_batch_end(0, {})
        cl.on_test_end({})
        epoch_logs_dict = dict(logs)
        cl.on_epoch_end(epoch, epoch_logs_dict)
        if cl.stop_training:
            break
    cl.on_train_end()
    return cl.history


def test_hook_order_and_shared_logs():
    calls = []
    names = [n for n in dir(callbacks.Callback) if n.startswith("on_")]

    class Recorder(callbacks.Callback):
        pass
    for name in names:
        setattr(Recorder, name, lambda self, *a, _n=name: calls.append(_n))

    class AddsKey(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0
    history = fit(FakeModel(), [AddsKey(), Recorder()], [{"loss": 1.0}], steps=1)
    assert calls == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                     "on_train_batch_end", "on_test_begin", "on_test_batch_begin",
                     "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end"]
    assert history.history == {"loss": [1.0], "extra": [1.0]} and history.epoch == [0]
    cl = callbacks.CallbackList([Recorder()], add_progbar=True)
    assert len(cl) == 2 and isinstance(list(cl)[1], callbacks.ProgbarLogger) and not cl.stop_training
    calls.clear()
    cl.on_predict_begin()
    cl.on_predict_batch_begin(0)
    cl.on_predict_batch_end(0, {"outputs": None})
    cl.on_predict_end()
    assert calls == ["on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end",
                     "on_predict_end"]


def test_early_stopping_stops_at_the_right_epoch_and_restores_best_weights(capsys):
    model = FakeModel()
    stop = callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    losses = [1.0, 0.5, 0.6, 0.55, 0.4, 0.3]
    history = fit(model, [stop], [{"val_loss": v} for v in losses])
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3 and stop.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out and "best epoch: 2." in out


def test_early_stopping_restores_when_epochs_run_out_and_uses_state_dict():
    class ModuleModel:  # no get_weights: the state dict is copied
        stop_training = False

        def __init__(self):
            self.w = ember.zeros(2)
            self.weights = None

        def state_dict(self):
            return {"w": self.w}

        def load_state_dict(self, state):
            self.w = state["w"]

    model = ModuleModel()
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)
    cl = callbacks.CallbackList([stop], model=model)
    cl.on_train_begin()
    for epoch, acc in enumerate([0.5, 0.9, 0.7]):  # 'auto' maximises an accuracy
        with ember.no_grad():
            model.w.fill_(float(epoch))  # in place: the saved copy must not follow
        cl.on_epoch_end(epoch, {"val_accuracy": acc})
    cl.on_train_end()
    assert stop.stopped_epoch == 0
    np.testing.assert_array_equal(model.w.numpy(), [1.0, 1.0])


def test_early_stopping_baseline_min_delta_and_start_from_epoch():
    # epochs that do not beat the baseline keep counting towards the patience (as Keras)
    losses = [{"loss": v} for v in [0.9, 0.8, 0.85, 0.1]]
    history = fit(FakeModel(), [callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.5)], losses)
    assert history.epoch == [0, 1, 2]
    history = fit(FakeModel(), [callbacks.EarlyStopping(monitor="loss", patience=2)], losses)
    assert history.epoch == [0, 1, 2, 3]
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=0.1)
    history = fit(FakeModel(), [stop], [{"loss": v} for v in [1.0, 0.95, 0.91, 0.5]])
    assert history.epoch == [0, 1]  # 0.05 is no improvement with min_delta 0.1
    stop = callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=3)
    history = fit(FakeModel(), [stop], [{"loss": v} for v in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    assert history.epoch == [0, 1, 2, 3, 4]


def test_reduce_lr_on_plateau_with_cooldown_and_min_lr(capsys):
    model = FakeModel()
    model.optimizer.build([ember.nn.Parameter(ember.ones(1))])
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2,
                                         min_lr=0.02, verbose=1)
    history = fit(model, [reduce], [{"loss": 1.0}] * 7)
    # epoch 1 reduces (0.05), 2 cools down, 3 reduces (0.025), 4 cools down, 5 reduces to min_lr;
    # the logs hold the rate the epoch trained with, as Keras
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02])
    assert model.optimizer.optimizer.param_groups[0]["lr"] == pytest.approx(0.02)
    assert "ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().out


def test_learning_rate_scheduler_one_and_two_argument_schedules(capsys):
    model = FakeModel()
    history = fit(model, [callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)],
                  [{"loss": 1.0}] * 3)
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])
    assert "LearningRateScheduler setting learning rate to 0.05" in capsys.readouterr().out
    fit(model, [callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], [{}] * 2)
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    fit(model, [callbacks.LearningRateScheduler(max)], [{}])  # a builtin: called as (epoch, lr)
    assert model.optimizer.learning_rate == pytest.approx(0.02)


def test_csv_logger_writes_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    fit(FakeModel(), [callbacks.CSVLogger(path)], [{"loss": 0.5, "val_loss": 0.7}, {"loss": 0.25}])
    fit(FakeModel(), [callbacks.CSVLogger(path, separator=";", append=True)],
        [{"loss": 0.1, "acc": np.array([1.0, 2.0])}])
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "0,0.5,0.7", "1,0.25,NA",
                                             "0;[1.0, 2.0];0.1"]


def test_terminate_on_nan_and_lambda_callback(capsys):
    seen = []
    lam = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch),
                                   on_test_end=lambda logs: seen.append("test"))
    history = fit(FakeModel(), [callbacks.TerminateOnNaN(), lam],
                  [{"loss": 1.0}, {"loss": math.nan}, {"loss": 1.0}])
    assert history.epoch == [0, 1] and seen == ["test", 0, "test", 1]
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_model_checkpoint_templates_best_only_and_weights(tmp_path):
    model = FakeModel()
    template = str(tmp_path / "ckpt" / "{epoch:02d}-{val_loss:.2f}.ember")
    fit(model, [callbacks.ModelCheckpoint(template, save_best_only=True, verbose=1)],
        [{"val_loss": v} for v in [0.9, 0.95, 0.5]])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["01-0.90.ember", "03-0.50.ember"]
    model = FakeModel()
    fit(model, [callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch}-{batch}.ember"), save_freq=3,
                                          save_weights_only=True)], [{"loss": 1.0}] * 3, steps=2)
    assert [p for _, p in model.saved] == [str(tmp_path / "w-2-1.ember"), str(tmp_path / "w-3-2.ember")]
    assert {kind for kind, _ in model.saved} == {"weights"}
    model = FakeModel()
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "acc.ember"), monitor="val_acc",
                                     save_best_only=True, initial_value_threshold=0.8)
    fit(model, [ckpt], [{"val_acc": 0.7}, {"val_acc": 0.85}])
    assert len(model.saved) == 1 and ckpt.best == 0.85


def test_progbar_logger_bar_and_lines(capsys):
    fit(FakeModel(), [callbacks.ProgbarLogger()], [{"loss": 0.5, "val_loss": 0.0001}], steps=3,
        verbose=1)
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Epoch 1/1" in out and "3/3" in out and "loss: 0.5000" in out
    fit(FakeModel(), [callbacks.ProgbarLogger()], [{"loss": 0.5, "val_loss": 0.0001}] * 2, steps=3,
        verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("3/3 - ")
    assert lines[1].endswith(" - loss: 0.5000 - val_loss: 1.0000e-04") and len(lines) == 4
    bar = callbacks.ProgbarLogger()
    bar.set_params({"verbose": 2, "steps": 1})
    bar.on_test_begin()
    bar.on_test_end({"loss": 0.25, "outputs": "ignored"})
    assert capsys.readouterr().out.strip() == "loss: 0.2500"
    bar.set_params({"verbose": 1, "steps": 2})
    bar.on_predict_begin()
    bar.on_predict_batch_end(0, {"outputs": None})
    bar.on_predict_batch_end(1, {"outputs": None})
    bar.on_predict_end()
    assert "2/2" in capsys.readouterr().out


def test_missing_monitor_warns_with_the_available_keys():
    with pytest.warns(UserWarning, match="'val_loss' which is not available. Available metrics are: loss"):
        fit(FakeModel(), [callbacks.EarlyStopping()], [{"loss": 1.0}])
    with pytest.warns(UserWarning, match="ModelCheckpoint is conditioned on metric 'val_loss'"):
        callbacks.ModelCheckpoint("x.ember", save_best_only=True).on_epoch_end(0, {})


@pytest.mark.parametrize("call, match", [
    (lambda: callbacks.CallbackList([print]), "every callback must be an ember.callbacks.Callback"),
    (lambda: callbacks.LambdaCallback(on_epoch_ends=print), "unknown hook 'on_epoch_ends'"),
    (lambda: callbacks.LearningRateScheduler(0.1), "schedule must be a function"),
    (lambda: fit(FakeModel(), [callbacks.LearningRateScheduler(lambda e, lr: "x")], [{}]),
     "should be a float. Received: 'x' at epoch 0"),
    (lambda: callbacks.ReduceLROnPlateau(factor=1.0), "does not support a factor >= 1.0"),
    (lambda: callbacks.EarlyStopping(mode="up"), "EarlyStopping: mode must be 'auto', 'min' or 'max'"),
    (lambda: callbacks.ModelCheckpoint("x", save_freq=0), "save_freq must be 'epoch' or a positive"),
    (lambda: callbacks.ModelCheckpoint("x-{epoch"), "is not a valid template"),
    (lambda: callbacks.ModelCheckpoint("x-{}.ember"), "has a positional field"),
    (lambda: callbacks.ModelCheckpoint("x-{val_acc}").on_epoch_end(0, {"loss": 1.0}),
     "names 'val_acc', which is not in the logs. Available: epoch, loss"),
    (lambda: fit(Bare(), [callbacks.ModelCheckpoint("x.ember")], [{}]),
     "the model \\(Bare\\) has no save\\(path\\) method"),
    (lambda: fit(Bare(), [callbacks.EarlyStopping("loss", restore_best_weights=True)],
                 [{"loss": 1.0}]), "needs a model with get_weights\\(\\) or state_dict\\(\\)"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        call()
