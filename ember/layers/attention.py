"""``MultiHeadAttention`` (Keras 3): ``layer(query, value, key=None, attention_mask=None,
return_attention_scores=False, training=None, use_causal_mask=False)``.

Weights, in Keras' order and layout (its EinsumDense sublayers' kernels): ``query_kernel (dim_q,
heads, key_dim)``, ``query_bias (heads, key_dim)``, the same for ``key`` and ``value``
(``value_dim``), ``output_kernel (heads, value_dim, output_dim)``, ``output_bias (output_dim,)``.
The projections are products with reshaped views of these kernels; the attention is
``F.scaled_dot_product_attention`` (queries scaled by ``1/sqrt(key_dim)``). ``attention_mask``
``(B, T, S)`` is boolean, True/1 where a query may attend a key, as in Keras. Masks on the
inputs (``query_mask (B, T)``, ``value_mask``/``key_mask (B, S)``, given or attached by
``Embedding(mask_zero=True)``) are combined with it as in Keras, and the output carries the
query's mask. As Keras' masked softmax, masked scores get a large negative number rather than
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


class MultiHeadAttention(Layer):
    supports_masking = True  # the output carries the query's mask

    """``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
    output_shape=None, attention_axes=None, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None)``.

    Returns ``(B, T, output_dim)`` (``output_dim`` = ``output_shape`` or the query's last
    dimension), and with ``return_attention_scores=True`` also the ``(B, heads, T, S)`` scores."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        me = f"MultiHeadAttention '{self.name}'"
        for arg, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{me}: {arg} must be a positive integer, received {arg}={v!r}")
        if attention_axes is not None:
            raise NotImplementedError(f"{me}: attention_axes is not supported (attention over axis 1)")
        if output_shape is not None and not isinstance(output_shape, int):
            output_shape = tuple(output_shape)
            if len(output_shape) != 1:
                raise NotImplementedError(f"{me}: output_shape must be an int or a 1-tuple")
            output_shape = output_shape[0]
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
        out = self.output_shape or query_shape[-1]
        self._dense("query", (query_shape[-1], h, k), (h, k))
        self._dense("key", (key_shape[-1], h, k), (h, k))
        self._dense("value", (value_shape[-1], h, v), (h, v))
        self._dense("output", (h, v, out), (out,))
        self._dims = (query_shape[-1], value_shape[-1], key_shape[-1])

    def _check_shapes(self, q, v, k):
        for role, s in (("query", q), ("value", v), ("key", k)):
            if len(s) != 3:
                raise ValueError(f"{self._describe()} expects {role} of shape (batch, sequence, features), "
                                 f"received {shape_str(s)}")
        if k[1] != v[1] and None not in (k[1], v[1]):
            raise ValueError(f"{self._describe()}: key and value must have the same sequence length, "
                             f"received key {shape_str(k)} and value {shape_str(v)}")
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
        q = self._project(query, self.query_kernel, self.query_bias if self.use_bias else None)
        k = self._project(key, self.key_kernel, self.key_bias if self.use_bias else None)
        v = self._project(value, self.value_kernel, self.value_bias if self.use_bias else None)
        mask = self._mask(attention_mask, use_causal_mask, q.shape[2], k.shape[2], query.shape[0])
        mask = self._input_masks(mask, query, query_mask, value_mask, key_mask)
        if mask is not None:  # Keras' masked softmax: a large negative number, not -inf
            mask = ember.where(mask, 0.0, -0.7 * float(np.finfo(q.dtype.numpy).max)).to(q.dtype)
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
        b, h, t, e = context.shape
        context = context.transpose(1, 2).reshape(b, t, h * e)
        out = context @ self.output_kernel.reshape(h * e, -1)
        if self.use_bias:
            out = out + self.output_bias
        return (out, scores) if return_attention_scores else out

    @staticmethod
    def _input_masks(mask, query, query_mask, value_mask, key_mask):
        """``mask`` (``(B, 1, T, S)`` or None) and-ed with the query ``(B, T)`` and value/key
        ``(B, S)`` masks, as Keras' ``_compute_attention_mask``."""
        for m, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if m is not None:
                m = as_mask(m, query).unsqueeze(axis).unsqueeze(1)  # (B, 1, T, 1) or (B, 1, 1, S)
                mask = m if mask is None else ember.logical_and(mask, m)
        return mask

    def _mask(self, attention_mask, causal, t, s, batch):
        mask = None
        if attention_mask is not None:
            mask = attention_mask if attention_mask.dtype == ember.bool else ember.ne(attention_mask, 0)
            if mask.ndim == 2:
                mask = mask.unsqueeze(0)
            if tuple(mask.shape[-2:]) != (t, s) or mask.ndim != 3:
                got = shape_str(tuple(attention_mask.shape))
                raise ValueError(f"{self._describe()}: attention_mask must have shape (batch, {t}, {s}) "
                                 f"(query length, key length), received {got}")
            mask = mask.unsqueeze(1)  # broadcast over heads
        if causal:
            tri = ember.tril(ember.ones(t, s, dtype=ember.bool))
            mask = tri if mask is None else ember.logical_and(mask, tri)
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self.output_shape or query_shape[-1],)

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
