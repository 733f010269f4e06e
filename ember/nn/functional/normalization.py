"""Normalization: batch_norm, instance_norm, layer_norm, group_norm, rms_norm and
local_response_norm.

The first four are one fused Primitive, ``Normalize``: ``y = (x - mean) / sqrt(var + eps) * w + b`` with
the statistics taken over some axes of ``x`` (biased variance, as PyTorch normalizes) and ``w``,
``b`` broadcast against ``x``:

- batch_norm over (N, *spatial) per channel, ``w`` of shape (1, C, 1, ...);
- layer_norm over the last ``len(normalized_shape)`` axes, ``w`` of shape ``normalized_shape``;
- instance_norm over the positions of each sample and channel, ``w`` of shape (1, C, 1, ...);
- group_norm over each group of channels, on the view (N, G, C/G, -1) with ``w`` (1, G, C/G, 1).

Its backward is a second fused Primitive with the closed form (``x̂`` the normalized input,
``r = 1/sqrt(var + eps)``, means over the normalized axes)::

    gx = r * (g - mean(g) - x̂ * mean(g * x̂)),   g = gy * w
    gw = sum of gy * x̂,   gb = sum of gy        (over the axes w and b are broadcast along)

whose own backward (the double backward) is written with ember ops, so gradients of every order
work. rms_norm and local_response_norm are compositions of ember ops.
"""

import math

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.nn.functional.misc import pad
from ember.nn.functional.pooling import avg_pool2d
from ember.ops._util import shape_str, sum_to_shape

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm"]


def _mean(a, axes):
    return a.mean(axes, keepdims=True)


def _sum_to(a, shape):
    """Sum the array ``a`` down to ``shape``, which broadcasts to it (PyTorch's sum_to_size)."""
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, m in enumerate(shape)
                                      if m == 1 and a.shape[lead + i] != 1)
    out = a.sum(axes, keepdims=True) if axes else a
    return out.reshape(shape) if lead else out


def _constant_over(shape, ndim, axes):
    """Whether an array of ``shape``, broadcast to ``ndim`` dims, is constant along ``axes``."""
    lead = ndim - len(shape)
    return all(a < lead or shape[a - lead] == 1 for a in axes)


class Normalize(Primitive):
    """``(x - mean) * rstd * w + b`` with mean and biased variance over ``axes``.

    ``running`` is None or ``(running_mean, running_var, momentum)``: arrays updated in place
    with the batch mean and the unbiased batch variance (batch norm in training).
    """

    @staticmethod
    def forward(ctx, x, w, b, axes, eps, running):
        xp = array_module(x)
        mean = _mean(x, axes)
        xhat = x - mean
        var = _mean(xhat * xhat, axes)
        rstd = 1 / xp.sqrt(var + eps)
        xhat *= rstd
        y = xhat
        if w is not None:
            y = xhat * w
            if b is not None:
                y += b
        elif b is not None:
            y = xhat + b
        if running is not None:
            running_mean, running_var, momentum = running
            count = x.size // mean.size
            running_mean *= 1 - momentum
            running_mean += momentum * mean.reshape(running_mean.shape)
            running_var *= 1 - momentum
            running_var += (momentum * count / max(count - 1, 1)) * var.reshape(running_var.shape)
        ctx.axes, ctx.eps = axes, eps
        ctx.shapes = (None if w is None else w.shape, None if b is None else b.shape)
        ctx.save_for_backward(x, w, xhat, rstd)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w, xhat, rstd = ctx.saved_tensors
        need = (ctx._edges[0] is not None, ctx._edges[1] is not None, ctx._edges[2] is not None)
        grads = iter(NormalizeBackward.apply(gy, x, w, xhat, rstd, ctx.axes, ctx.eps, ctx.shapes[1], need))
        return tuple(next(grads) if n else None for n in need) + (None, None, None)


