"""Keras' ``Adam``, on ``ember.optim.Adam``."""

from ember import optim
from ember.optimizers.optimizer import Optimizer

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization"), with AMSGrad
    (Reddi et al., 2018) as an option.

    Keras' defaults (``epsilon=1e-7``) with PyTorch's update rule: ε is added to the
    bias-corrected ``√v̂`` (PyTorch), where Keras adds it to the uncorrected ``√v`` (the paper's
    "ε-hat" form), so early steps differ slightly when ``√v`` is near ε. ``weight_decay`` is
    decoupled, as in Keras (and AdamW).

    Example::

        >>> import ember
        >>> w = ember.nn.Parameter(ember.tensor([1.0]))
        >>> opt = ember.optimizers.Adam(learning_rate=0.1).build([w])
        >>> w.grad = ember.tensor([2.0]); opt.step(); w.data   # the first step is ≈ lr
        tensor([0.9000])
    """

    _optim_class = optim.Adam
    _decay_built_in = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="adam"):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, name)
        for what, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{type(self).__name__}: {what} must lie in [0, 1). Received: "
                                 f"{what}={beta!r}.")
        self.beta_1, self.beta_2, self.amsgrad = float(beta_1), float(beta_2), bool(amsgrad)
        self.epsilon = self._check_non_negative("epsilon", epsilon)

    def _optim_kwargs(self):
        return {"betas": (self.beta_1, self.beta_2), "eps": self.epsilon, "amsgrad": self.amsgrad,
                "weight_decay": self.weight_decay or 0.0, "decoupled_weight_decay": True}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
