"""Keras' ``Nadam``: Adam with Nesterov momentum, on ``ember.optim.NAdam``."""

from ember import optim
from ember.optimizers.adam import Adam

__all__ = ["Nadam"]


class Nadam(Adam):
    """Nadam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"), with the momentum
    schedule ``μ_t = β1 (1 - 0.5 · 0.96^(0.004 t))`` that Keras and PyTorch share
    (``momentum_decay=0.004``), and Keras' ``epsilon=1e-7``.

    Example::

        >>> import ember
        >>> ember.optimizers.Nadam().get_config()["beta_2"]
        0.999
    """

    _optim_class = optim.NAdam

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="nadam"):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, False, weight_decay, clipnorm,
                         clipvalue, global_clipnorm, name)

    def _optim_kwargs(self):
        kwargs = super()._optim_kwargs()
        del kwargs["amsgrad"]
        return kwargs

    def get_config(self):
        config = super().get_config()
        del config["amsgrad"]
        return config
