"""Lookups by integer index: ``embedding`` (rows of a weight matrix), ``embedding_bag`` (their
sums, means or maxima over bags of indices) and ``one_hot``."""

import numpy as np

from ember.autograd import grad_mode
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import shape_str
from ember.ops.inplace import bump_version
from ember.tensor.tensor import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot"]


class Embedding(Primitive):
    """``weight[indices]``: the rows of ``weight`` at each index (a gather along dim 0)."""

    @staticmethod
    def forward(ctx, weight, indices, grad_scale):
        ctx.indices, ctx.grad_scale, ctx.num_embeddings = indices, grad_scale, weight.shape[0]
        return weight.take(indices, axis=0)

    @staticmethod
    def backward(ctx, gy):
        dim = gy.shape[-1]
        g = gy.reshape((-1, dim))
        if ctx.grad_scale is not None:  # padding_idx rows and scale_grad_by_freq
            g = g * Tensor._make(ctx.grad_scale, False, None, 0)
        return EmbeddingGrad.apply(g, ctx.indices.reshape(-1), ctx.num_embeddings), None, None


class EmbeddingGrad(Primitive):
    """Zeros of shape ``(num_embeddings, dim)`` with each row of ``g`` added at its index (repeated
    indices add up): the weight gradient of ``Embedding``."""

    @staticmethod
    def forward(ctx, g, indices, num_embeddings):
        ctx.indices = indices
        xp = array_module(g)
        out = xp.zeros((num_embeddings, g.shape[1]), g.dtype)
        xp.add.at(out, indices, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Embedding.apply(gg, ctx.indices, None), None, None


def _renorm_(weight, indices, max_norm, norm_type):
    """Scale the rows of ``weight`` that ``indices`` use down to a ``norm_type``-norm of at most
    ``max_norm``, in place and outside the graph (PyTorch's ``embedding_renorm_``)."""
    w = weight._data
    xp = array_module(w)
    rows = xp.unique(indices)
    selected = w[rows]
    norms = xp.sum(xp.abs(selected) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = selected * scale[:, None]
    bump_version(weight, "embedding_renorm_")


def _check_table(op, input, weight):
    """Both are tensors and the weight is a (num_embeddings, embedding_dim) table."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{shape_str(weight.shape)}")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` by integer index: ``weight[input]``.

    Args:
        input: integer tensor of indices in ``[0, num_embeddings)``, any shape ``(*)``.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: the row at this index gets no gradient.
        max_norm: rows looked up are first rescaled in place to a ``norm_type``-norm of at most
            ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in ``input``.

    Returns:
        ``(*, embedding_dim)``.

    >>> F.embedding(ember.tensor([[0, 2]]), ember.eye(3)).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    op = "embedding"
    _check_table(op, input, weight)
    if sparse:
        raise ValueError(f"{op}: sparse=True is not supported (ember has no sparse gradients); "
                         "use the default dense gradient")
    num = weight.shape[0]
    idx = input._data
    _check_indices(op, idx, num, f"a weight of {num} rows")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{op}: padding_idx={padding_idx} must be within num_embeddings "
                             f"({num})")
        padding_idx %= num
    if max_norm is not None:
        with grad_mode.no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    grad_scale = None
    if padding_idx is not None or scale_grad_by_freq:
        flat = idx.reshape(-1)
        xp = array_module(flat)
        grad_scale = xp.ones((flat.shape[0], 1), weight._data.dtype)
        if scale_grad_by_freq:
            grad_scale /= xp.bincount(flat, minlength=num)[flat][:, None]
        if padding_idx is not None:
            grad_scale *= (flat != padding_idx)[:, None]
    return Embedding.apply(weight, idx, grad_scale)


def _bags(op, input, offsets, per_sample_weights, include_last_offset):
    """The flat indices, the bag boundaries (starts, ends) and the flat per-sample weights."""
    idx = input._data
    xp = array_module(idx)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2-D {shape_str(input.shape)}, offsets has to be None, "
                             "as input is treated as a mini-batch of fixed length bags")
        offs = xp.arange(idx.shape[0]) * idx.shape[1]
    elif input.ndim == 1:
        if not isinstance(offsets, Tensor) or offsets.ndim != 1:
            got = shape_str(offsets.shape) if isinstance(offsets, Tensor) else repr(offsets)
            raise ValueError(f"{op}: a 1-D input needs offsets, a 1-D tensor of the start of each "
                             f"bag, got {got}")
        offs = offsets._data
        _check_indices(op, offs, idx.size + 1, f"an input of {idx.size} indices (as offsets)")
    else:
        raise ValueError(f"{op}: input has to be 1-D (with offsets) or 2-D (B, N), got shape "
                         f"{shape_str(input.shape)}")
    if offs.size and int(offs[0]) != 0:
        raise ValueError(f"{op}: offsets[0] has to be 0, i.e. the first bag has to start at position "
                         f"0, got {int(offs[0])}")
    if offs.size > 1 and bool((offs[1:] < offs[:-1]).any()):
        raise ValueError(f"{op}: offsets must be non-decreasing, got {offs.tolist()}")
    if include_last_offset:
        starts, ends = offs[:-1], offs[1:]
    else:
        starts, ends = offs, xp.concatenate([offs[1:], xp.asarray([idx.size], offs.dtype)])
    psw = None
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"{op}: per_sample_weights of shape {shape_str(per_sample_weights.shape)} "
                             f"must have the input's shape {shape_str(input.shape)}")
        psw = per_sample_weights.reshape(-1)
    return idx.reshape(-1), starts.astype(np.int64), ends.astype(np.int64), psw


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """The sums, means or maxima of bags of rows of ``weight``, without building the rows' tensor
    of every bag.

    Args:
        input: ``(B, N)`` integer indices (each row a bag), or ``(M,)`` with ``offsets``.
        weight: ``(num_embeddings, embedding_dim)``.
        offsets: ``(B,)`` start of each bag in a 1-D ``input`` (``offsets[0] == 0``); with
            ``include_last_offset`` it has ``B + 1`` entries, the last being where bags end.
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (per dimension; the gradient goes to the first
            maximum). Empty bags give zeros.
        per_sample_weights: weights of ``input``'s shape, multiplied into each row (``'sum'`` only).
        padding_idx: entries of this index are left out of their bag (and of its mean's count).
        max_norm, norm_type, scale_grad_by_freq: as in ``embedding``.

    Returns:
        ``(B, embedding_dim)``.

    >>> w = ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> F.embedding_bag(ember.tensor([0, 1, 2]), w, ember.tensor([0, 2]), mode="sum").tolist()
    [[4.0, 6.0], [5.0, 6.0]]
    """
    op = "embedding_bag"
    _check_table(op, input, weight)
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
    if sparse:
        raise ValueError(f"{op}: sparse=True is not supported (ember has no sparse gradients); "
                         "use the default dense gradient")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError(f"{op}: per_sample_weights is only supported for mode='sum', got "
                         f"mode={mode!r}; weight the rows yourself or use mode='sum'")
    num, dim = weight.shape
    flat, starts, ends, psw = _bags(op, input, offsets, per_sample_weights, include_last_offset)
    _check_indices(op, flat, num, f"a weight of {num} rows")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{op}: padding_idx={padding_idx} must be within num_embeddings ({num})")
        padding_idx %= num
    xp = array_module(flat)
    bags = len(starts)
    if max_norm is not None:
        with grad_mode.no_grad():
            _renorm_(weight, flat, max_norm, norm_type)
    bag_of = xp.repeat(xp.arange(bags), ends - starts)  # the bag of each entry up to the last end
    members = xp.arange(len(bag_of))
    if padding_idx is not None:
        kept = flat[members] != padding_idx
        members, bag_of = members[kept], bag_of[kept]
    grad_scale = None
    if scale_grad_by_freq and mode != "max":  # (PyTorch's max backward ignores it)
        counts = xp.bincount(flat, minlength=num)[flat[members]]
        grad_scale = (1.0 / counts)[:, None].astype(weight._data.dtype)
    rows = Embedding.apply(weight, flat[members], grad_scale)  # (M, D)
    if mode == "max":
        return _bag_max(rows, bag_of, bags, dim)
    if mode == "mean":
        counts = xp.bincount(bag_of, minlength=bags)[bag_of]
        rows = rows * Tensor._make((1.0 / counts)[:, None].astype(rows._data.dtype), False, None, 0)
    elif psw is not None:
        rows = rows * psw[Tensor._make(members, False, None, 0)].unsqueeze(1)
    return EmbeddingGrad.apply(rows, bag_of, bags)


def _bag_max(rows, bag_of, bags, dim):
    """Per bag and dimension, the first maximal entry of ``rows`` (M, D), entries sorted by bag."""
    vals = rows._data
    xp = array_module(vals)
    if not len(bag_of):  # every bag empty: zeros, still in the graph
        return EmbeddingGrad.apply(rows, bag_of, bags)
    present, first = xp.unique(bag_of, return_index=True)
    maxima = xp.maximum.reduceat(vals, first, axis=0)
    position = xp.arange(len(bag_of))[:, None]
    at_max = xp.where(vals == maxima[xp.searchsorted(present, bag_of)], position, len(bag_of))
    winner = xp.minimum.reduceat(at_max, first, axis=0)  # (bags present, D) row of each maximum
    picked = Embedding.apply(rows.reshape(-1, 1), (winner * dim + xp.arange(dim)).reshape(-1), None)
    return EmbeddingGrad.apply(picked.reshape(len(present), dim), present, bags)


def _check_indices(op, idx, n, what):
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices (an int64 tensor), got dtype {idx.dtype}; "
                        "convert them with .long()")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            raise IndexError(f"{op}: index {lo if lo < 0 else hi} is out of range for {what} "
                             f"(valid indices are 0 to {n - 1})")


def one_hot(tensor, num_classes=-1):
    """Class indices ``(*)`` as one-hot vectors ``(*, num_classes)`` of int64 (no gradient).

    ``num_classes=-1`` takes the largest index + 1.

    >>> F.one_hot(ember.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected an integer Tensor, got {type(tensor).__name__}")
    idx = tensor._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {tensor.dtype}; "
                        "convert them with .long()")
    xp = array_module(idx)
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot: can't infer the number of classes from an empty tensor; "
                             "pass num_classes")
        num_classes = int(idx.max()) + 1
    if idx.size and int(idx.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(idx.min())}")
    if idx.size and int(idx.max()) >= num_classes:
        raise ValueError(f"one_hot: class value {int(idx.max())} is not smaller than "
                         f"num_classes={num_classes}")
    out = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None, 0)
