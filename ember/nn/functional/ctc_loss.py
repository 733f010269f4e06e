"""Connectionist Temporal Classification loss (Graves et al., 2006, "Connectionist Temporal
Classification: Labelling Unsegmented Sequence Data with Recurrent Neural Networks"), with
PyTorch's semantics: padded or concatenated targets, per-sample lengths, ``zero_infinity``.

The forward (alpha) and backward (beta) recursions run in log space over the extended label
sequence ``l' = (blank, l_1, blank, l_2, ..., l_S, blank)``, vectorised over the batch with a
Python loop over time only.
"""

import numbers

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.nn.functional.loss import _check_float, _check_reduction, _check_tensors, _const
from ember.ops._util import shape_str
from ember.tensor.tensor import Tensor

__all__ = ["ctc_loss"]

_OP = "ctc_loss"


def _logaddexp3(xp, a, b, c, use_c):
    ab = xp.logaddexp(a, b)
    return xp.where(use_c, xp.logaddexp(ab, c), ab)


class CTCLoss(Primitive):
    """Per-sample negative log-likelihood ``-log p(l | x)`` of ``log_probs`` ``(T, N, C)`` against
    padded targets ``(N, S)``; its gradient (``CTCLossGrad``) is PyTorch's
    ``exp(lp) - exp(log(sum_{s: l'_s = c} alpha_t(s) beta_t(s)) + nll - lp)``."""

    @staticmethod
    def forward(ctx, lp, targets, input_lengths, target_lengths, blank, zero_infinity):
        xp = array_module(lp)
        n_steps, batch, _ = lp.shape
        width = 2 * targets.shape[1] + 1
        ext = xp.full((batch, width), blank, dtype=np.int64)
        ext[:, 1::2] = targets
        position = xp.arange(width)[None]
        il = xp.asarray(input_lengths)
        tl = xp.asarray(target_lengths)
        valid = position < (2 * tl + 1)[:, None]
        skip = xp.zeros((batch, width), dtype=bool)  # l'_s may follow l'_{s-2} directly
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        lp_ext = xp.where(valid, lp[:, xp.arange(batch)[:, None], ext], -xp.inf)  # (T, N, L)
        alpha = xp.full((n_steps, batch, width), -xp.inf, dtype=lp.dtype)
        if n_steps:
            alpha[0, :, :2] = lp_ext[0, :, :2]
        for t in range(1, n_steps):
            prev = alpha[t - 1]
            a = prev.copy()
            a[:, 1:] = xp.logaddexp(prev[:, 1:], prev[:, :-1])
            a[:, 2:] = xp.where(skip[:, 2:], xp.logaddexp(a[:, 2:], prev[:, :-2]), a[:, 2:])
            alpha[t] = a + lp_ext[t]
        rows = xp.arange(batch)
        last = alpha[xp.maximum(il - 1, 0), rows]  # (N, L)
        end = xp.take_along_axis(last, (2 * tl)[:, None], 1)[:, 0]
        before = xp.take_along_axis(last, xp.maximum(2 * tl - 1, 0)[:, None], 1)[:, 0]
        log_likelihood = xp.where(tl > 0, xp.logaddexp(end, before), end)
        log_likelihood = xp.where(il > 0, log_likelihood, xp.where(tl > 0, -xp.inf, 0.0))
        nll = (-log_likelihood).astype(lp.dtype)
        if ctx._edges:
            ctx.alpha, ctx.lp_ext, ctx.ext, ctx.skip, ctx.nll = alpha, lp_ext, ext, skip, nll
            ctx.il, ctx.tl, ctx.zero_infinity = il, tl, zero_infinity
            ctx.save_for_backward(lp)
        if zero_infinity:
            nll = xp.where(nll == xp.inf, xp.zeros((), lp.dtype), nll)
        return nll

    @staticmethod
    def backward(ctx, gy):
        lp, = ctx.saved_tensors
        return CTCLossGrad.apply(lp, gy, ctx), None, None, None, None, None


