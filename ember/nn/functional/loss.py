"""Loss functions, with PyTorch's semantics (reductions, weights, ignore_index, label smoothing).

Every loss validates its inputs first and says what it got and what it expects. The
log-probability losses never take ``log(0)``: cross_entropy is one fused, stable Primitive
(log-sum-exp), binary_cross_entropy clamps its logs at -100 as PyTorch does, and
binary_cross_entropy_with_logits goes through logsigmoid.

``reduction`` is ``'mean'`` (default), ``'sum'`` or ``'none'``; the deprecated ``size_average``
and ``reduce`` arguments are mapped onto it with PyTorch's warning.
"""

import warnings

import numpy as np

from ember import ops
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import kept_max, shape_str
from ember.tensor.tensor import Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss"]

_EPSILON = 1e-12  # PyTorch's floor for x * (1 - x) in the gradient of binary_cross_entropy


def _const(array):
    """A constant tensor (no graph): weights and masks."""
    return Tensor._make(array, False, None, 0)


# ---------------------------------------------------------------- shared checks and reductions
def legacy_reduction(size_average, reduce, reduction):
    """``reduction`` from PyTorch's deprecated ``size_average``/``reduce`` flags, if given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


def _like(weight, input):
    """``weight`` in the input's dtype: the loss keeps the input's dtype, as in PyTorch."""
    return weight if weight.dtype == input.dtype else weight.to(input.dtype)


def _check_reduction(op, reduction, allowed=("mean", "sum", "none")):
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, got "
                         f"{reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_tensors(op, like=None, **tensors):
    """Each of ``tensors`` is a Tensor on the device of ``like`` (else of the first one)."""
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}; make one with "
                            "ember.tensor(data)")
        like = t if like is None else like
        both_cpu = type(t._data) is np.ndarray and type(like._data) is np.ndarray  # the fast check
        if not both_cpu and t.device != like.device:
            raise RuntimeError(f"{op}: expected all tensors on the same device, but {name} is on "
                               f"{t.device} and the input on {like.device}; move it, e.g. "
                               f"{name}.to({str(like.device)!r})")


def _check_float(op, name, t, like=None):
    if t._data.dtype.kind != "f":
        fix = f"{name}.float()" if like is None else f"{name}.to({like.dtype})"
        raise TypeError(f"{op}: {name} of shape {shape_str(t.shape)} has dtype {t.dtype} but must "
                        f"be floating point; convert it with {fix}")


def _broadcast_pair(op, input, target):
    """PyTorch broadcasts a target of another shape, with a warning (it is usually a bug)."""
    if input.shape == target.shape:
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(f"{op}: input of shape {shape_str(input.shape)} and target of shape "
                         f"{shape_str(target.shape)} don't match (nor broadcast); give the target "
                         "the input's shape") from None
    warnings.warn(f"{op}: using a target of shape {shape_str(target.shape)} that is different to "
                  f"the input shape {shape_str(input.shape)}; they broadcast, which is likely an "
                  "error (e.g. (N, 1) against (N,) gives (N, N)). Make the shapes equal, e.g. "
                  "target.reshape(input.shape).", UserWarning, stacklevel=3)


def _broadcast_shape(op, **tensors):
    """The shape that ``tensors`` broadcast to, or an error that lists each one's shape."""
    shapes = [tuple(t.shape) for t in tensors.values()]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        named = [f"{name} of shape {shape_str(s)}" for name, s in zip(tensors, shapes)]
        raise ValueError(f"{op}: {', '.join(named[:-1])} and {named[-1]} don't broadcast together; "
                         "give them the same shape") from None


def _same_shape(op, input, target, what="input"):
    if input.shape != target.shape:
        raise ValueError(f"{op}: target of shape {shape_str(target.shape)} must have the same "
                         f"shape as the {what} {shape_str(input.shape)}; reshape it (e.g. "
                         f"target.reshape{tuple(input.shape)}) or check the model's output")


