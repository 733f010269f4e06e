"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from ember.backend import array_module
from ember.optim.optimizer import (
    Optimizer,
    _check,
    _check_lr,
    _effective_grad,
    _to_scalar,
    _updated,
)
from ember.tensor.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (Robbins & Monro, 1951), optionally with momentum (Polyak,
    1964, in the form of Sutskever et al., 2013, "On the importance of initialization and
    momentum in deep learning") and Nesterov momentum.

    For each parameter θ with gradient g, step by step (as PyTorch)::

        g ← -g                      if maximize
        g ← g + λ θ                 weight decay λ (L2 penalty)
        b ← g                       at the first step, else  b ← μ b + (1 - τ) g
        g ← g + μ b  if nesterov,   else  g ← b          (when momentum μ ≠ 0; τ: dampening)
        θ ← θ - γ g

    State per parameter: ``momentum_buffer`` (when momentum ≠ 0).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): learning rate γ (default 1e-3).
        momentum (float): μ (default 0). dampening (float): τ (default 0).
        weight_decay (float): λ (default 0). nesterov (bool): Nesterov momentum (default False).
        maximize (bool): ascend the objective instead (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([0.8000, 1.6000], requires_grad=True)
    """

    _param_shaped_state = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        _check_lr("SGD", lr)
        _check("SGD", "momentum value", momentum, momentum >= 0, "momentum >= 0")
        _check("SGD", "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, "
                             f"got momentum={momentum}, dampening={dampening}")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def step(self, closure=None):
        """One SGD update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum = _to_scalar(group["lr"]), group["momentum"]
            dampening, weight_decay = group["dampening"], group["weight_decay"]
            def update(p):
                theta = p._data
                g = _effective_grad(p, "SGD", group["maximize"], weight_decay)
                xp = array_module(theta)
                tmp = xp.empty_like(theta)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:                         # b ← g
                        state["momentum_buffer"] = buf = Tensor._make(g.copy(), False, None, 0)
                        b = buf._data
                    else:                                   # b ← μ b + (1 - τ) g
                        b = buf._data
                        b *= momentum
                        b += g if dampening == 0 else xp.multiply(g, 1 - dampening, out=tmp)
                    if group["nesterov"]:                   # g ← g + μ b
                        g = xp.add(xp.multiply(b, momentum, out=tmp), g, out=tmp)
                    else:
                        g = b
                theta -= xp.multiply(g, lr, out=tmp)        # θ ← θ - γ g
                _updated(p, "SGD.step")
            self._for_each(group, update)
        return loss
