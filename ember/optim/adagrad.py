"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from ember.backend import array_module
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _full_like,
    _scalar_tensor,
    _to_scalar,
    _updated,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011, "Adaptive Subgradient Methods for Online Learning
    and Stochastic Optimization").

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                 if maximize
        g ← g + λ θ                            weight decay λ
        γ_t ← γ / (1 + (t - 1) η)              learning-rate decay η
        s ← s + g²                             (sum, starting at initial_accumulator_value)
        θ ← θ - γ_t g / (√s + ε)

    State per parameter: ``step`` and ``sum``, made for every parameter when the optimizer is
    built (as PyTorch), with the ``initial_accumulator_value`` given to the constructor.

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 1e-2). lr_decay (float): η (default 0).
        weight_decay (float): λ (default 0). initial_accumulator_value (float): the start of
        ``sum`` (default 0). eps (float): ε (default 1e-10). maximize (bool): ascend (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = Adagrad([w], lr=0.5)
        >>> w.grad = ember.tensor([3.0])
        >>> opt.step()         # s = 9, so θ ← 1 - 0.5 * 3 / 3
        >>> w
        tensor([0.5000], requires_grad=True)
    """

    _param_shaped_state = ("sum",)
    _scalar_state = ("step",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        _check_lr("Adagrad", lr)
        _check("Adagrad", "lr_decay value", lr_decay, lr_decay >= 0, "lr_decay >= 0")
        _check("Adagrad", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        _check("Adagrad", "initial_accumulator_value", initial_accumulator_value,
               initial_accumulator_value >= 0, "initial_accumulator_value >= 0")
        _check("Adagrad", "epsilon value", eps, eps >= 0, "eps >= 0")
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "maximize": maximize})
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        # PyTorch starts every sum at the constructor's value, whatever a group says.
        state = self.state[p]
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = _full_like(p, self.defaults["initial_accumulator_value"])

    def step(self, closure=None):
        """One Adagrad update of every parameter with a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay = _to_scalar(group["lr"]), group["lr_decay"]
            eps, weight_decay = group["eps"], group["weight_decay"]
            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:  # a parameter added with add_param_group
                    self._init_state(p)
                state["step"]._data += 1
                t = float(state["step"]._data)
                g = _effective_grad(p, "Adagrad", group["maximize"], weight_decay)
                tmp = xp.empty_like(theta)
                clr = lr / (1 + (t - 1) * lr_decay)
                s = state["sum"]._data
                s += xp.multiply(g, g, out=tmp)             # s ← s + g²
                std = xp.sqrt(s, out=tmp)
                std += eps
                update = xp.divide(g, std, out=tmp)         # θ ← θ - γ_t g / (√s + ε)
                update *= clr
                theta -= update
                _updated(p, "Adagrad.step")
            self._for_each(group, update)
        return loss
