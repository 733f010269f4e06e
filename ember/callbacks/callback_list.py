"""``CallbackList``: one dispatcher that calls every callback's hook, in order, with one logs dict."""

from ember.callbacks.callback import Callback
from ember.callbacks.history import History
from ember.callbacks.progbar_logger import ProgbarLogger

__all__ = ["CallbackList"]

class CallbackList(Callback):
    """The callbacks of one ``fit``/``evaluate``/``predict`` run, called in order.

    Args:
        callbacks (list): ``Callback`` instances.
        add_history (bool): append a ``History`` if none is given (``fit`` does).
        add_progbar (bool): append a ``ProgbarLogger`` if none is given (for ``verbose`` > 0).
        model: the model, given to every callback (``set_model``).
        **params: ``verbose``, ``epochs``, ``steps`` ... given to every callback (``set_params``).

    Example::

        >>> import ember
        >>> cbs = ember.callbacks.CallbackList(add_history=True, epochs=1)
        >>> cbs.on_train_begin(); cbs.on_epoch_end(0, {"loss": 0.5}); cbs.history.history
        {'loss': [0.5]}
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"CallbackList: every callback must be an ember.callbacks.Callback; "
                                f"received {callback!r} of type {type(callback).__name__}. Wrap a "
                                f"function in LambdaCallback(on_epoch_end=fn).")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    @property
    def stop_training(self):
        """The model's ``stop_training`` flag (False without a model)."""
        return bool(getattr(self.model, "stop_training", False))

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def _call(self, hook, *args, logs):
        logs = {} if logs is None else logs  # one dict, seen (and extendable) by every callback
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs)
