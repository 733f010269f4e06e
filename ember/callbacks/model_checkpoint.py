"""``ModelCheckpoint``: save the model (or its weights) during training."""

import os
import string

from ember.callbacks import _monitor
from ember.callbacks.callback import Callback

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Saves the model at the end of every epoch (or every ``save_freq`` batches) through
    ``model.save(path)`` or, with ``save_weights_only``, ``model.save_weights(path)``.

    Args:
        filepath (str): a path, possibly a template filled from the epoch (from 1) and the logs:
            ``'ckpt/{epoch:02d}-{val_loss:.2f}.ember'``. Missing folders are created.
        monitor (str): the logs key compared for ``save_best_only`` (default ``'val_loss'``).
        verbose (int): 1 prints a line per save.
        save_best_only (bool): save only when ``monitor`` improves on the best so far.
        save_weights_only (bool): save the weights instead of the whole model.
        mode (str): ``'min'``, ``'max'`` or ``'auto'``.
        save_freq: ``'epoch'`` or a number of batches.
        initial_value_threshold (float): the value to beat first (``save_best_only``).

    Example::

        >>> import ember
        >>> class Model:
        ...     def save(self, path): print("saved", path)
        >>> ckpt = ember.callbacks.ModelCheckpoint("ckpt-{epoch:02d}-{loss:.2f}.ember")
        >>> ckpt.set_model(Model()); ckpt.on_epoch_end(0, {"loss": 0.4567})
        saved ckpt-01-0.46.ember
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = _monitor.direction("ModelCheckpoint", monitor, mode)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of "
                             f"batches. Received: save_freq={save_freq!r}.")
        self.save_freq = save_freq
        self.best = _monitor.worst(self.mode) if initial_value_threshold is None else initial_value_threshold
        self._batches_seen, self._current_epoch = 0, 0
        self._check_template()

    def _check_template(self):
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(self.filepath) if f is not None]
        except ValueError as error:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} is not a valid template "
                             f"({error}); write fields as {{epoch:02d}} or {{val_loss:.2f}}.") from None
        if any(f == "" or f.isdigit() for f in fields):
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} has a positional field "
                             f"'{{}}'; name it, e.g. {{epoch:02d}}.")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, logs, batch=batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _filepath(self, epoch, logs, batch):
        values = {**(logs or {}), "epoch": epoch + 1}
        if batch is not None:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except KeyError as error:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {error.args[0]!r}, "
                           f"which is not in the logs. Available: epoch, "
                           f"{', '.join(logs or {}) or '(no logs)'}.") from None

    def _save(self, epoch, logs, batch=None):
        path = self._filepath(epoch, logs, batch)
        if self.save_best_only:
            current = _monitor.monitored_value("ModelCheckpoint", self.monitor, logs)
            if current is None:
                return
            if not _monitor.is_improvement(self.mode, current, self.best, 0.0):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        method = "save_weights" if self.save_weights_only else "save"
        if not hasattr(self.model, method):
            raise TypeError(f"ModelCheckpoint: the model ({type(self.model).__name__}) has no "
                            f"{method}(path) method; use an ember.models.Model.")
        getattr(self.model, method)(path)
