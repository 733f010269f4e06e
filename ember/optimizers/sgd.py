"""Keras' ``SGD``: gradient descent with optional (Nesterov) momentum, on ``ember.optim.SGD``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (Robbins & Monro, 1951), with the momentum of Polyak (1964)
    and Nesterov's variant (Sutskever et al., 2013).

    Keras writes momentum as a velocity ``v ← μ v - γ g; θ ← θ + v``, PyTorch (whose rule is used)
    as ``b ← μ b + g; θ ← θ - γ b``: the same steps while the learning rate is constant; after a
    change of the learning rate, Keras' velocity still carries the old rate for a while.

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.SGD(learning_rate=0.1).build([w])
        >>> w.grad = ember.tensor([2.0]); opt.step(); w.data
        tensor([0.8000])
    """

    _optim_class = optim.SGD

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1]. Received: momentum={momentum!r}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0. Received: momentum=0.")

    def _optim_kwargs(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
