"""Keras' ``RMSprop``, on ``ember.optim.RMSprop``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012, lecture 6e), centered variant and momentum of Graves (2013).

    Keras' ``rho`` is PyTorch's ``alpha``. Keras' defaults (``learning_rate=0.001, rho=0.9,
    epsilon=1e-7``) with PyTorch's rule ``θ ← θ - γ g / (√v + ε)``; Keras puts ε inside the root,
    ``g / √(v + ε)``, a difference that matters only while ``v`` is about ε or smaller.

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.RMSprop(learning_rate=0.01).build([w])
        >>> w.grad = ember.tensor([2.0]); opt.step(); w.data   # 1 - 0.01 * 2 / √(0.1 * 4)
        tensor([0.9684])
    """

    _optim_class = optim.RMSprop

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="rmsprop"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        if not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must lie in [0, 1). Received: rho={rho!r}.")
        self.rho, self.centered = float(rho), bool(centered)
        self.momentum = self._check_non_negative("momentum", momentum)
        self.epsilon = self._check_non_negative("epsilon", epsilon)

    def _optim_kwargs(self):
        return {"alpha": self.rho, "eps": self.epsilon, "momentum": self.momentum,
                "centered": self.centered}

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
