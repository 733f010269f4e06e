"""Rprop: a step size per weight, grown while the gradient keeps its sign and shrunk when it flips."""

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
    _zeros_like,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller & Braun, 1993, "A Direct Adaptive Method for Faster Backpropagation
    Learning: The RPROP Algorithm"); only the gradient's sign is used (full-batch training).

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                       if maximize
        f ← η+ where g · g_prev > 0, η- where < 0, else 1
        Δ ← clamp(Δ · f, Δ_min, Δ_max)               the per-weight step size (starts at γ)
        g ← 0 where f = η-                           a sign flip: no move, and no flip next step
        θ ← θ - sign(g) · Δ;   g_prev ← g

    State per parameter: ``step``, ``prev`` (g_prev) and ``step_size`` (Δ).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ, the first step size (default 1e-2). etas (tuple): (η-, η+), the
        shrink and growth factors (default (0.5, 1.2)). step_sizes (tuple): (Δ_min, Δ_max)
        (default (1e-6, 50)). maximize (bool): ascend (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = Rprop([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w        # the first step moves each weight by lr against its gradient's sign
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _param_shaped_state = ("prev", "step_size")
    _scalar_state = ("step",)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        _check_lr("Rprop", lr)
        etaminus, etaplus = etas
        _check("Rprop", "eta values", etas, 0.0 < etaminus < 1.0 < etaplus, "0 < eta- < 1 < eta+")
        super().__init__(params, {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes),
                                  "maximize": maximize})

    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            (etaminus, etaplus), (smallest, largest) = group["etas"], group["step_sizes"]

            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["prev"], state["step_size"] = _zeros_like(p), _full_like(p, lr)
                prev, size = state["prev"]._data, state["step_size"]._data
                state["step"]._data += 1
                g = xp.array(_effective_grad(p, "Rprop", group["maximize"]), copy=True)
                agreement = xp.sign(g * prev)
                factor = xp.where(agreement > 0, etaplus, xp.where(agreement < 0, etaminus, 1.0))
                size *= factor
                xp.clip(size, smallest, largest, out=size)
                g[factor == etaminus] = 0                   # a flip: no move now, none next step
                theta -= xp.sign(g) * size
                prev[...] = g
                _updated(p, "Rprop.step")
            self._for_each(group, update)
        return loss
