"""ASGD: stochastic gradient descent with a decaying step and a running average of the weights."""

from ember.backend import array_module
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _scalar_tensor,
    _to_scalar,
    _updated,
    _zeros_like,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992, "Acceleration of Stochastic Approximation by
    Averaging"), with the step-size schedule of Bottou (2012, "Stochastic Gradient Descent
    Tricks").

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                       if maximize
        g ← g + λ_w θ                                weight decay λ_w
        θ ← θ (1 - λ η) - η g                        η starts at γ
        θ̄ ← θ̄ + μ (θ - θ̄)                          the average (θ̄ = θ while μ = 1)
        η ← γ / (1 + λ γ t)^α;   μ ← 1 / max(1, t - t0)

    State per parameter: ``step``, ``eta`` (η), ``mu`` (μ) and ``ax`` (θ̄, the averaged weights,
    which the model does not use: copy them in for evaluation).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 1e-2). lambd (float): λ, the decay term (default 1e-4).
        alpha (float): α, the power of the step-size decay (default 0.75). t0 (float): the step
        at which averaging starts (default 1e6). weight_decay (float): λ_w (default 0).
        maximize (bool): ascend (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ASGD([w], lr=0.1, lambd=0.0)
        >>> w.grad = ember.tensor([2.0])
        >>> opt.step()        # θ ← 1 - 0.1 · 2
        >>> w
        tensor([0.8000], requires_grad=True)
    """

    _param_shaped_state = ("ax",)
    _scalar_state = ("step", "eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *,
                 maximize=False):
        _check_lr("ASGD", lr)
        _check("ASGD", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _to_scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]

            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["eta"], state["mu"] = _scalar_tensor(float(lr)), _scalar_tensor(1.0)
                    state["ax"] = _zeros_like(p)
                state["step"]._data += 1
                t = float(state["step"]._data)
                g = _effective_grad(p, "ASGD", group["maximize"], group["weight_decay"])
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)
                theta *= 1 - lambd * eta                    # θ ← θ (1 - λ η) - η g
                theta -= xp.multiply(g, eta)
                ax = state["ax"]._data
                if mu != 1:                                 # θ̄ ← θ̄ + μ (θ - θ̄)
                    ax += (theta - ax) * mu
                else:
                    ax[...] = theta
                state["eta"]._data[...] = lr / ((1 + lambd * lr * t) ** alpha)
                state["mu"]._data[...] = 1 / max(1, t - t0)
                _updated(p, "ASGD.step")
            self._for_each(group, update)
        return loss