class CTCLossGrad(Primitive):
    """The gradient of :class:`CTCLoss` w.r.t. ``log_probs``, from the beta recursion."""

    @staticmethod
    def forward(ctx, lp, gy, fwd):
        xp = array_module(lp)
        n_steps, batch, n_classes = lp.shape
        alpha, lp_ext, ext, skip, nll = fwd.alpha, fwd.lp_ext, fwd.ext, fwd.skip, fwd.nll
        il, tl = fwd.il, fwd.tl
        width = ext.shape[1]
        position = xp.arange(width)[None]
        is_end = (position == (2 * tl)[:, None]) | (position == (2 * tl - 1)[:, None])
        beta = xp.full((n_steps, batch, width), -xp.inf, dtype=lp.dtype)
        nxt = beta[0].copy()
        for t in range(n_steps - 1, -1, -1):
            b = nxt.copy()
            b[:, :-1] = xp.logaddexp(nxt[:, :-1], nxt[:, 1:])
            b[:, :-2] = xp.where(skip[:, 2:], xp.logaddexp(b[:, :-2], nxt[:, 2:]), b[:, :-2])
            b += lp_ext[t]
            b = xp.where((t < il - 1)[:, None], b, -xp.inf)
            b = xp.where((t == il - 1)[:, None] & is_end, lp_ext[t], b)
            beta[t] = nxt = b
        ab = alpha + beta  # (T, N, L): log of the probability mass through (t, s)
        shift = ab.max(axis=2, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0.0)
        one_hot = (ext[:, :, None] == xp.arange(n_classes)).astype(lp.dtype)  # (N, L, C)
        mass = xp.einsum("tnl,nlc->tnc", xp.exp(ab - shift), one_hot)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_mass = xp.log(mass) + shift
            gx = (xp.exp(lp) - xp.exp(log_mass + nll[None, :, None] - lp)) * gy[None, :, None]
        keep = xp.arange(n_steps)[:, None] < il[None]  # (T, N): steps past a sample's input
        if fwd.zero_infinity:
            keep = keep & (nll != xp.inf)[None]
        return xp.where(keep[:, :, None], gx, xp.zeros((), lp.dtype)).astype(lp.dtype)

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            "double backward through ctc_loss is not supported: its gradient comes from the "
            "alpha-beta recursion and is not itself differentiable. Differentiate the loss once "
            "(create_graph=False).")


def _lengths(name, lengths, batch, unbatched):
    """``lengths`` (a tensor, or a tuple or list of ints) as a NumPy int64 array of shape
    ``(N,)``; unbatched input takes a 0-d tensor or one length."""
    if isinstance(lengths, Tensor):
        if lengths._data.dtype.kind not in "iu":
            raise TypeError(f"{_OP}: {name} must hold integers, got dtype {lengths.dtype}; "
                            f"convert it with {name}.long()")
        values = np.asarray(lengths.tolist(), dtype=np.int64)
    elif isinstance(lengths, (tuple, list)) and \
            all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in lengths):
        values = np.asarray(lengths, dtype=np.int64)
    else:
        raise TypeError(f"{_OP}: {name} must be a tensor of integers or a tuple of ints, got "
                        f"{type(lengths).__name__}")
    expected = () if unbatched else (batch,)
    if values.shape != expected and not (unbatched and values.shape == (1,)):
        raise ValueError(f"{_OP}: {name} must have shape {shape_str(expected)} (one length per "
                         f"sample), got shape {shape_str(values.shape)}")
    values = values.reshape(batch)
    if (values < 0).any():
        raise ValueError(f"{_OP}: {name} must be non-negative, got {values.tolist()}")
    return values


