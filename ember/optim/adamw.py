"""AdamW: Adam with decoupled weight decay."""

from ember.optim.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019, "Decoupled Weight Decay Regularization"): Adam whose
    weight decay shrinks the weights directly, ``θ ← θ (1 - γ λ)``, instead of adding ``λ θ`` to
    the gradient, so that the decay is not rescaled by the adaptive denominator.

    The rest of the update, its options and its state are Adam's (see ``Adam``); the default
    ``weight_decay`` is 1e-2.

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ember.zeros(2)
        >>> opt.step()          # a zero gradient: only the decay acts, θ (1 - 0.1 * 0.5)
        >>> w
        tensor([ 0.9500, -0.9500], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # AdamW's decay stays decoupled, as in PyTorch
            group["decoupled_weight_decay"] = True
