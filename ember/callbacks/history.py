"""``History``: the record of every epoch's logs, returned by ``fit``."""

from ember.callbacks.callback import Callback

__all__ = ["History"]


class History(Callback):
    """Records the logs of every epoch: ``history`` maps each metric name to its list of values,
    ``epoch`` lists the epochs (from 0). ``fit`` adds one and returns it.

    Example::

        >>> import ember
        >>> h = ember.callbacks.History()
        >>> h.on_train_begin(); h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
        >>> h.history, h.epoch
        ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def plot(self, path=None, title=None):
        """Loss and metrics per epoch, training and validation (``ember.viz.plot_history``)."""
        from ember.viz import plot_history

        return plot_history(self.history, path, title=title)

    def on_train_begin(self, logs=None):
        self.epoch = []  # a second fit starts a new epoch list but extends the metric lists, as Keras

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
