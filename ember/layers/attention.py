"""``MultiHeadAttention`` (Keras 3): ``layer(query, value, key=None, attention_mask=None,
return_attention_scores=False, training=None, use_causal_mask=False)``.

Weights, in Keras' order and layout (its EinsumDense sublayers' kernels): ``query_kernel (dim_q,
heads, key_dim)``, ``query_bias (heads, key_dim)``, the same for ``key`` and ``value``
(``value_dim``), ``output_kernel (heads, value_dim, *output_shape)``, ``output_bias
(*output_shape)``. The projections act on the last axis, as products with reshaped views of these
kernels; the attention is ``F.scaled_dot_product_attention`` (queries scaled by ``1/sqrt(key_dim)``).

Inputs of rank > 3 (an image ``(B, H, W, C)``) attend over ``attention_axes`` (default: all axes but
the batch and the last); the other axes act as more batch axes. The layer moves those next to the
batch, flattens the attention axes (in the order given) into one sequence axis, attends as on
``(B, T, C)`` and restores the shape, so the weights are the same for every rank. The scores are
``(B, <other axes>, heads, <query attention axes>, <key attention axes>)``, as Keras'.

Masks. ``attention_mask`` is boolean, True/1 where a query may attend a key: ``(B, T, S)``, or for
rank > 3 ``(B, <other axes>, <query attention axes>, <key attention axes>)``; leading axes may be
left out or 1 (they broadcast, as in Keras). Masks on the inputs (``query_mask``,
``value_mask``/``key_mask``: the input's shape without its last axis, given or attached by
``Embedding(mask_zero=True)``) are combined with it as in Keras, and the output carries the query's
mask; for rank > 3 a query position may attend a key position when both are unmasked (Keras only
defines this for one attention axis). ``use_causal_mask`` orders the positions row-major over the
attention axes. As Keras' masked softmax, masked scores get a large negative number rather than
``-inf``, so a query that may attend nothing averages all values instead of giving NaN.
"""

import math

import numpy as np

import ember
from ember.layers import constraints, initializers, regularizers
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer, shape_of
from ember.layers.masking import as_mask, get_keras_mask
from ember.layers.node import is_symbolic
from ember.nn import functional as F

__all__ = ["MultiHeadAttention"]


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _agree(a, b):
    return all(x is None or y is None or x == y for x, y in zip(a, b))