def _elementwise_weighted(op, loss, weight, input, reduction, weighted_mean):
    """PyTorch's optional elementwise ``weight`` of mse/l1/huber (same shape as the input)."""
    if weight is None:
        return _reduce(loss, reduction)
    _check_tensors(op, like=input, weight=weight)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weight of shape {shape_str(weight.shape)} must have the input's "
                         f"shape {shape_str(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and weighted_mean:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- regression losses
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)^2``, reduced.

    ``weight`` (the input's shape) scales each element; its ``'mean'`` is ``sum(w * l) / sum(w)``.

    >>> F.mse_loss(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 4.0])).item()
    2.0
    """
    _check_tensors("mse_loss", input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("mse_loss", reduction)
    _broadcast_pair("mse_loss", input, target)
    diff = input - target
    return _elementwise_weighted("mse_loss", diff * diff, weight, input, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced (``weight`` as in ``mse_loss``).

    >>> F.l1_loss(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 4.0])).item()
    1.0
    """
    _check_tensors("l1_loss", input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("l1_loss", reduction)
    _broadcast_pair("l1_loss", input, target)
    return _elementwise_weighted("l1_loss", ops.abs(input - target), weight, input, reduction, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d^2 / beta`` where ``|d| < beta``, ``|d| - 0.5 * beta`` elsewhere (d = input - target).

    ``beta = 0`` is the L1 loss.
    """
    _check_tensors("smooth_l1_loss", input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    _broadcast_pair("smooth_l1_loss", input, target)
    diff = input - target
    absdiff = ops.abs(diff)
    if beta == 0:
        return _reduce(absdiff, reduction)
    loss = ops.where(absdiff < beta, diff * diff * (0.5 / beta), absdiff - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d^2`` where ``|d| <= delta``, ``delta * (|d| - 0.5 * delta)`` elsewhere.

    ``weight`` (the input's shape) scales each element; its ``'mean'`` is a plain mean, as in
    PyTorch.
    """
    _check_tensors("huber_loss", input=input, target=target)
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _broadcast_pair("huber_loss", input, target)
    diff = input - target
    absdiff = ops.abs(diff)
    loss = ops.where(absdiff <= delta, diff * diff * 0.5, (absdiff - 0.5 * delta) * delta)
    return _elementwise_weighted("huber_loss", loss, weight, input, reduction, False)


# ---------------------------------------------------------------- binary classification
class BinaryCrossEntropy(Primitive):
    """``-(t * log(x) + (1 - t) * log(1 - x))`` with each log clamped at -100 (PyTorch's rule,
    so that a probability of exactly 0 or 1 gives a finite loss)."""

    @staticmethod
    def forward(ctx, x, t):
        xp = array_module(x)
        ctx.save_for_backward(x, t)
        with np.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)
        # -(t * log_x + (1 - t) * log_1mx) = (t - 1) * log_1mx - t * log_x
        loss = t - 1
        loss *= log_1mx
        log_x *= t
        loss -= log_x
        return loss

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        edges = ctx._edges
        gx = gt = None
        if edges[0] is not None:  # PyTorch's (x - t) / max(x * (1 - x), eps)
            gx = gy * (x - t) / ops.clamp(x * (1 - x), min=_EPSILON)
        if edges[1] is not None:  # -logit(x), unclamped as in PyTorch
            gt = gy * (ops.log1p(-x) - ops.log(x))
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    Args:
        input: probabilities (after a sigmoid), any shape.
        target: the same shape, floating point.
        weight: rescales each element (broadcast to the input's shape).

    For logits use ``binary_cross_entropy_with_logits``: it is more stable.

    >>> round(F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0])).item(), 4)
    0.6931
    """
    op = "binary_cross_entropy"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _same_shape(op, input, target)
    _check_float(op, "input", input)
    _check_float(op, "target", target, like=input)
    xa = input._data
    if xa.size:
        lo, hi = xa.min(), xa.max()
        if not (lo >= 0 and hi <= 1):  # (also catches nan)
            raise ValueError(f"{op}: input must hold probabilities in [0, 1], but its values range "
                             f"over [{float(lo):g}, {float(hi):g}]; for logits use "
                             "binary_cross_entropy_with_logits (or apply sigmoid first)")
    if target._data.dtype != xa.dtype:
        target = target.to(input.dtype)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        _check_tensors(op, like=input, weight=weight)
        try:
            np.broadcast_shapes(weight.shape, input.shape)
        except ValueError:
            raise ValueError(f"{op}: weight of shape {shape_str(weight.shape)} does not broadcast to "
                             f"the input's shape {shape_str(input.shape)}") from None
        loss = loss * _like(weight, input)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits.

    ``loss = -w * (pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))``; finite for
    logits of any size.

    Args:
        input: logits, any shape ``(*)``.
        target: the same shape, floating point in [0, 1].
        weight: rescales each element (broadcast to the input's shape).
        pos_weight: weight of the positive term, per class (broadcast along the last dimension,
            e.g. ``(C,)`` for input ``(N, C)``): ``n_negative / n_positive`` balances classes.

    >>> round(F.binary_cross_entropy_with_logits(ember.tensor([0.0]), ember.tensor([1.0])).item(), 4)
    0.6931
    """
    op = "binary_cross_entropy_with_logits"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _same_shape(op, input, target)
    _check_float(op, "input", input)
    _check_float(op, "target", target, like=input)
    for name, w in (("weight", weight), ("pos_weight", pos_weight)):
        if w is not None:
            _check_tensors(op, like=input, **{name: w})
            try:
                np.broadcast_shapes(w.shape, input.shape)
            except ValueError:
                raise ValueError(f"{op}: {name} of shape {shape_str(w.shape)} does not broadcast to "
                                 f"the input's shape {shape_str(input.shape)}"
                                 + ("; give one value per class (the last dimension)"
                                    if name == "pos_weight" else "")) from None
    # -log(1 - sigmoid(x)) = x - logsigmoid(x): (1 - t) * x - (1 + (pw - 1) * t) * logsigmoid(x)
    log_sig = ops.logsigmoid(input)
    if pos_weight is None:
        loss = (1 - target) * input - log_sig
    else:
        loss = (1 - target) * input - ((_like(pos_weight, input) - 1) * target + 1) * log_sig
    if weight is not None:
        loss = loss * _like(weight, input)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- classification over C classes
