"""``Callback``: the base class of training callbacks, every hook Keras has, each a no-op."""

__all__ = ["Callback"]


class Callback:
    """Base class: override the hooks you need. ``fit``/``evaluate``/``predict`` call them through
    a ``CallbackList`` in Keras' order; ``self.model`` and ``self.params`` (``verbose``,
    ``epochs``, ``steps``) are set before training starts. A callback stops training by setting
    ``self.model.stop_training = True``.

    Example::

        >>> import ember
        >>> class Printer(ember.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(f"epoch {epoch}: loss {logs['loss']:.2f}")
        >>> Printer().on_epoch_end(0, {"loss": 0.5})
        epoch 0: loss 0.50
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, however it ends (also after ``stop_training``)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of every epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of every epoch; ``logs`` holds the epoch's training and validation
        metrics (``loss``, ``accuracy``, ``val_loss`` ...)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch."""

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch; ``logs`` holds the running metrics of the epoch."""

    def on_test_begin(self, logs=None):
        """Called when evaluation (``evaluate`` or fit's validation) starts."""

    def on_test_end(self, logs=None):
        """Called when evaluation ends."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch; ``logs['outputs']`` holds the batch's outputs."""
