"""``Dropout`` (Keras): zeroes a fraction ``rate`` of the inputs in training, scaling the rest."""

import ember
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["Dropout"]


class Dropout(Layer):
    """``Dropout(rate, noise_shape=None, seed=None)``; active when ``training`` is true (by
    default the module's mode: ``layer.train()`` / ``layer.eval()``).

    ``noise_shape`` (one entry per input axis, None for the input's own size) is the shape of
    the dropout mask, broadcast over the inputs: ``noise_shape=(None, 1, None)`` on ``(batch,
    timesteps, features)`` drops the same features at every time step."""

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': rate must be in [0, 1), received rate={rate!r}")
        if noise_shape is not None:
            noise_shape = tuple(None if d is None else int(d) for d in noise_shape)
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def _check_input_shape(self, shape):
        if self.noise_shape is None or isinstance(shape, list):
            return
        if len(self.noise_shape) != len(shape) or any(
                d not in (None, 1) and n is not None and d != n for d, n in zip(self.noise_shape, shape)):
            raise ValueError(f"{self._describe()}: noise_shape={self.noise_shape} does not broadcast to "
                             f"the input shape {shape_str(shape)}: give one entry per axis, each None, "
                             "1 or the input's size")

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = [n if d is None else d for d, n in zip(self.noise_shape, inputs.shape)]
        keep = F.dropout(ember.ones(*shape, dtype=inputs.dtype, device=inputs.device), self.rate)
        return inputs * keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
