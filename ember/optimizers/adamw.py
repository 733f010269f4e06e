"""Keras' ``AdamW``: Adam with decoupled weight decay, on ``ember.optim.AdamW``."""

from ember import optim
from ember.optimizers.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"): Adam, and
    ``θ ← θ - γ λ θ`` at every step. Keras' default ``weight_decay=0.004``; see ``Adam`` for the
    ε placement.

    Example::

        >>> import ember
        >>> ember.optimizers.AdamW().get_config()["weight_decay"]
        0.004
    """

    _optim_class = optim.AdamW

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamw"):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number >= 0. Received: "
                             "weight_decay=None; use Adam for no weight decay.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, clipnorm,
                         clipvalue, global_clipnorm, name)

    def _optim_kwargs(self):
        kwargs = super()._optim_kwargs()
        del kwargs["decoupled_weight_decay"]  # AdamW always decouples
        return kwargs
