"""``TerminateOnNaN``: stop training as soon as the loss becomes NaN or infinite."""

import math

from ember.callbacks.callback import Callback

__all__ = ["TerminateOnNaN"]


class TerminateOnNaN(Callback):
    """Sets ``model.stop_training`` when a batch's ``loss`` is NaN or infinite.

    Example::

        >>> import ember
        >>> class Model: stop_training = False
        >>> stop = ember.callbacks.TerminateOnNaN(); stop.set_model(Model())
        >>> stop.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training
        >>> stop.model.stop_training
        True
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
