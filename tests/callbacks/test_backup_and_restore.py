import numpy as np
import pytest

import ember
from ember import layers
from ember.callbacks import BackupAndRestore


def _model():
    ember.manual_seed(0)
    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                     layers.Dense(1)])
    model.compile("adam", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    return x, x.sum(1, keepdims=True)


class _CrashAfterEpoch1(ember.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("simulated crash")


def test_an_interrupted_fit_resumes_from_the_last_finished_epoch(tmp_path):
    x, y = _data()
    straight = _model()
    straight.fit(x, y, epochs=4, batch_size=16, verbose=0)
    crashed = _model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashed.fit(x, y, epochs=4, batch_size=16, verbose=0,
                    callbacks=[BackupAndRestore(tmp_path), _CrashAfterEpoch1()])
    assert (tmp_path / "backup.safetensors").exists()
    resumed = _model()  # a fresh model, as in a new process
    history = resumed.fit(x, y, epochs=4, batch_size=16, verbose=0,
                          callbacks=[BackupAndRestore(tmp_path)])
    assert history.epoch == [2, 3]
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)  # as if never interrupted
    assert not (tmp_path / "backup.safetensors").exists()  # a finished fit deletes its backup


def test_backup_and_restore_refuses_batch_frequencies_and_empty_folders():
    with pytest.raises(ValueError, match="save_freq=10 is not supported"):
        BackupAndRestore("runs/backup", save_freq=10)
    with pytest.raises(ValueError, match="backup_dir must be a folder path"):
        BackupAndRestore("")
