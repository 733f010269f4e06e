"""``EarlyStopping``: stop training when a monitored metric has stopped improving."""

import copy

import numpy as np

from ember.callbacks import _monitor
from ember.callbacks.callback import Callback

__all__ = ["EarlyStopping", "get_model_weights", "set_model_weights"]


def get_model_weights(model):
    """A copy of the model's weights: ``get_weights()`` (Keras) or else ``state_dict()``."""
    if hasattr(model, "get_weights"):
        return [np.array(w, copy=True) for w in model.get_weights()]
    if hasattr(model, "state_dict"):
        return {k: v.detach().clone() if hasattr(v, "detach") else copy.deepcopy(v)
                for k, v in model.state_dict().items()}
    raise TypeError(f"EarlyStopping(restore_best_weights=True) needs a model with get_weights() or "
                    f"state_dict(); received a {type(model).__name__}.")


def set_model_weights(model, weights):
    if isinstance(weights, dict):
        model.load_state_dict(weights)
    else:
        model.set_weights(weights)


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs.

    Args:
        monitor (str): the logs key to watch (default ``'val_loss'``).
        min_delta (float): the smallest change that counts as an improvement.
        patience (int): epochs without improvement before stopping.
        verbose (int): 1 prints when it stops and restores.
        mode (str): ``'min'``, ``'max'`` or ``'auto'`` (maximise accuracy-like names).
        baseline (float): a value to beat; training stops after ``patience`` epochs that do not
            beat it, even if they improve on each other.
        restore_best_weights (bool): put back the weights of the best epoch when training ends.
            Unlike Keras, which restores only when it stops training early, they are restored
            however training ends (also when the epochs run out), so the model always leaves
            ``fit`` with its best weights.
        start_from_epoch (int): epochs to wait before watching (warm-up).

    Example::

        >>> import ember
        >>> stop = ember.callbacks.EarlyStopping(monitor="loss", patience=1)
        >>> class Model: stop_training = False
        >>> stop.set_model(Model()); stop.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 0.5, 0.6, 0.7]):
        ...     stop.on_epoch_end(epoch, {"loss": loss})
        ...     if stop.model.stop_training: break
        >>> stop.stopped_epoch
        2
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch, self.min_delta = start_from_epoch, abs(min_delta)
        self.mode = _monitor.direction("EarlyStopping", monitor, mode)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = _monitor.worst(self.mode)
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = _monitor.monitored_value("EarlyStopping", self.monitor, logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = get_model_weights(self.model)  # something to restore, even if no
        self.wait += 1                                          # epoch ever beats the baseline
        if _monitor.is_improvement(self.mode, current, self.best, self.min_delta):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = get_model_weights(self.model)
            # the count restarts only when both the baseline and the previous best are beaten
            if self.baseline is None or _monitor.is_improvement(self.mode, current, self.baseline,
                                                                self.min_delta):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            set_model_weights(self.model, self.best_weights)
