"""``ReduceLROnPlateau``: lower the learning rate when a monitored metric stops improving."""

from ember.callbacks import _monitor
from ember.callbacks.callback import Callback

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(Callback):
    """Multiplies ``model.optimizer.learning_rate`` by ``factor`` after ``patience`` epochs in
    which ``monitor`` did not improve by more than ``min_delta``; then waits ``cooldown`` epochs
    before counting again, and never goes below ``min_lr``. It adds ``learning_rate`` to the logs.

    Example::

        >>> import ember
        >>> class Optimizer: learning_rate = 0.1
        >>> class Model: optimizer = Optimizer()
        >>> reduce = ember.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> reduce.set_model(Model()); reduce.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 1.0]):
        ...     reduce.on_epoch_end(epoch, {"loss": loss})
        >>> Model.optimizer.learning_rate
        0.05
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if not 0 <= factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0 (or < 0). "
                             f"Received: factor={factor}.")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        self.mode = _monitor.direction("ReduceLROnPlateau", monitor, mode)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = _monitor.worst(self.mode), 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = _monitor.monitored_value("ReduceLROnPlateau", self.monitor, logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if _monitor.is_improvement(self.mode, current, self.best, self.min_delta):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate)
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                              f"{new_lr}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0
