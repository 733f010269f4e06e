"""Adam: adaptive moment estimation, with AMSGrad and decoupled weight decay."""

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

__all__ = ["Adam"]


def _check_betas(name, betas):
    for i, beta in enumerate(betas):
        _check(name, f"beta parameter at index {i}", beta, 0.0 <= beta < 1.0, "0 <= beta < 1")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization"), with the AMSGrad
    variant (Reddi et al., 2018, "On the Convergence of Adam and Beyond") and, with
    ``decoupled_weight_decay=True``, AdamW's decay (Loshchilov & Hutter, 2019).

    For each parameter θ with gradient g, at step t (as PyTorch)::

        g ← -g                                   if maximize
        θ ← θ (1 - γ λ)  if decoupled,  else  g ← g + λ θ        (weight decay λ)
        m ← β1 m + (1 - β1) g                    first moment
        v ← β2 v + (1 - β2) g²                   second moment
        v_max ← max(v_max, v);  v ← v_max        if amsgrad
        θ ← θ - γ / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε)

    State per parameter: ``step`` (a 0-d tensor), ``exp_avg`` (m), ``exp_avg_sq`` (v) and
    ``max_exp_avg_sq`` (with amsgrad).

    Args:
        params: tensors or parameter groups (see ``Optimizer``).
        lr (float): γ (default 1e-3). betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε (default 1e-8). weight_decay (float): λ (default 0).
        amsgrad (bool): use AMSGrad (default False). maximize (bool): ascend (default False).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW (default False).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w        # the first step moves each weight by lr against its gradient's sign
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _param_shaped_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _scalar_state = ("step",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        name = type(self).__name__
        _check_lr(name, lr)
        _check(name, "epsilon value", eps, eps >= 0, "eps >= 0")
        _check_betas(name, betas)
        _check(name, "weight_decay value", weight_decay, weight_decay >= 0, "weight_decay >= 0")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate(closure)
        name = type(self).__name__
        for group in self.param_groups:
            lr, (beta1, beta2) = _to_scalar(group["lr"]), group["betas"]
            eps, weight_decay, amsgrad = group["eps"], group["weight_decay"], group["amsgrad"]
            def update(p):
                theta = p._data
                xp = array_module(theta)
                state = self.state[p]
                if not state:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"], state["exp_avg_sq"] = _zeros_like(p), _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                state["step"]._data += 1
                t = float(state["step"]._data)
                decoupled = group["decoupled_weight_decay"]
                g = _effective_grad(p, name, group["maximize"], 0 if decoupled else weight_decay)
                if decoupled and weight_decay != 0:
                    theta *= 1 - lr * weight_decay          # θ ← θ (1 - γ λ)
                tmp = xp.empty_like(theta)
                _moving_average_(m, g, beta1, tmp)          # m ← β1 m + (1 - β1) g
                _moving_average_of_squares_(v, g, beta2, tmp)  # v ← β2 v + (1 - β2) g²
                if amsgrad:
                    v = xp.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
                bias_correction1 = 1 - beta1 ** t
                bias_correction2_sqrt = (1 - beta2 ** t) ** 0.5
                denom = xp.sqrt(v, out=tmp)                 # √v / √(1 - β2^t) + ε
                denom /= bias_correction2_sqrt
                denom += eps
                update = xp.divide(m, denom, out=tmp)       # θ ← θ - γ / (1 - β1^t) · m / denom
                update *= lr / bias_correction1
                theta -= update
                _updated(p, f"{name}.step")
            self._for_each(group, update)
        return loss
