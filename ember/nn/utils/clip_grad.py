"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as ``torch.nn.utils``.

Both take the model's parameters after ``backward()`` and change their ``.grad`` in place.
As an ember extension they also accept ``model.named_parameters()``, so that an error can name
the parameter whose gradient went wrong.
"""

import types
import warnings

from ember.autograd import grad_mode
from ember.ops import clamp, isfinite, norm, stack
from ember.tensor.factories import tensor as _tensor
from ember.tensor.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _named_parameters(parameters, fn):
    """``[(name or None, tensor)]`` from a Tensor, an iterable of Tensors or of (name, Tensor)."""
    if isinstance(parameters, Tensor):
        return [(None, parameters)]
    is_generator = isinstance(parameters, types.GeneratorType)
    items = []
    for i, item in enumerate(parameters):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            item_name, item = item
        else:
            item_name = None
        if not isinstance(item, Tensor):
            raise TypeError(f"{fn}: expected Tensors (e.g. model.parameters()) or (name, Tensor) pairs "
                            f"(model.named_parameters()), got a {type(item).__name__} at position {i}")
        items.append((item_name, item))
    if is_generator and not items:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return items


def _describe(i, item_name, t):
    named = f"{item_name!r}, " if item_name else ""
    return f"parameter {i} ({named}shape {tuple(t.shape)})"


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients so that their total norm is at most ``max_norm``; return that norm.

    The total norm is the ``norm_type``-norm of all gradients seen as one vector; each gradient
    is multiplied in place by ``min(max_norm / (total_norm + 1e-6), 1)``.

    Args:
        parameters: a Tensor, an iterable of Tensors, or of ``(name, Tensor)`` pairs such as
            ``model.named_parameters()`` (an ember extension: errors then name the parameter).
            Tensors whose ``.grad`` is None are skipped.
        max_norm: the largest total norm allowed (a negative value is refused).
        norm_type: the p of the p-norm; ``float('inf')`` for the largest absolute value.
        error_if_nonfinite: raise a RuntimeError, naming the first parameter whose gradient has
            a NaN or Inf, when the total norm is not finite (instead of scaling by it).
        foreach: accepted for compatibility with PyTorch; ember has one implementation.

    Returns:
        The total norm before clipping, as a scalar Tensor (``tensor(0.)`` without gradients).

    >>> w = ember.nn.Parameter(ember.zeros(2))
    >>> w.grad = ember.tensor([3.0, 4.0])
    >>> ember.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    items = _named_parameters(parameters, "clip_grad_norm_")
    max_norm = float(max_norm)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0 (the largest total gradient norm "
                         f"allowed), got {max_norm}")
    norm_type = float(norm_type)
    grads = [p.grad for _, p in items if p.grad is not None]
    if not grads:
        return _tensor(0.0)
    with grad_mode.no_grad():
        first_device = grads[0].device
        total_norm = norm(stack([norm(g, norm_type).to(first_device) for g in grads]), norm_type)
        if error_if_nonfinite and not bool(isfinite(total_norm)):
            raise RuntimeError(_nonfinite_message(items, total_norm, norm_type))
        coef = clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))
    return total_norm


def _nonfinite_message(items, total_norm, norm_type):
    culprit = next(((i, n, p) for i, (n, p) in enumerate(items)
                    if p.grad is not None and not bool(isfinite(p.grad).all())), None)
    where = (f"the first gradient with NaN or Inf is that of {_describe(*culprit)}" if culprit else
             f"every gradient is finite, but their norm overflowed {total_norm.dtype}")
    return (f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total_norm.item()}, so they cannot be clipped; {where}. Look for its cause (a learning "
            "rate too high, log(0), a division by zero), or pass error_if_nonfinite=False to scale "
            "the gradients by the non-finite norm anyway.")


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: a Tensor, an iterable of Tensors, or of ``(name, Tensor)`` pairs.
        clip_value: the largest absolute gradient value allowed (a negative value is refused;
            PyTorch would set every gradient element to it).
        foreach: accepted for compatibility with PyTorch.

    >>> w = ember.nn.Parameter(ember.zeros(3))
    >>> w.grad = ember.tensor([-2.0, 0.5, 3.0])
    >>> ember.nn.utils.clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000,  1.0000])
    """
    items = _named_parameters(parameters, "clip_grad_value_")
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0 (gradients are clamped into "
                         f"[-clip_value, clip_value]), got {clip_value}")
    with grad_mode.no_grad():
        for _, p in items:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