def _class_dim_layout(op, input, target):
    """Check class-index targets against ``input`` (N, C, d1...) / (C,) and return (C, 2-D-able)."""
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension: (C,), (N, C) or (N, C, d1, ...), "
                         "got a 0-d tensor")
    if input.ndim == 1:
        expected = ()
    else:
        expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        if input.ndim >= 2 and target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(f"{op}: expected the target's batch size ({target.shape[0]}, shape "
                             f"{shape_str(target.shape)}) to match the input's ({input.shape[0]}, "
                             f"shape {shape_str(input.shape)})")
        raise ValueError(f"{op}: for an input of shape {shape_str(input.shape)}, class indices "
                         f"must have shape {shape_str(expected)}, got {shape_str(target.shape)}"
                         + ("; class probabilities would need the input's shape"
                            if op == "cross_entropy" else ""))
    return input.shape[0 if input.ndim == 1 else 1]


def _check_indices(op, t, n_classes, ignore_index):
    """Class indices must lie in [0, C) unless they equal ``ignore_index``."""
    if not t.size or (t.min() >= 0 and t.max() < n_classes):
        return
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        value = int(t[bad].reshape(-1)[0])
        raise IndexError(f"{op}: target {value} is out of bounds for {n_classes} classes (class "
                         f"indices run from 0 to {n_classes - 1}; ignore_index={ignore_index} is "
                         "skipped); check the number of output units of the model")


def _class_weight(op, weight, n_classes, input):
    if weight is None:
        return None
    _check_tensors(op, like=input, weight=weight)
    if weight.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have one value per class, shape ({n_classes},), got "
                         f"{shape_str(weight.shape)}")
    return weight._data.astype(input._data.dtype, copy=False)


