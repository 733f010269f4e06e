"""``Dropout`` (Keras): zeroes a fraction ``rate`` of the inputs in training, scaling the rest."""

from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["Dropout"]


class Dropout(Layer):
    """``Dropout(rate, noise_shape=None, seed=None)``; active when ``training`` is true (by
    default the module's mode: ``layer.train()`` / ``layer.eval()``)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': rate must be in [0, 1), received rate={rate!r}")
        if noise_shape is not None:
            raise NotImplementedError(f"Dropout '{self.name}': noise_shape is not supported")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return F.dropout(inputs, self.rate, training=True)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