class NormalizeBackward(Primitive):
    """``(gx, gw, gb)`` of ``Normalize`` (those flagged in ``need``), in closed form."""

    @staticmethod
    def forward(ctx, gy, x, w, xhat, rstd, axes, eps, b_shape, need):
        count = x.size // rstd.size
        out = []
        if w is None or _constant_over(w.shape, x.ndim, axes):
            # w is constant over each normalized group (batch norm): the group sums of gy and
            # gy * x̂ give gb, gw and both means of the closed form at once.
            sum_g, sum_gx = _sum_to(gy, rstd.shape), _sum_to(gy * xhat, rstd.shape)
            if need[0]:
                k = rstd if w is None else rstd * w
                gx = gy * k
                gx -= xhat * (k * sum_gx / count)
                gx -= k * sum_g / count
                out.append(gx)
            if need[1]:
                out.append(_sum_to(sum_gx, w.shape))
            if need[2]:
                out.append(_sum_to(sum_g if _constant_over(b_shape, x.ndim, axes) else gy, b_shape))
        else:
            if need[0]:
                g = gy * w
                gx = g - _mean(g, axes)
                g *= xhat
                gx -= xhat * _mean(g, axes)
                gx *= rstd
                out.append(gx)
            if need[1]:
                out.append(_sum_to(gy * xhat, w.shape))
            if need[2]:
                out.append(_sum_to(gy, b_shape))
        ctx.axes, ctx.eps, ctx.need = axes, eps, need
        ctx.save_for_backward(gy, x, w)
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        """The double backward, with ember ops. With ``u``, ``v``, ``e`` the gradients of gx, gw,
        gb, ``z = gy * w``, ``t = gy * v``, ``P(a) = a - mean(a) - x̂ * mean(a * x̂)`` (the
        normalization's backward without ``r``), ``ū = u - mean(u)``, ``a_u = mean(u * x̂)``,
        ``a_z = mean(z * x̂)`` (means over the normalized axes)::

            d/dgy = w * r * P(u) + v * x̂ + e
            d/dw  = sum of gy * r * P(u)
            d/dx  = r² * (x̂ * (3 a_u a_z - mean(ū z)) - ū a_z - (z - z̄) a_u) + r * P(t)
        """
        gy, x, w = ctx.saved_tensors
        grads = iter(grads)
        u, v, e = (next(grads) if n else None for n in ctx.need)
        axes = ctx.axes
        edges = ctx._edges

        def mean(a):
            return a.mean(axes, keepdim=True)

        xc = x - mean(x)
        r = (mean(xc * xc) + ctx.eps).rsqrt()
        xhat = xc * r
        z = gy if w is None else gy * w
        ggy = gx = gw = None
        if u is not None:
            u_c = u - mean(u)
            a_u = mean(u * xhat)
            p_u = r * (u_c - xhat * a_u)  # the normalization's backward applied to u
            ggy = p_u if w is None else p_u * w
            if edges[2] is not None:
                gw = sum_to_shape(gy * p_u, w.shape)
            if edges[1] is not None:
                z_c = z - mean(z)
                a_z = mean(z * xhat)
                gx = r * r * (xhat * (3 * a_u * a_z - mean(u_c * z)) - u_c * a_z - z_c * a_u)
        if v is not None:
            ggy = v * xhat if ggy is None else ggy + v * xhat
            if edges[1] is not None:
                t = gy * v
                p_t = r * (t - mean(t) - xhat * mean(t * xhat))
                gx = p_t if gx is None else gx + p_t
        if e is not None:
            ggy = e.expand(gy.shape) if ggy is None else ggy + e
        if ggy is not None and ggy.shape != gy.shape:
            ggy = ggy.expand(gy.shape)
        return (ggy if edges[0] is not None else None, gx, gw, None, None, None, None, None, None)


