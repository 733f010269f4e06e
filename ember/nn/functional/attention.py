"""Scaled dot-product attention (PyTorch's ``F.scaled_dot_product_attention``)."""

import math

import numpy as np

from ember.autograd.function import Primitive
from ember.backend import array_module, dtypes
from ember.nn.functional.dropout import dropout
from ember.ops import sum as _sum
from ember.ops._util import kept_max, shape_str
from ember.tensor.factories import ones
from ember.tensor.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


class SafeSoftmax(Primitive):
    """Softmax over the last dimension, computed stably, that gives 0 (not NaN) on a row whose
    every entry is -inf: a query that may attend to nothing gets a zero output and a zero
    gradient, as in PyTorch's attention."""

    @staticmethod
    def forward(ctx, x):
        xp = array_module(x)
        m = kept_max(x, -1)
        dead = m == -np.inf
        y = x - xp.where(dead, 0, m)
        with np.errstate(invalid="ignore"):
            xp.exp(y, out=y)
            total = y.sum(axis=-1, keepdims=True)
        y /= xp.where(dead, 1, total)  # a dead row is exp(-inf) = 0 everywhere: it stays 0
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        y, = ctx.saved_tensors
        return y * (gy - _sum(gy * y, -1, keepdim=True))


def _check_inputs(query, key, value):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got "
                            f"{type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention: {name} must have at least 2 "
                               f"dimensions (..., sequence, features), got shape {shape_str(t.shape)}")
        if t.dtype != query.dtype or not t.is_floating_point():
            raise RuntimeError(f"scaled_dot_product_attention: query, key and value must have the "
                               f"same floating point dtype, got {query.dtype}, {key.dtype} and "
                               f"{value.dtype}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev), got query {shape_str(query.shape)}, key {shape_str(key.shape)} and "
            f"value {shape_str(value.shape)}")


def _expand_heads(t, heads):
    """Repeat each key/value head ``heads // t.shape[-3]`` times (grouped-query attention)."""
    groups = heads // t.shape[-3]
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return expanded.reshape(*shape[:-3], heads, *shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value``, PyTorch's attention function.

    Args:
        query: ``(..., L, E)``; key: ``(..., S, E)``; value: ``(..., S, Ev)`` (leading
            dimensions broadcast).
        attn_mask: broadcastable to ``(..., L, S)``. A bool mask says which positions may be
            attended to (True = take part); a float mask is added to the scores (use ``-inf`` to
            block a position).
        dropout_p: dropout on the attention weights (always applied when > 0, as in PyTorch:
            pass 0.0 in evaluation).
        is_causal: query ``i`` attends to keys ``j <= i`` only (the top-left aligned lower
            triangle of an ``(L, S)`` matrix); not together with ``attn_mask``.
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: allow fewer key/value heads (dimension -3) than query heads, each shared by
            a group of query heads.

    Returns ``(..., L, Ev)``. A query that may attend to no key gets a zero output (and zero
    gradient), not NaN. Every part is differentiable, twice.

    >>> q = ember.randn(2, 4, 5, 8); out = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    >>> tuple(out.shape)
    (2, 4, 5, 8)
    """
    _check_inputs(query, key, value)
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be set when "
                           "is_causal=True; pass one or the other")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if kv_heads == 0 or heads % kv_heads or value.shape[-3] != kv_heads:
            raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa, the number of query "
                               f"heads ({heads}) must be a multiple of the key/value heads (key "
                               f"{kv_heads}, value {value.shape[-3]})")
        key, value = _expand_heads(key, heads), _expand_heads(value, heads)
    length, source = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.mT) * scale
    if is_causal:
        allowed = ones(length, source, dtype=dtypes.bool, device=query.device).tril()
        scores = scores.masked_fill(~allowed, -math.inf)
    elif attn_mask is not None:
        scores = _apply_mask(scores, attn_mask, query.dtype)
    weights = SafeSoftmax.apply(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def _apply_mask(scores, mask, dtype):
    if not isinstance(mask, Tensor):
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be a Tensor or None, got "
                        f"{type(mask).__name__}")
    try:
        np.broadcast_shapes(tuple(mask.shape), tuple(scores.shape))
        fits = mask.ndim <= scores.ndim
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"scaled_dot_product_attention: attn_mask of shape {shape_str(mask.shape)} "
                           f"does not broadcast to the attention scores' shape "
                           f"{shape_str(scores.shape)} (..., L, S)")
    if mask.dtype == dtypes.bool:
        return scores.masked_fill(~mask, -math.inf)
    if mask.dtype != dtype:
        raise RuntimeError(f"scaled_dot_product_attention: a float attn_mask must have the query's "
                           f"dtype {dtype}, got {mask.dtype}; or pass a bool mask")
    return scores + mask
