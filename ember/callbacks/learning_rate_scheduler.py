"""``LearningRateScheduler``: set the learning rate at the start of each epoch from a function."""

import inspect
import numbers

from ember.callbacks.callback import Callback

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """Calls ``schedule(epoch, lr)`` (or ``schedule(epoch)``) at the start of every epoch and sets
    ``model.optimizer.learning_rate`` to its result; adds ``learning_rate`` to the epoch's logs.

    Example::

        >>> import ember
        >>> class Optimizer: learning_rate = 0.1
        >>> class Model: optimizer = Optimizer()
        >>> sched = ember.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
        >>> sched.set_model(Model())
        >>> for epoch in range(3): sched.on_epoch_begin(epoch)
        >>> Model.optimizer.learning_rate
        0.025
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function schedule(epoch, lr) "
                            f"returning the new learning rate. Received: {schedule!r}.")
        self.schedule, self.verbose = schedule, verbose
        try:
            parameters = inspect.signature(schedule).parameters.values()
            positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self._takes_lr = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)
        except (TypeError, ValueError):  # a builtin without a signature: Keras' two-argument form
            self._takes_lr = True

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(optimizer.learning_rate)
        lr = self.schedule(epoch, lr) if self._takes_lr else self.schedule(epoch)
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool):
            raise ValueError(f"LearningRateScheduler: the output of the schedule function should be "
                             f"a float. Received: {lr!r} at epoch {epoch}.")
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
