"""Margin, hinge, triplet and soft-margin losses, with PyTorch's semantics.

Each loss validates its inputs first and names itself in its errors; ``reduction`` and the
deprecated ``size_average``/``reduce`` flags work as in ember.nn.functional.loss. The soft-margin
losses go through logsigmoid, so scores of any size give finite losses and gradients (PyTorch's
soft_margin_loss computes ``log1p(exp(-y * x))``, which overflows to inf).
"""

import numpy as np

from ember import ops
from ember.backend import array_module
from ember.nn.functional.loss import (
    _broadcast_shape,
    _check_float,
    _check_reduction,
    _check_tensors,
    _const,
    _like,
    _reduce,
    legacy_reduction,
)
from ember.nn.functional.misc import pairwise_distance
from ember.ops._util import shape_str

__all__ = ["soft_margin_loss", "multilabel_soft_margin_loss", "hinge_embedding_loss",
           "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


# ---------------------------------------------------------------- two-class and multi-label scores
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for targets 1 and -1, reduced.

    Args:
        input: scores, any shape ``(*)``.
        target: 1 or -1 per score, the input's shape (or one that broadcasts to it).

    Computed as ``-logsigmoid(target * input)``: finite for scores of any size.

    >>> round(F.soft_margin_loss(ember.tensor([0.0, 1.0]), ember.tensor([1.0, -1.0])).item(), 4)
    1.0032
    """
    op = "soft_margin_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    if _broadcast_shape(op, input=input, target=target) != tuple(input.shape):
        raise ValueError(f"{op}: target of shape {shape_str(target.shape)} must broadcast to the "
                         f"input's shape {shape_str(input.shape)} (the loss has the input's shape); "
                         "give the target the input's shape")
    return _reduce(-ops.logsigmoid(input * _like(target, input)), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label logistic loss: per sample, ``-mean_c(w_c * (y_c * log(sigmoid(x_c)) +
    (1 - y_c) * log(sigmoid(-x_c))))``, reduced over the samples.

    Args:
        input: logits ``(N, C)`` or ``(C,)`` (any leading dimensions: the last holds the classes).
        target: 1 or 0 per class (or a probability), the input's shape.
        weight: a weight per class, ``(C,)`` (broadcast to the input's shape).

    Finite for logits of any size.

    >>> round(F.multilabel_soft_margin_loss(ember.tensor([[0.0, 0.0]]), ember.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """
    op = "multilabel_soft_margin_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, (N, C) or (C,), got a 0-d tensor")
    if weight is None:
        _broadcast_shape(op, input=input, target=target)
    else:
        _check_tensors(op, like=input, weight=weight)
        _broadcast_shape(op, input=input, target=target, weight=weight)
    loss = -(target * ops.logsigmoid(input) + (1 - target) * ops.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where ``target`` is 1 and ``max(0, margin - input)`` where it is -1, reduced.

    ``input`` is usually a distance between two embeddings (e.g. ``pairwise_distance``): similar
    pairs (1) are pulled together, dissimilar ones (-1) pushed at least ``margin`` apart. As in
    PyTorch, a target that is neither 1 nor -1 gets both terms.

    Args:
        input: any shape ``(*)``.
        target: 1 or -1, the input's shape (broadcast).

    >>> F.hinge_embedding_loss(ember.tensor([0.5, 0.25]), ember.tensor([1.0, -1.0]), reduction="sum").item()
    1.25
    """
    op = "hinge_embedding_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float(op, "input", input)
    _broadcast_shape(op, input=input, target=target)
    loss = ops.where(target != 1, ops.clamp(margin - input, min=0), 0.0) \
        + ops.where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- margins between class scores
def _score_rows(op, input, target):
    """``input`` as rows of class scores ``(N, C)`` (from ``(N, C)``, ``(C,)`` or 0-d: one class),
    and ``C``, after PyTorch's checks of the layout and of the target's dtype."""
    _check_float(op, "input", input)
    if input.ndim > 2 or (input.ndim and input.shape[-1] == 0):
        raise ValueError(f"{op}: input must be (N, C) or (C,) with at least one class, got shape "
                         f"{shape_str(input.shape)}")
    if target._data.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (an integer tensor), got dtype "
                        f"{target.dtype}; convert it with target.long()")
    n_classes = input.shape[-1] if input.ndim else 1
    return input.reshape((-1, n_classes)), n_classes


def _check_class_range(op, t, low, n_classes, note=""):
    if t.size and (t.min() < low or t.max() >= n_classes):
        value = int(t[(t < low) | (t >= n_classes)][0])
        raise IndexError(f"{op}: target {value} is out of bounds for {n_classes} classes (class "
                         f"indices run from 0 to {n_classes - 1}{note}); check the number of output "
                         "units of the model")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: per sample, ``sum_{c != y} w_y * max(0, margin - x_y + x_c)^p / C``.

    Args:
        input: class scores ``(N, C)``, or ``(C,)`` for one sample.
        target: class indices ``(N,)``, or ``()`` (or ``(1,)``) for one sample.
        p: 1 or 2.
        weight: ``(C,)``, a weight per class, applied through each sample's target class.

    'none' keeps one loss per sample (a 0-d loss for a 0-d target).

    >>> round(F.multi_margin_loss(ember.tensor([0.1, 0.2, 0.4, 0.8]), ember.tensor(3)).item(), 4)
    0.325
    """
    op = "multi_margin_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: p must be 1 or 2, got {p!r}")
    x, n_classes = _score_rows(op, input, target)
    n = x.shape[0]
    if target.ndim > 1 or target._data.size != n:
        raise ValueError(f"{op}: for an input of shape {shape_str(input.shape)}, target must hold one "
                         f"class index per sample, shape ({n},), got {shape_str(target.shape)}")
    if weight is not None:
        _check_tensors(op, like=input, weight=weight)
        if tuple(weight.shape) != (n_classes,):
            raise ValueError(f"{op}: weight must have one value per class, shape ({n_classes},), "
                             f"got {shape_str(weight.shape)}")
    t = target._data.reshape(n).astype(np.int64, copy=False)
    _check_class_range(op, t, 0, n_classes)
    xp = array_module(t)
    index = _const(t[:, None])
    z = ops.relu(margin - ops.gather(x, 1, index) + x)  # (N, C); zero gradient where z == 0, as PyTorch
    if p == 2:
        z = z * z
    others = (xp.arange(n_classes) != t[:, None]).astype(x._data.dtype)  # the target is no rival
    z = z * _const(others)
    if weight is not None:
        z = z * ops.index_select(_like(weight, input), 0, _const(t)).unsqueeze(1)
    loss = z.sum(1) / n_classes
    if reduction == "none":
        return loss if target.ndim else loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: per sample, ``sum_{j in y} sum_{c not in y} max(0, 1 - x_j + x_c) / C``.

    Args:
        input: class scores ``(N, C)``, or ``(C,)`` for one sample.
        target: the input's shape, integers: each sample's classes first, then -1; only the
            classes before the first -1 count (``[3, 0, -1, 1]`` means classes 3 and 0). A class
            listed twice counts twice, as in PyTorch.

    'none' keeps one loss per sample (a 0-d loss for one sample).

    >>> x, y = ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]])
    >>> round(F.multilabel_margin_loss(x, y).item(), 4)
    0.85
    """
    op = "multilabel_margin_loss"
    _check_tensors(op, input=input, target=target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(op, reduction)
    x, n_classes = _score_rows(op, input, target)
    fits = target.shape == input.shape if input.ndim == 2 else \
        target.ndim <= 1 and target._data.size == n_classes
    if not fits:
        raise ValueError(f"{op}: target must have the input's shape {shape_str(input.shape)} (class "
                         f"indices, then -1 after the last one), got {shape_str(target.shape)}")
    t = target._data.reshape(x.shape).astype(np.int64, copy=False)
    _check_class_range(op, t, -1, n_classes, ", and -1 ends the list")
    xp = array_module(t)
    n = t.shape[0]
    listed = xp.cumsum(t < 0, axis=1) == 0  # before the first -1
    k = max(1, int(listed.sum(1).max())) if n else 1  # (N, K) is all we need of the target
    listed = listed[:, :k]
    t = xp.where(listed, t[:, :k], 0)
    is_target = xp.zeros(x.shape, dtype=bool)
    rows = xp.broadcast_to(xp.arange(n)[:, None], t.shape)
    is_target[rows[listed], t[listed]] = True
    pairs = listed[:, :, None] & ~is_target[:, None, :]  # (N, K, C): a listed class, a non-target
    z = ops.relu(1 - ops.gather(x, 1, _const(t)).unsqueeze(2) + x.unsqueeze(1))
    loss = (z * _const(pairs.astype(x._data.dtype))).sum((1, 2)) / n_classes
    if reduction == "none":
        return loss if input.ndim == 2 else loss.reshape(())
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- triplets of embeddings
def _check_triplet(op, anchor, positive, negative, margin, reduction):
    _check_tensors(op, anchor=anchor, positive=positive, negative=negative)
    _check_reduction(op, reduction)
    if not margin > 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{op}: anchor, positive and negative must have the same number of "
                         f"dimensions, got shapes {shape_str(anchor.shape)}, "
                         f"{shape_str(positive.shape)} and {shape_str(negative.shape)}")


def _triplet(anchor, positive, negative, distance, margin, swap, reduction):
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:  # Balntas et al. 2016, "Learning shallow convolutional feature descriptors with
        # triplet losses": the positive stands in for the anchor when it is nearer the negative
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    return _reduce(ops.clamp(margin + d_pos - d_neg, min=0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))``, ``d`` being
    ``pairwise_distance(., ., p, eps)`` (Schroff et al. 2015, FaceNet), reduced.

    Args:
        anchor, positive, negative: embeddings ``(N, D)`` or ``(D,)`` (broadcast; the distance is
            taken along the last dimension).
        margin: greater than 0.
        swap: use ``min(d(a, n), d(p, n))`` for the negative distance (Balntas et al. 2016).

    >>> a, p, n = ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]]), ember.tensor([[0.0, 1.0]])
    >>> round(F.triplet_margin_loss(a, p, n, eps=0).item(), 4)
    5.0
    """
    op = "triplet_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_triplet(op, anchor, positive, negative, margin, reduction)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _check_float(op, name, t)
    _broadcast_shape(op, anchor=anchor, positive=positive, negative=negative)
    return _triplet(anchor, positive, negative, lambda a, b: pairwise_distance(a, b, p, eps),
                    margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` for any distance ``d``.

    Args:
        anchor, positive, negative: tensors with the same number of dimensions, e.g. ``(N, D)``.
        distance_function: ``d(x1, x2)``, a tensor of non-negative distances (e.g.
            ``lambda x, y: 1 - F.cosine_similarity(x, y)``); ``pairwise_distance`` by default.
        margin: greater than 0.
        swap: use ``min(d(a, n), d(p, n))`` for the negative distance.
    """
    op = "triplet_margin_with_distance_loss"
    _check_triplet(op, anchor, positive, negative, margin, reduction)
    if distance_function is None:
        _broadcast_shape(op, anchor=anchor, positive=positive, negative=negative)
        distance_function = pairwise_distance
    return _triplet(anchor, positive, negative, distance_function, margin, swap, reduction)
