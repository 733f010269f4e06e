"""Keras' ``Adagrad``, on ``ember.optim.Adagrad``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011): steps scaled by the root of the summed squares of
    all past gradients.

    Keras' defaults (``initial_accumulator_value=0.1, epsilon=1e-7``) with PyTorch's rule
    ``θ ← θ - γ g / (√s + ε)``, where Keras computes ``g / √(s + ε)``; with the accumulator
    starting at 0.1 the two differ by less than 1e-6 relative.

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.0).build([w])
        >>> w.grad = ember.tensor([2.0]); opt.step(); w.data   # 1 - 0.1 * 2 / √4
        tensor([0.9000])
    """

    _optim_class = optim.Adagrad

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adagrad"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        self.initial_accumulator_value = self._check_non_negative("initial_accumulator_value",
                                                                  initial_accumulator_value)
        self.epsilon = self._check_non_negative("epsilon", epsilon)

    def _optim_kwargs(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "eps": self.epsilon}

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
