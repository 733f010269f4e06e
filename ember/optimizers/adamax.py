"""Keras' ``Adamax``, on ``ember.optim.Adamax``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7.1): Adam with an exponentially weighted infinity norm
    ``u ← max(β2 u, |g|)`` in place of the second moment.

    Keras' defaults (``epsilon=1e-7``) with PyTorch's rule, which takes ``max(β2 u, |g| + ε)``
    where Keras divides by ``u + ε``: the two agree once ``|g|`` is well above ε. ``weight_decay``
    is decoupled, as in Keras.

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.Adamax(learning_rate=0.1).build([w])
        >>> w.grad = ember.tensor([2.0]); opt.step(); w.data   # the first step is ≈ lr
        tensor([0.9000])
    """

    _optim_class = optim.Adamax

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="adamax"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        for what, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adamax: {what} must lie in [0, 1). Received: {what}={beta!r}.")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = self._check_non_negative("epsilon", epsilon)

    def _optim_kwargs(self):
        return {"betas": (self.beta_1, self.beta_2), "eps": self.epsilon}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