# ---- functional forms ------------------------------------------------------------------------
def _normalize(x, w, b, axes, eps, running=None):
    return Normalize.apply(x, w, b, axes, eps, running)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization over ``input`` (N, C, *): per channel, statistics over N and the rest.

    In training (or without running statistics) the batch's mean and biased variance normalize
    the input; when ``running_mean``/``running_var`` are given they are updated in place as
    ``running = (1 - momentum) * running + momentum * batch`` with the batch's *unbiased*
    variance. In evaluation the running statistics normalize the input.

    >>> x = ember.randn(16, 3, 8, 8)
    >>> y = F.batch_norm(x, None, None, training=True)
    >>> round(y.mean().item(), 4) == 0.0
    True
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expects an input of shape (N, C, *), got {shape_str(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} must have shape ({c},) for an input with {c} "
                               f"channels (shape {shape_str(input.shape)}), got {shape_str(t.shape)}")
    affine_shape = (1, c) + (1,) * (input.ndim - 2)
    w = None if weight is None else weight.reshape(affine_shape)
    b = None if bias is None else bias.reshape(affine_shape)
    if training or running_mean is None or running_var is None:
        count = input.numel() // c
        if training and count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got "
                             f"input of shape {shape_str(input.shape)}; use a batch of 2 or more, or "
                             "eval() mode")
        axes = (0,) + tuple(range(2, input.ndim))
        running = None
        if training and running_mean is not None and running_var is not None:
            running = (running_mean._data, running_var._data, momentum)
        y = _normalize(input, w, b, axes, eps, running)
        if running is not None:
            from ember.ops.inplace import bump_version

            bump_version(running_mean, "batch_norm")
            bump_version(running_var, "batch_norm")
        return y
    # evaluation: a per-channel affine map, scale = w / sqrt(running_var + eps)
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(affine_shape) + shift.reshape(affine_shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization of ``input`` (N, C, *): each sample's channel normalized over its
    positions, then scaled by ``weight`` and shifted by ``bias`` (per channel, of shape (C,)).

    With ``use_input_stats`` the statistics are the input's own; running statistics, when given,
    are updated in place as PyTorch does: each sample updates a copy
    (``(1 - momentum) * running + momentum * statistic``, the variance unbiased) and the copies are
    averaged over the batch. Without it, ``running_mean``/``running_var`` normalize the input (as
    batch_norm in evaluation).

    >>> y = F.instance_norm(ember.randn(2, 3, 16) * 4 + 1)
    >>> abs(y[1, 2].mean().item()) < 1e-5
    True
    """
    op = "instance_norm"
    if input.ndim < 2:
        raise ValueError(f"{op}: expects an input of shape (N, C, *), got {shape_str(input.shape)}")
    n, c = input.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"{op}: {name} must have shape ({c},) for an input with {c} channels "
                               f"(shape {shape_str(input.shape)}), got {shape_str(t.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: running_mean and running_var are needed when "
                               "use_input_stats=False; pass them, or use the input's statistics")
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if math.prod(input.shape[2:]) == 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when training, got input of shape "
                         f"{shape_str(input.shape)}")
    affine_shape = (1, c) + (1,) * (input.ndim - 2)
    w = None if weight is None else weight.reshape(affine_shape)
    b = None if bias is None else bias.reshape(affine_shape)
    if running_mean is None or running_var is None:
        return _normalize(input, w, b, tuple(range(2, input.ndim)), eps)
    # one copy of the running statistics per sample, updated by Normalize, then averaged
    xp = array_module(running_mean._data)
    per_sample = [xp.broadcast_to(r._data, (n, c)).copy() for r in (running_mean, running_var)]
    y = _normalize(input, w, b, tuple(range(2, input.ndim)), eps, (*per_sample, momentum))
    from ember.ops.inplace import bump_version

    for r, copies in zip((running_mean, running_var), per_sample):
        r._data[...] = copies.mean(0)
        bump_version(r, op)
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last ``len(normalized_shape)`` dimensions of ``input``.

    ``weight`` and ``bias`` have shape ``normalized_shape``.

    >>> F.layer_norm(ember.randn(4, 10), (10,)).shape
    (4, 10)
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: normalized_shape={shape} expects an input of shape "
                           f"(*, {', '.join(map(str, shape))}), got {shape_str(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm: {name} must have shape {shape_str(shape)}, got "
                               f"{shape_str(t.shape)}")
    return _normalize(input, weight, bias, tuple(range(input.ndim - k, input.ndim)), eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization of ``input`` (N, C, *): statistics per sample over each of
    ``num_groups`` groups of C / num_groups channels (and all positions); ``weight`` and
    ``bias`` are per channel, of shape (C,).

    >>> F.group_norm(ember.randn(2, 6, 4, 4), 3).shape
    (2, 6, 4, 4)
    """
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expects an input of shape (N, C, *), got {shape_str(input.shape)}")
    n, c = input.shape[:2]
    if num_groups < 1 or c % num_groups:
        raise RuntimeError(f"group_norm: num_groups={num_groups} must divide the {c} channels of the "
                           f"input (shape {shape_str(input.shape)})")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"group_norm: {name} must have shape ({c},), got {shape_str(t.shape)}")
    grouped = (n, num_groups, c // num_groups, math.prod(input.shape[2:]))
    affine = (1, num_groups, c // num_groups, 1)
    w = None if weight is None else weight.reshape(affine)
    b = None if bias is None else bias.reshape(affine)
    y = _normalize(input.reshape(grouped), w, b, (2, 3), eps)
    return y.reshape(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization (Zhang & Sennrich 2019, "Root Mean Square Layer
    Normalization") over the last ``len(normalized_shape)`` dimensions:
    ``input / sqrt(mean(input ** 2) + eps) * weight``, without centring.

    ``weight`` has shape ``normalized_shape``; ``eps`` defaults to the machine epsilon of the
    input's dtype (``np.finfo(dtype).eps``), as in PyTorch.

    >>> F.rms_norm(ember.tensor([[3.0, 4.0]], dtype=ember.float64), (2,), eps=0.0).tolist()
    [[0.848528137423857, 1.131370849898476]]
    """
    op = "rms_norm"
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError(f"{op}: normalized_shape must name at least one dimension, got ()")
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{op}: normalized_shape={shape} expects an input of shape "
                           f"(*, {', '.join(map(str, shape))}), got {shape_str(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"{op}: weight must have shape {shape_str(shape)} (normalized_shape), got "
                           f"{shape_str(weight.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype.numpy).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalization across channels (Krizhevsky et al. 2012) of ``input``
    (N, C, *): each value divided by ``(k + alpha * mean of the squares over the window of
    `size` neighbouring channels) ** beta``; the window runs from ``c - size // 2`` to
    ``c + (size - 1) // 2``, zero outside the channels.

    >>> y = F.local_response_norm(ember.ones(1, 3, 1), 2, alpha=1.0, beta=1.0)
    >>> [round(v, 4) for v in y.flatten().tolist()]  # the first window holds one channel of two
    [0.6667, 0.5, 0.5]
    """
    op = "local_response_norm"
    if input.ndim < 3:
        raise ValueError(f"{op}: expects an input of shape (N, C, *) with at least 3 dimensions, got "
                         f"{shape_str(input.shape)}")
    if size < 1:
        raise RuntimeError(f"{op}: size (the number of channels to average over) must be positive, "
                           f"got {size}")
    if input.numel() == 0:
        return input
    n, c = input.shape[:2]
    # the mean of the squares over each channel window: an average pool along C of the
    # zero-padded squares, on the view (N, 1, C, positions)
    squares = pad((input * input).reshape(n, 1, c, -1), (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(squares, (size, 1), stride=1).reshape(input.shape)
    return input / (div * alpha + k) ** beta
