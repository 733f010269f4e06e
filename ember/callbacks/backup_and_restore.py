"""``BackupAndRestore``: an interrupted ``fit`` resumes from the last finished epoch."""

import os

from ember.backend import random as _random
from ember.callbacks.callback import Callback
from ember.saving import load, save
from ember.tensor.tensor import Tensor

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the training state at the end of every epoch; restore it when ``fit`` starts again.

    The backup holds the model's weights, the optimizer's state, the epoch and ember's random
    state (so shuffling continues as if never stopped), written atomically with ``ember.save`` to
    ``backup_dir/backup.safetensors``. When ``fit`` is called again (after a crash, in a new
    process) with the same callback arguments, training continues at the epoch after the last
    backed-up one. A ``fit`` that ends normally deletes the backup (``delete_checkpoint=True``).

    Example::

        model.fit(x, y, epochs=10, callbacks=[ember.callbacks.BackupAndRestore("runs/backup")])
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a folder path, got "
                             f"{backup_dir!r}")
        if save_freq != "epoch":
            raise ValueError(f"BackupAndRestore: save_freq={save_freq!r} is not supported; ember "
                             "backs up at the end of every epoch (save_freq='epoch')")
        self.backup_dir = os.fspath(backup_dir)
        self.delete_checkpoint = delete_checkpoint
        self.path = os.path.join(self.backup_dir, "backup.safetensors")

    def on_train_begin(self, logs=None):
        if not os.path.exists(self.path):
            return
        state = load(self.path)
        self.model.load_state_dict(state["model"])
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "optimizer" in state:
            if not optimizer.built:
                optimizer.build(self.model.trainable_weights)
            optimizer.load_state_dict(state["optimizer"])
        _random.default_generator.set_state(state["rng"]._data)
        self.model._resume_epoch = int(state["epoch"]) + 1  # fit starts there

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        state = {"model": self.model.state_dict(), "epoch": int(epoch),
                 "rng": Tensor._make(_random.default_generator.get_state(), False, None, 0)}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and optimizer.built:
            state["optimizer"] = optimizer.state_dict()
        save(state, self.path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)
