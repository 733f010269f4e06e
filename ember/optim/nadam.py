"""NAdam: Adam with Nesterov momentum."""

from ember.backend import array_module
from ember.optim.adam import _check_betas
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _moving_average_,
    _moving_average_of_squares_,
    _scalar_tensor,
    _to_scalar,
    _updated,
    _zeros_like,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"), with the momentum
    schedule of that paper and, optionally, AdamW's decoupled weight decay.

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                     if maximize
        θ ← θ (1 - γ λ)  if decoupled,  else  g ← g + λ θ
        μ_t ← β1 (1 - ½ · 0.96^(t ψ))              momentum schedule (ψ: momentum_decay)
        Π_t ← Π_{t-1} μ_t                          (mu_product)
        m ← β1 m + (1 - β1) g;   v ← β2 v + (1 - β2) g²
        d ← √(v / (1 - β2^t)) + ε
        θ ← θ - γ (1 - μ_t) / (1 - Π_t) · g / d - γ μ_{t+1} / (1 - Π_t μ_{t+1}) · m / d

    State per parameter: ``step``, ``mu_product`` (0-d tensors, kept in float32 as PyTorch
    does), ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 2e-3). betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε (default 1e-8). weight_decay (float): λ (default 0).
        momentum_decay (float): ψ (default 4e-3). decoupled_weight_decay (bool): decay the
        weights directly, as AdamW (default False). maximize (bool): ascend (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = NAdam([w], lr=0.1)
        >>> w.grad = ember.tensor([0.5])
        >>> opt.step()
        >>> round(w.item(), 4)
        0.8944
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq")
    _scalar_state = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        _check_lr("NAdam", lr)
        _check("NAdam", "epsilon value", eps, eps >= 0, "eps >= 0")
        _check_betas("NAdam", betas)
        _check("NAdam", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        _check("NAdam", "momentum_decay value", momentum_decay, momentum_decay >= 0,
               "momentum_decay >= 0")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def step(self, closure=None):
        """One NAdam update of every parameter with a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = _to_scalar(group["lr"]), group["betas"]
            eps, weight_decay, psi = group["eps"], group["weight_decay"], group["momentum_decay"]
            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"], state["mu_product"] = _scalar_tensor(0.0), _scalar_tensor(1.0)
                    state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
                state["step"]._data += 1
                t = float(state["step"]._data)
                decoupled = group["decoupled_weight_decay"]
                g = _effective_grad(p, "NAdam", group["maximize"], 0 if decoupled else weight_decay)
                if decoupled and weight_decay != 0:
                    theta *= 1 - lr * weight_decay          # θ ← θ (1 - γ λ)
                tmp = xp.empty_like(theta)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                state["mu_product"]._data *= mu             # in the state's own precision
                mu_product = float(state["mu_product"]._data)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                _moving_average_(m, g, beta1, tmp)
                _moving_average_of_squares_(v, g, beta2, tmp)
                denom = xp.divide(v, 1 - beta2 ** t, out=xp.empty_like(theta))
                denom = xp.sqrt(denom, out=denom)           # d ← √(v / (1 - β2^t)) + ε
                denom += eps
                update = xp.divide(g, denom, out=tmp)       # θ ← θ - γ (1 - μ_t) / (1 - Π_t) g / d
                update *= lr * (1.0 - mu) / (1.0 - mu_product)
                theta -= update
                update = xp.divide(m, denom, out=tmp)       # θ ← θ - γ μ_{t+1} / (1 - Π_{t+1}) m / d
                update *= lr * mu_next / (1.0 - mu_product * mu_next)
                theta -= update
                _updated(p, "NAdam.step")
            self._for_each(group, update)
        return loss
