"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""

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

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020, "On the Variance of the Adaptive Learning Rate and Beyond").

    While the second moment rests on too few steps to be trusted (ρ_t ≤ 5), RAdam steps with
    bias-corrected momentum alone (SGD with momentum); afterwards it steps as Adam, scaled by the
    rectification term r_t. For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                     if maximize
        θ ← θ (1 - γ λ)  if decoupled,  else  g ← g + λ θ
        m ← β1 m + (1 - β1) g;   v ← β2 v + (1 - β2) g²
        m^ ← m / (1 - β1^t)
        ρ_∞ ← 2 / (1 - β2) - 1;   ρ_t ← ρ_∞ - 2 t β2^t / (1 - β2^t)
        if ρ_t > 5:  r_t ← √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
                     θ ← θ - γ m^ · √(1 - β2^t) / (√v + ε) · r_t
        else:        θ ← θ - γ m^

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 1e-3). betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε (default 1e-8). weight_decay (float): λ (default 0).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW (default False).
        maximize (bool): ascend the objective (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = RAdam([w], lr=0.1)
        >>> w.grad = ember.tensor([0.5])
        >>> opt.step()         # ρ_1 = 1 ≤ 5: a momentum step, θ ← 1 - 0.1 * 0.5
        >>> w
        tensor([0.9500], requires_grad=True)
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq")
    _scalar_state = ("step",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        _check_lr("RAdam", lr)
        _check("RAdam", "epsilon value", eps, eps >= 0, "eps >= 0")
        _check_betas("RAdam", betas)
        _check("RAdam", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def step(self, closure=None):
        """One RAdam update of every parameter with a gradient; returns the closure's loss."""
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
                    state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
                state["step"]._data += 1
                t = float(state["step"]._data)
                decoupled = group["decoupled_weight_decay"]
                g = _effective_grad(p, "RAdam", group["maximize"], 0 if decoupled else weight_decay)
                if decoupled and weight_decay != 0:
                    theta *= 1 - lr * weight_decay          # θ ← θ (1 - γ λ)
                tmp = xp.empty_like(theta)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                _moving_average_(m, g, beta1, tmp)
                _moving_average_of_squares_(v, g, beta2, tmp)
                bias_correction1, bias_correction2 = 1 - beta1 ** t, 1 - beta2 ** t
                update = xp.divide(m, bias_correction1, out=tmp)  # γ m^
                update *= lr
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = xp.sqrt(v, out=xp.empty_like(theta))  # √(1 - β2^t) / (√v + ε)
                    adaptive += eps
                    update *= xp.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
                    update *= rect
                theta -= update
                _updated(p, "RAdam.step")
            self._for_each(group, update)
        return loss