def _padded_targets(targets, target_lengths, unbatched):
    """``targets`` as a padded ``(N, S)`` integer array; 1-D targets (unbatched ones too) are
    the concatenation of every sample's labels, as in PyTorch."""
    data = targets._data
    xp = array_module(data)
    batch = len(target_lengths)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{_OP}: targets must hold integer class indices, got dtype "
                        f"{targets.dtype}; convert it with targets.long()")
    longest = int(target_lengths.max()) if batch else 0
    if unbatched and data.ndim != 1:
        raise ValueError(f"{_OP}: unbatched log_probs (T, C) take 1-D targets (S,), got "
                         f"targets of shape {shape_str(targets.shape)}")
    if data.ndim == 2:
        if data.shape[0] != batch:
            raise ValueError(f"{_OP}: padded targets of shape {shape_str(targets.shape)} must "
                             f"have one row per sample ({batch})")
        if data.shape[1] < longest:
            raise ValueError(f"{_OP}: padded targets of shape {shape_str(targets.shape)} are "
                             f"shorter than the longest target length {longest}; pad them to "
                             f"at least {longest} columns")
        return data[:, :longest].astype(np.int64)
    if data.ndim != 1:
        raise ValueError(f"{_OP}: targets must be padded (N, S) or concatenated (sum of "
                         f"target_lengths,), got shape {shape_str(targets.shape)}")
    total = int(target_lengths.sum())
    if data.shape[0] != total:
        raise ValueError(f"{_OP}: concatenated targets of shape {shape_str(targets.shape)} must "
                         f"hold sum(target_lengths) = {total} labels")
    padded = xp.zeros((batch, longest), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(target_lengths)])
    for n in range(batch):
        padded[n, :target_lengths[n]] = data[offsets[n]:offsets[n + 1]]
    return padded


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss: ``-log`` of the total probability of every
    alignment of each target to its input, as PyTorch.

    Args:
        log_probs: log-softmax outputs ``(T, N, C)``, or ``(T, C)`` unbatched.
        targets: class indices, padded ``(N, S)`` or concatenated ``(sum(target_lengths),)``;
            ``(target_length,)`` unbatched. They must not contain ``blank``.
        input_lengths: ``(N,)`` lengths of the inputs (at most ``T``): a tensor or a tuple.
        target_lengths: ``(N,)`` lengths of the targets: a tensor or a tuple.
        blank: the blank class.
        reduction: ``'mean'`` divides each loss by its target length (at least 1), then
            averages over the batch; ``'sum'`` or ``'none'``.
        zero_infinity: infinite losses (no alignment exists) and their gradients become 0.

    >>> lp = ember.tensor([[[-1.0, -0.5]], [[-0.5, -1.0]]])  # (T, N, C) = (2, 1, 2)
    >>> round(F.ctc_loss(lp, ember.tensor([[1]]), (2,), (1,), reduction='sum').item(), 4)
    0.3197
    """
    _check_tensors(_OP, log_probs=log_probs, targets=targets)
    _check_reduction(_OP, reduction)
    _check_float(_OP, "log_probs", log_probs)
    if log_probs.ndim not in (2, 3):
        raise ValueError(f"{_OP}: log_probs must be (T, N, C) or unbatched (T, C), got shape "
                         f"{shape_str(log_probs.shape)}")
    unbatched = log_probs.ndim == 2
    n_steps, n_classes = log_probs.shape[0], log_probs.shape[-1]
    batch = 1 if unbatched else log_probs.shape[1]
    if not 0 <= blank < n_classes:
        raise ValueError(f"{_OP}: blank must be in label range [0, {n_classes}), got {blank}")
    input_lengths = _lengths("input_lengths", input_lengths, batch, unbatched)
    target_lengths = _lengths("target_lengths", target_lengths, batch, unbatched)
    if (input_lengths > n_steps).any():
        raise ValueError(f"{_OP}: input_lengths must be at most the number of time steps "
                         f"T = {n_steps}, got {input_lengths.tolist()}")
    padded = _padded_targets(targets, target_lengths, unbatched)
    if padded.size and ((padded < 0) | (padded >= n_classes)).any():
        raise ValueError(f"{_OP}: targets must be class indices in [0, {n_classes})")
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    loss = CTCLoss.apply(lp, padded, input_lengths, target_lengths, blank, zero_infinity)
    if reduction == "mean":
        xp = array_module(log_probs._data)
        divisor = xp.asarray(np.maximum(target_lengths, 1), dtype=log_probs._data.dtype)
        return (loss / _const(divisor)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss[0] if unbatched else loss