class CrossEntropy(Primitive):
    """Cross-entropy of logits ``x`` (N, C, *) against class indices ``t`` (N, *), as one node.

    Forward: a stable log-softmax over dim 1 (the maximum is subtracted before ``exp``), the
    log-probability of each target picked out, class weights, label smoothing and the reduction,
    in a few passes over the logits. Backward: ``(softmax(x) * A - B) * scale``, one more pass
    (``CrossEntropyGrad``), where ``A = w_t``, ``B = w_t * onehot(t)`` (plus the smoothing terms)
    and ``scale`` is ``gy / sum(w_t)`` for 'mean'.
    """

    @staticmethod
    def forward(ctx, x, t, weight, ignore_index, smoothing, reduction):
        xp = array_module(x)
        n_classes = x.shape[1]
        with np.errstate(invalid="ignore"):  # inf logits give nan, as in PyTorch
            z = x - kept_max(x, 1)
        valid = t != ignore_index
        all_valid = bool(valid.all())
        index = (t if all_valid else xp.where(valid, t, 0))[:, None]
        if weight is None:
            w_t = valid[:, None].astype(x.dtype)
        else:
            w_t = weight[index]
            if not all_valid:
                w_t *= valid[:, None]
        picked = _take(z, index)
        if smoothing:  # sum_c w_c z_c, before z turns into exp(z)
            class_shape = (1, n_classes) + (1,) * (x.ndim - 2)
            w_z = z.sum(axis=1, keepdims=True) if weight is None else \
                (z * weight.reshape(class_shape)).sum(axis=1, keepdims=True)
        e = xp.exp(z, out=z)
        sum_e = e.sum(axis=1, keepdims=True)
        log_sum = xp.log(sum_e)
        loss = log_sum - picked  # -log p of each target
        loss *= w_t
        if smoothing:
            # -sum_c w_c log p_c = W * log_sum - sum_c w_c z_c, with W = sum_c w_c
            smooth = (n_classes if weight is None else weight.sum()) * log_sum - w_z
            if not all_valid:
                smooth *= valid[:, None]
            loss *= 1 - smoothing
            loss += smooth * (smoothing / n_classes)
        loss = loss[:, 0]
        denominator = w_t.sum() if reduction == "mean" else None
        if ctx._edges:  # a graph is recorded: keep the softmax and the weights for the backward
            e /= sum_e
            ctx.p, ctx.w_t, ctx.index, ctx.valid = e, w_t, index, valid
            ctx.weight, ctx.smoothing, ctx.reduction = weight, smoothing, reduction
            ctx.denominator = denominator
            ctx.save_for_backward(x)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return xp.asarray(loss.sum())
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
            return xp.asarray(loss.sum() / denominator, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        return CrossEntropyGrad.apply(x, gy, ctx), None, None, None, None, None


class CrossEntropyGrad(Primitive):
    """``(softmax(x) * A - B) * scale``: the gradient of ``CrossEntropy`` with respect to the
    logits, computed on arrays in one pass; its own backward (for second derivatives) is written
    with ember ops."""

    @staticmethod
    def forward(ctx, x, gy, ce):
        ctx.ce = ce
        ctx.save_for_backward(x, gy)
        scale = _scale_array(ce, gy)
        g = ce.p * (_a_array(ce) * scale)
        # minus B * scale: the target's share at its index, and the smoothing's for every class
        share = ce.w_t * scale if ce.smoothing == 0 else ce.w_t * (1 - ce.smoothing) * scale
        _subtract_at(g, ce.index, share)
        if ce.smoothing:
            g -= _smoothing_b(ce) * scale
        return g

    @staticmethod
    def backward(ctx, gg):
        x, gy = ctx.saved_tensors
        ce = ctx.ce
        p = ops.softmax(x, 1)
        edges = ctx._edges
        gx = ggy = None
        if edges[0] is not None:  # the softmax's backward of v = gg * A * scale
            v = gg * _const(_a_array(ce)) * _scale_tensor(ce, gy)
            gx = p * (v - (v * p).sum(1, keepdim=True))
        if edges[1] is not None:
            xp = array_module(p._data)
            n_classes = p.shape[1]
            class_shape = (1, n_classes) + (1,) * (p.ndim - 2)
            b = (xp.arange(n_classes).reshape(class_shape) == ce.index) * ce.w_t
            if ce.smoothing:
                b = b * (1 - ce.smoothing) + _smoothing_b(ce)
            per_target = (gg * (p * _const(_a_array(ce)) - _const(b.astype(p._data.dtype)))).sum(1)
            if ce.reduction == "none":
                ggy = per_target
            else:
                ggy = per_target.sum() * _inverse_denominator(ce)
        return gx, ggy, None


def _at_targets(a, index):
    """The fancy index picking, in ``a`` (N, C, *), the class ``index`` (N, 1, *) names for each
    sample and position (one place each, so ``a[key] -= v`` is safe)."""
    xp = array_module(a)
    nd = a.ndim
    rows = xp.arange(a.shape[0]).reshape((a.shape[0],) + (1,) * (nd - 2))
    positions = tuple(xp.arange(n).reshape((n,) + (1,) * (nd - 1 - d))
                      for d, n in enumerate(a.shape) if d >= 2)
    return (rows, index[:, 0]) + positions


def _take(a, index):
    """``a`` at ``index`` along dim 1, keeping dim 1 (size 1)."""
    return a[_at_targets(a, index)][:, None]


def _subtract_at(a, index, values):
    """``a -= values`` at ``index`` along dim 1, in place."""
    a[_at_targets(a, index)] -= values[:, 0]


def _inverse_denominator(ce):
    """1 / sum(w_t) for 'mean' (0 when every target is ignored: no gradient, as PyTorch), else 1."""
    if ce.reduction != "mean":
        return 1.0
    return 0.0 if ce.denominator == 0 else 1.0 / float(ce.denominator)


def _scale_array(ce, gy):
    if ce.reduction == "none":
        return gy[:, None]
    return gy * gy.dtype.type(_inverse_denominator(ce))


def _scale_tensor(ce, gy):
    if ce.reduction == "none":
        return gy.unsqueeze(1)
    return gy * _inverse_denominator(ce)


def _a_array(ce):
    """``A``: the weight of the softmax term of each target's gradient (N, 1, *)."""
    if not ce.smoothing:
        return ce.w_t
    n_classes = ce.p.shape[1]
    w_sum = n_classes if ce.weight is None else ce.weight.sum()
    return ce.w_t * (1 - ce.smoothing) + ce.valid[:, None] * (ce.smoothing / n_classes * w_sum)


def _smoothing_b(ce):
    """The smoothing part of ``B``: ``valid * w_c * smoothing / C`` (N, C, *)."""
    n_classes = ce.p.shape[1]
    w_row = 1.0 if ce.weight is None else ce.weight.reshape((1, n_classes) + (1,) * (ce.p.ndim - 2))
    return ce.valid[:, None] * (w_row * (ce.smoothing / n_classes))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits and class indices or class probabilities.

    Args:
        input: unnormalised logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: class indices (an integer tensor) of shape ``(N,)``, ``(N, d1, ...)`` or ``()``,
            each in ``[0, C)`` or equal to ``ignore_index``; or class probabilities (floating
            point) of the input's shape.
        weight: ``(C,)``, a rescaling weight per class.
        ignore_index: targets equal to it contribute neither loss nor gradient (indices only).
        reduction: 'mean' averages over the targets weighted by ``weight[target]`` (PyTorch's
            ``sum(w_t * l) / sum(w_t)``), 'sum' adds up, 'none' keeps one loss per target.
        label_smoothing: in ``[0, 1]``; mixes the target with the uniform distribution.

    The log-softmax is computed stably: logits of +-1e4 give finite losses and gradients.

    >>> round(F.cross_entropy(ember.tensor([[0.0, 0.0]]), ember.tensor([1])).item(), 4)
    0.6931
    """
    op = "cross_entropy"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if target._data.dtype.kind == "f":
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction,
                                            label_smoothing)
    if target._data.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (an integer tensor) or class "
                        f"probabilities (floating point), got dtype {target.dtype}")
    n_classes = _class_dim_layout(op, input, target)
    w = _class_weight(op, weight, n_classes, input)
    t = target._data
    _check_indices(op, t, n_classes, ignore_index)
    x = input
    if input.ndim == 1:  # one sample: (C,) and () become (1, C) and (1,)
        x, t = input.reshape((1, n_classes)), t.reshape(1)
    loss = CrossEntropy.apply(x, t, w, ignore_index, float(label_smoothing), reduction)
    return loss.reshape(()) if input.ndim == 1 and reduction == "none" else loss


def _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, smoothing):
    op = "cross_entropy"
    if target.shape != input.shape:
        expected = (input.shape[0],) + input.shape[2:] if input.ndim > 1 else ()
        raise ValueError(f"{op}: target of shape {shape_str(target.shape)} with dtype {target.dtype} "
                         f"is read as class probabilities, which must have the input's shape "
                         f"{shape_str(input.shape)}; for class indices give an integer tensor of "
                         f"shape {shape_str(expected)} (target.long())")
    if ignore_index != -100:
        raise ValueError(f"{op}: ignore_index={ignore_index} applies to class indices only, not to "
                         "class probabilities (a floating point target)")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    log_p = ops.log_softmax(input, class_dim)
    if smoothing:
        target = target * (1 - smoothing) + smoothing / n_classes
    if weight is not None:
        w = _class_weight(op, weight, n_classes, input)
        log_p = log_p * _const(w.reshape((n_classes,) + (1,) * (input.ndim - class_dim - 1)))
    loss = -(log_p * target).sum(class_dim)
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities ``input``.

    Args:
        input: log-probabilities (e.g. ``log_softmax`` output) ``(N, C)``, ``(N, C, d1, ...)`` or
            ``(C,)``.
        target: class indices of shape ``(N,)``, ``(N, d1, ...)`` or ``()``.
        weight, ignore_index, reduction: as in ``cross_entropy``.

    >>> F.nll_loss(ember.tensor([[-1.0, -2.0]]), ember.tensor([1])).item()
    2.0
    """
    op = "nll_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    if target._data.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (an integer tensor), got dtype "
                        f"{target.dtype}; convert it with target.long()")
    n_classes = _class_dim_layout(op, input, target)
    w = _class_weight(op, weight, n_classes, input)
    t = target._data
    _check_indices(op, t, n_classes, ignore_index)
    xp = array_module(t)
    x = input if input.ndim > 1 else input.reshape((1, n_classes))
    t = t if input.ndim > 1 else t.reshape(1)
    valid = t != ignore_index
    safe_t = xp.where(valid, t, 0)
    picked = ops.gather(x, 1, _const(safe_t[:, None])).squeeze(1)
    w_t = (valid if w is None else w[safe_t] * valid).astype(input._data.dtype)
    loss = -(picked * _const(w_t))
    if input.ndim == 1:
        loss = loss.reshape(())
    if reduction == "mean":
        total = float(w_t.sum())
        if total == 0:  # every target ignored: nan, and zero gradients (as PyTorch)
            return loss.sum() * 0 + float("nan")
        return loss.sum() / total
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- distributions and embeddings
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``target * (log(target) - input)``, ``input`` being
    log-probabilities (and ``target`` too when ``log_target``).

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL divergence);
    'mean' divides by the number of elements and warns, as in PyTorch. Where ``target`` is 0 the
    term is 0.
    """
    op = "kl_div"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction, ("mean", "batchmean", "sum", "none"))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with the "
                      "KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(f"{op}: input of shape {shape_str(input.shape)} and target of shape "
                         f"{shape_str(target.shape)} don't broadcast; give them the same shape") from None
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        # xlogy(t, t): 0 where t == 0; log of 1 there keeps the gradient finite too
        safe = ops.where(target == 0, 1.0, target)
        loss = target * (ops.log(safe) - input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``-1``.

    Args:
        input1, input2: ``(N, D)`` or ``(D,)``.
        target: ``(N,)`` or ``()``, of 1 and -1.
    """
    op = "cosine_embedding_loss"
    _check_tensors(op, input1=input1, input2=input2, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    if input1.shape != input2.shape or input1.ndim not in (1, 2) \
            or target.shape != input1.shape[:-1]:
        raise ValueError(f"{op}: expects input1 and input2 of the same shape (N, D) or (D,) and "
                         f"target of shape (N,) or (), got {shape_str(input1.shape)}, "
                         f"{shape_str(input2.shape)} and {shape_str(target.shape)}")
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + _EPSILON
    mag2 = (input2 * input2).sum(dim) + _EPSILON
    cos = prod / ops.sqrt(mag1 * mag2)
    loss = ops.where(target == 1, 1 - cos, 0.0) + ops.where(target == -1, ops.clamp(cos - margin, min=0), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 wants ``input1`` ranked
    higher, -1 wants ``input2`` higher.

    >>> F.margin_ranking_loss(ember.tensor([1.0]), ember.tensor([2.0]), ember.tensor([1.0])).item()
    1.0
    """
    op = "margin_ranking_loss"
    _check_tensors(op, input1=input1, input2=input2, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"{op}: input1, input2 and target must have the same number of dimensions, "
                         f"got shapes {shape_str(input1.shape)}, {shape_str(input2.shape)} and "
                         f"{shape_str(target.shape)}")
    try:
        np.broadcast_shapes(input1.shape, input2.shape, target.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {shape_str(input1.shape)}, {shape_str(input2.shape)} and "
                         f"{shape_str(target.shape)} don't match") from None
    loss = ops.clamp(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, reduction)

