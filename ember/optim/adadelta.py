"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from ember.backend import array_module
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _moving_average_of_squares_,
    _scalar_tensor,
    _to_scalar,
    _updated,
    _zeros_like,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012, "ADADELTA: An Adaptive Learning Rate Method").

    For each parameter θ with gradient g (as PyTorch)::

        g ← -g                                     if maximize
        g ← g + λ θ                                weight decay λ
        v ← ρ v + (1 - ρ) g²                       (square_avg)
        Δ ← √(u + ε) / √(v + ε) · g                (u: acc_delta)
        u ← ρ u + (1 - ρ) Δ²
        θ ← θ - γ Δ

    State per parameter: ``step``, ``square_avg`` and ``acc_delta``.

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ, a scale on Δ (default 1.0). rho (float): ρ (default 0.9).
        eps (float): ε (default 1e-6). weight_decay (float): λ (default 0).
        maximize (bool): ascend the objective (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = Adadelta([w], rho=0.0, eps=1e-6)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()         # Δ = √ε / |g| · g: the first steps are of size √ε
        >>> w
        tensor([0.9990], requires_grad=True)
    """

    _param_shaped_state = ("square_avg", "acc_delta")
    _scalar_state = ("step",)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        _check_lr("Adadelta", lr)
        _check("Adadelta", "rho value", rho, 0.0 <= rho <= 1.0, "0 <= rho <= 1")
        _check("Adadelta", "epsilon value", eps, eps >= 0, "eps >= 0")
        _check("Adadelta", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def step(self, closure=None):
        """One Adadelta update of every parameter with a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = _to_scalar(group["lr"]), group["rho"], group["eps"]
            weight_decay = group["weight_decay"]
            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"], state["acc_delta"] = _zeros_like(p), _zeros_like(p)
                state["step"]._data += 1
                g = _effective_grad(p, "Adadelta", group["maximize"], weight_decay)
                tmp = xp.empty_like(theta)
                v, u = state["square_avg"]._data, state["acc_delta"]._data
                _moving_average_of_squares_(v, g, rho, tmp)  # v ← ρ v + (1 - ρ) g²
                std = xp.sqrt(xp.add(v, eps, out=tmp), out=tmp)
                delta = xp.add(u, eps, out=xp.empty_like(theta))
                delta = xp.sqrt(delta, out=delta)           # Δ ← √(u + ε) / √(v + ε) · g
                delta /= std
                delta *= g
                _moving_average_of_squares_(u, delta, rho, tmp)  # u ← ρ u + (1 - ρ) Δ²
                delta *= lr                                 # θ ← θ - γ Δ
                theta -= delta
                _updated(p, "Adadelta.step")
            self._for_each(group, update)
        return loss
