"""RMSprop: gradient steps scaled by a running root-mean-square of recent gradients."""

from ember.backend import array_module
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

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012, "Neural Networks for Machine Learning", lecture 6e), with the
    centered variant and momentum of Graves (2013, "Generating Sequences With Recurrent Neural
    Networks").

    For each parameter θ with gradient g (as PyTorch)::

        g ← -g                                 if maximize
        g ← g + λ θ                            weight decay λ
        v ← α v + (1 - α) g²                   running mean of squares (square_avg)
        a ← α a + (1 - α) g;  v~ ← v - a²      if centered (grad_avg), else v~ ← v
        b ← μ b + g / (√v~ + ε);  θ ← θ - γ b  with momentum μ > 0
        θ ← θ - γ g / (√v~ + ε)                without

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 1e-2). alpha (float): smoothing constant α (default 0.99).
        eps (float): ε (default 1e-8). weight_decay (float): λ (default 0).
        momentum (float): μ (default 0). centered (bool): normalise by the variance estimate
        (default False). maximize (bool): ascend the objective (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = RMSprop([w], lr=0.01, alpha=0.99)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()         # v = 0.01 * 4, so θ ← 1 - 0.01 * 2 / 0.2
        >>> w
        tensor([0.9000], requires_grad=True)
    """

    _param_shaped_state = ("square_avg", "momentum_buffer", "grad_avg")
    _scalar_state = ("step",)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        _check_lr("RMSprop", lr)
        _check("RMSprop", "epsilon value", eps, eps >= 0, "eps >= 0")
        _check("RMSprop", "momentum value", momentum, momentum >= 0, "momentum >= 0")
        _check("RMSprop", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        _check("RMSprop", "alpha value", alpha, alpha >= 0, "alpha >= 0")
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay,
                                  "maximize": maximize})

    def step(self, closure=None):
        """One RMSprop update of every parameter with a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = _to_scalar(group["lr"]), group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _zeros_like(p)
                state["step"]._data += 1
                g = _effective_grad(p, "RMSprop", group["maximize"], weight_decay)
                tmp = xp.empty_like(theta)
                v = state["square_avg"]._data
                _moving_average_of_squares_(v, g, alpha, tmp)  # v ← α v + (1 - α) g²
                avg = xp.empty_like(theta)
                if group["centered"]:
                    a = state["grad_avg"]._data
                    _moving_average_(a, g, alpha, tmp)      # a ← α a + (1 - α) g
                    xp.subtract(v, xp.multiply(a, a, out=avg), out=avg)
                    xp.sqrt(avg, out=avg)                   # √(v - a²)
                else:
                    xp.sqrt(v, out=avg)
                avg += eps
                update = xp.divide(g, avg, out=avg)         # g / (√v~ + ε)
                if momentum > 0:
                    b = state["momentum_buffer"]._data
                    b *= momentum                           # b ← μ b + g / (√v~ + ε)
                    b += update
                    update = xp.multiply(b, lr, out=tmp)    # θ ← θ - γ b
                else:
                    update *= lr                            # θ ← θ - γ g / (√v~ + ε)
                theta -= update
                _updated(p, "RMSprop.step")
            self._for_each(group, update)
        return loss
