"""Lookups by integer index: ``embedding`` (rows of a weight matrix) and ``one_hot``."""

import numpy as np

from ember.autograd import grad_mode
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import shape_str
from ember.ops.inplace import bump_version
from ember.tensor.tensor import Tensor

__all__ = ["embedding", "one_hot"]


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
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{shape_str(weight.shape)}")
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