class MultiHeadAttention(Layer):
    """``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
    output_shape=None, attention_axes=None, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None)``.

    Returns ``query.shape[:-1] + output_shape`` (``output_shape``: an int or a tuple, by default
    the query's last dimension), and with ``return_attention_scores=True`` also the scores
    ``(B, heads, T, S)`` (for rank > 3 see the module's documentation).

    >>> mha = ember.layers.MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=(1, 2))
    >>> out, scores = mha(ember.ones(1, 3, 5, 8), ember.ones(1, 3, 5, 8), return_attention_scores=True)
    >>> tuple(out.shape), tuple(scores.shape)
    ((1, 3, 5, 8), (1, 2, 3, 5, 3, 5))
    """

    supports_masking = True  # the output carries the query's mask

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        me = f"MultiHeadAttention '{self.name}'"
        for arg, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{me}: {arg} must be a positive integer, received {arg}={v!r}")
        if _is_int(attention_axes):
            attention_axes = (attention_axes,)
        if attention_axes is not None:
            if not isinstance(attention_axes, (list, tuple)) or not attention_axes \
                    or not all(_is_int(a) for a in attention_axes):
                raise ValueError(f"{me}: attention_axes must be an int or a non-empty tuple of ints, "
                                 f"received attention_axes={attention_axes!r}")
            attention_axes = tuple(int(a) for a in attention_axes)
        self._output_dims = None
        if output_shape is not None:
            dims = (output_shape,) if _is_int(output_shape) else output_shape
            if not isinstance(dims, (list, tuple)) or not dims or not all(_is_int(d) and d > 0 for d in dims):
                raise ValueError(f"{me}: output_shape must be a positive int or a tuple of them (the "
                                 f"shape of the output's last axes), received output_shape={output_shape!r}")
            self._output_dims = tuple(int(d) for d in dims)
            output_shape = self._output_dims[0] if len(dims) == 1 else self._output_dims
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.output_shape = float(dropout), bool(use_bias), output_shape
        self.attention_axes, self.seed = attention_axes, seed
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _dense(self, prefix, kernel_shape, bias_shape):
        kernel = self.add_weight(kernel_shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                 name=f"{prefix}_kernel", constraint=self.kernel_constraint)
        bias = (self.add_weight(bias_shape, self.bias_initializer, regularizer=self.bias_regularizer,
                                name=f"{prefix}_bias", constraint=self.bias_constraint)
                if self.use_bias else None)
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = value_shape or query_shape
        key_shape = key_shape or value_shape
        h, k, v = self.num_heads, self.key_dim, self.value_dim
        out = self._output_dims or (query_shape[-1],)
        self._dense("query", (query_shape[-1], h, k), (h, k))
        self._dense("key", (key_shape[-1], h, k), (h, k))
        self._dense("value", (value_shape[-1], h, v), (h, v))
        self._dense("output", (h, v, *out), out)
        self._dims = (query_shape[-1], value_shape[-1], key_shape[-1])

    def _axes(self, rank):
        """The attention axes for inputs of ``rank``, as non-negative ints in the order given."""
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = tuple(a + rank if a < 0 else a for a in self.attention_axes)
        if len(set(axes)) != len(axes) or not all(1 <= a <= rank - 2 for a in axes):
            raise ValueError(f"{self._describe()}: attention_axes={self.attention_axes} is invalid for "
                             f"inputs of rank {rank}: give distinct axes between 1 and {rank - 2} (or "
                             f"-{rank - 1} and -2), neither the batch axis nor the last (feature) axis")
        return axes

    def _check_shapes(self, q, v, k):
        for role, s in (("query", q), ("value", v), ("key", k)):
            if len(s) < 3:
                raise ValueError(f"{self._describe()} expects {role} of shape (batch, sequence, features), "
                                 f"received {shape_str(s)}; inputs of higher rank (batch, ..., features) "
                                 "attend over attention_axes")
        if not len(q) == len(v) == len(k):
            raise ValueError(f"{self._describe()}: query, value and key must have the same rank, received "
                             f"{shape_str(q)}, {shape_str(v)} and {shape_str(k)}")
        if not _agree(k[1:-1], v[1:-1]):
            raise ValueError(f"{self._describe()}: key and value must have the same sequence length (all "
                             f"axes but the last must agree), received key {shape_str(k)} and value "
                             f"{shape_str(v)}")
        axes = self._axes(len(q))
        other = [a for a in range(1, len(q) - 1) if a not in axes]
        if not _agree([q[a] for a in other], [v[a] for a in other]):
            raise ValueError(f"{self._describe()}: query and value must agree on the axes {tuple(other)} "
                             f"outside attention_axes {axes} (they act as batch axes), received query "
                             f"{shape_str(q)} and value {shape_str(v)}")
        if self.built and (q[-1], v[-1], k[-1]) != self._dims:
            raise ValueError(f"{self._describe()} was built for (query, value, key) features "
                             f"{self._dims}, received shapes {shape_str(q)}, {shape_str(v)}, {shape_str(k)}")

    def __call__(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
                 training=None, use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None,
                 **kwargs):
        if not is_symbolic(query, value, key):  # the masks attached to the inputs
            query_mask = get_keras_mask(query) if query_mask is None else query_mask
            value_mask = get_keras_mask(value) if value_mask is None else value_mask
            if key_mask is None and key is not None:
                key_mask = get_keras_mask(key)
        q, v = shape_of(query), shape_of(value)
        k = shape_of(key) if key is not None else v
        self._check_shapes(q, v, k)
        if not self.built:
            self.build(q, v, k)
            self.built, self._locked, self._build_input_shape = True, True, [q, v, k]
        return super().__call__(query, value, key=key, attention_mask=attention_mask,
                                return_attention_scores=return_attention_scores, training=training,
                                use_causal_mask=use_causal_mask, query_mask=query_mask,
                                value_mask=value_mask, key_mask=key_mask, **kwargs)

    def _check_input_shape(self, shape):  # checked with all three shapes in __call__
        pass

    @staticmethod
    def _project(x, kernel, bias):
        d, h, e = kernel.shape
        y = x @ kernel.reshape(d, h * e)
        y = y.reshape(x.shape[0], x.shape[1], h, e)
        if bias is not None:
            y = y + bias
        return y.transpose(1, 2)  # (B, h, T, e)

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
             training=None, use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None):
        key = value if key is None else key
        rank = query.ndim
        axes = self._axes(rank)
        perm = (0, *[a for a in range(1, rank - 1) if a not in axes], *axes)  # batch-like axes first
        lead = tuple(query.shape[a] for a in perm[:rank - 1 - len(axes)])  # (B, <other axes>)
        q_dims, k_dims = tuple(query.shape[a] for a in axes), tuple(key.shape[a] for a in axes)
        t, s = math.prod(q_dims), math.prod(k_dims)

        def flat(x, length):  # (B, ..., [C]) -> (B * <other axes>, length, [C])
            if rank == 3:
                return x
            x = x.permute(*perm, *range(rank - 1, x.ndim))
            return x.reshape(-1, length, *x.shape[rank - 1:])

        masks = []
        for role, m, x, length in (("query", query_mask, query, t), ("value", value_mask, value, s),
                                   ("key", key_mask, key, s)):
            if m is not None:
                m, shape = as_mask(m, query), tuple(x.shape[:-1])
                if m.ndim != len(shape) or not all(d in (1, e) for d, e in zip(m.shape, shape)):
                    raise ValueError(f"{self._describe()}: {role}_mask must have the {role}'s shape "
                                     f"without its last axis, {shape_str(shape)}, received "
                                     f"{shape_str(tuple(m.shape))}")
                m = flat(m.expand(*shape), length)
            masks.append(m)
        mask = self._input_masks(self._mask(attention_mask, use_causal_mask, lead, q_dims, k_dims, query),
                                 *masks)
        q = self._project(flat(query, t), self.query_kernel, self.query_bias if self.use_bias else None)
        k = self._project(flat(key, s), self.key_kernel, self.key_bias if self.use_bias else None)
        v = self._project(flat(value, s), self.value_kernel, self.value_bias if self.use_bias else None)
        if mask is not None:  # Keras' masked softmax: a large negative number, not -inf
            mask = ember.logical_not(mask).to(q.dtype) * (-0.7 * float(np.finfo(q.dtype.numpy).max))
        p = self.dropout if training else 0.0
        if return_attention_scores:
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.key_dim))
            if mask is not None:
                scores = scores + mask
            scores = F.softmax(scores, dim=-1)
            attn = F.dropout(scores, p, training=True) if p else scores
            context = attn @ v
        else:
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        b, h, _, e = context.shape
        context = context.transpose(1, 2).reshape(b, t, h * e)
        out_dims = tuple(self.output_kernel.shape[2:])
        out = (context @ self.output_kernel.reshape(h * e, -1)).reshape(*lead, *q_dims, *out_dims)
        if self.use_bias:
            out = out + self.output_bias
        if perm != tuple(range(rank - 1)):  # the axes back in the query's order
            out = out.permute(*np.argsort(perm).tolist(), *range(rank - 1, out.ndim))
        if not return_attention_scores:
            return out
        return out, scores.reshape(*lead, h, *q_dims, *k_dims)

    @staticmethod
    def _input_masks(mask, query_mask, value_mask, key_mask):
        """``mask`` (``(B, 1, T, S)`` or None) and-ed with the query ``(B, T)`` and value/key
        ``(B, S)`` masks, as Keras' ``_compute_attention_mask``."""
        for m, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if m is not None:
                m = m.unsqueeze(axis).unsqueeze(1)  # (B, 1, T, 1) or (B, 1, 1, S)
                mask = m if mask is None else ember.logical_and(mask, m)
        return mask

    def _mask(self, attention_mask, causal, lead, q_dims, k_dims, like):
        """The attention and causal masks as one bool ``(B', 1, T, S)`` (or ``(T, S)``), or None."""
        t, s = math.prod(q_dims), math.prod(k_dims)
        mask = None
        if attention_mask is not None:
            mask = as_mask(attention_mask, like)
            shape, n = tuple(mask.shape), len(q_dims) + len(k_dims)
            extra = shape[:-n]  # the (B, <other axes>) part; leading axes may be missing or 1
            if len(shape) < n or shape[-n:] != q_dims + k_dims or len(extra) > len(lead) \
                    or not all(d in (1, e) for d, e in zip(extra[::-1], lead[::-1])):
                what = ("query length, key length" if n == 2 and len(lead) == 1 else
                        "the axes outside attention_axes, the query's attention axes, the key's")
                dims = ", ".join(str(d) for d in lead[1:] + q_dims + k_dims)
                raise ValueError(f"{self._describe()}: attention_mask must have shape (batch, {dims}) "
                                 f"({what}), received {shape_str(shape)}")
            mask = mask.reshape(*(1,) * (len(lead) - len(extra)), *extra, t, s)
            if len(lead) > 1:
                mask = mask.expand(*lead, t, s).reshape(-1, t, s)
            mask = mask.unsqueeze(1)  # broadcast over heads
        if causal:
            tri = ember.tril(ember.ones(t, s, dtype=ember.bool))
            mask = tri if mask is None else ember.logical_and(mask, tri)
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self._output_dims or (query_shape[-1],))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_shape, "attention_axes": self.attention_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint), "seed": self.seed}
