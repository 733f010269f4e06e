"""Adamax: Adam with the infinity norm in place of the second moment."""

from ember.backend import array_module
from ember.optim.adam import _check_betas
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _moving_average_,
    _scalar_tensor,
    _to_scalar,
    _updated,
    _zeros_like,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization", section 7.1).

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                   if maximize
        g ← g + λ θ                              weight decay λ
        m ← β1 m + (1 - β1) g                    first moment
        u ← max(β2 u, |g| + ε)                   exponentially weighted infinity norm
        θ ← θ - γ / (1 - β1^t) · m / u

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 2e-3). betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε (default 1e-8). weight_decay (float): λ (default 0).
        maximize (bool): ascend (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = Adamax([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w        # the first step moves each weight by lr against its gradient's sign
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _param_shaped_state = ("exp_avg", "exp_inf")
    _scalar_state = ("step",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *,
                 maximize=False):
        _check_lr("Adamax", lr)
        _check("Adamax", "epsilon value", eps, eps >= 0, "eps >= 0")
        _check_betas("Adamax", betas)
        _check("Adamax", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def step(self, closure=None):
        """One Adamax update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = _to_scalar(group["lr"]), group["betas"]
            eps, weight_decay = group["eps"], group["weight_decay"]

            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"], state["exp_inf"] = _zeros_like(p), _zeros_like(p)
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                state["step"]._data += 1
                t = float(state["step"]._data)
                g = _effective_grad(p, "Adamax", group["maximize"], weight_decay)
                tmp = xp.empty_like(theta)
                _moving_average_(m, g, beta1, tmp)          # m ← β1 m + (1 - β1) g
                u *= beta2                                  # u ← max(β2 u, |g| + ε)
                norm = xp.abs(g, out=tmp)
                norm += eps
                xp.maximum(u, norm, out=u)
                update = xp.divide(m, u, out=tmp)           # θ ← θ - γ / (1 - β1^t) · m / u
                update *= lr / (1 - beta1 ** t)
                theta -= update
                _updated(p, "Adamax.step")
            self._for_each(group, update)
        return loss
