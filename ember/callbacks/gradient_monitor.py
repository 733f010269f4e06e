"""``GradientMonitor``: gradient norms per layer during ``fit``, warning once per layer when they
vanish or explode (built on ``ember.diagnostics.GradientMonitor``)."""

from ember.callbacks.callback import Callback
from ember.diagnostics import GradientMonitor as _Monitor

__all__ = ["GradientMonitor"]


class GradientMonitor(Callback):
    """Record each parameter's gradient norm every ``every`` training batches.

    After ``fit``, ``history[name]`` holds the recorded norms (for
    ``ember.viz.plot_gradient_flow``). A layer whose gradient vanishes (norm below ``vanishing``)
    or explodes (above ``exploding``) is named in a ``RuntimeWarning``, once.
    """

    def __init__(self, every=1, vanishing=1e-7, exploding=1e3):
        super().__init__()
        self.every, self.vanishing, self.exploding = every, vanishing, exploding
        self.monitor = None
        self.history = {}

    def on_train_begin(self, logs=None):
        self.monitor = _Monitor(self.model, every=self.every, vanishing=self.vanishing,
                                exploding=self.exploding)
        self.history = self.monitor.history

    def on_train_end(self, logs=None):
        if self.monitor is not None:
            self.monitor.remove()
