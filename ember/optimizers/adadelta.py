"""Keras' ``Adadelta``, on ``ember.optim.Adadelta``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method"): each step is
    ``g · √(E[Δ²] + ε) / √(E[g²] + ε)``, running averages with decay ``rho``, scaled by the
    learning rate. Keras' defaults (``learning_rate=0.001, rho=0.95, epsilon=1e-7``); the rule is
    Keras' and PyTorch's alike. ``weight_decay`` is decoupled, as in Keras.

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.Adadelta(learning_rate=1.0, rho=0.0, epsilon=1e-2).build([w])
        >>> w.grad = ember.tensor([1.0]); opt.step(); w.data   # 1 - 1 · √0.01 / √1.01
        tensor([0.9005])
    """

    _optim_class = optim.Adadelta

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name="adadelta"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        if not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: rho must lie in [0, 1]. Received: rho={rho!r}.")
        self.rho = float(rho)
        self.epsilon = self._check_non_negative("epsilon", epsilon)

    def _optim_kwargs(self):
        return {"rho": self.rho, "eps": self.epsilon}

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
