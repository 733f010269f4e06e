"""``MultiheadAttention`` (Vaswani et al., 2017), with PyTorch's arguments, parameter layout
(``in_proj_weight``, ``in_proj_bias``, ``out_proj``) and mask conventions."""

import math

from ember.autograd.grad_mode import no_grad
from ember.backend import dtypes
from ember.nn.functional.attention import scaled_dot_product_attention
from ember.nn.functional.dropout import dropout
from ember.nn.functional.linear import linear
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops import cat
from ember.tensor.factories import empty, zeros
from ember.tensor.tensor import Tensor

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of :class:`MultiheadAttention`: a ``Linear`` under PyTorch's name,
    so that the module prints as PyTorch's does."""


def _float_mask(mask, name, dtype):
    """A bool mask (True = blocked) as a float one (``-inf`` where blocked); a float mask as is."""
    if mask is None:
        return None
    if mask.dtype == dtypes.bool:
        return zeros(*mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, -math.inf)
    if not mask.is_floating_point():
        raise TypeError(f"MultiheadAttention: only bool and floating point {name} are supported, got "
                        f"{mask.dtype}")
    return mask


def _pad_last(mask):
    """One more (zero, i.e. not blocked) column: the extra key of ``bias_k`` or ``add_zero_attn``."""
    if mask is None:
        return None
    return cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)], -1)


class MultiheadAttention(Module):
    """Attention from ``query`` to ``key``/``value`` with ``num_heads`` heads of size
    ``embed_dim // num_heads``: ``out_proj(concat_h softmax(q_h k_h^T / sqrt(d) + mask) v_h)``
    where ``q, k, v`` are linear projections of the inputs.

    Args:
        embed_dim, num_heads: ``embed_dim`` must be divisible by ``num_heads``.
        dropout: on the attention weights, in training mode.
        bias: biases of the input and output projections.
        add_bias_kv: learn one extra key and value (``bias_k``, ``bias_v``) appended to the
            sequences. add_zero_attn: append a zero key and value.
        kdim, vdim: feature sizes of key and value (default ``embed_dim``); when they differ
            the projections are ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of
            the stacked ``in_proj_weight (3 * embed_dim, embed_dim)``.
        batch_first: inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.

    Default initialisation (PyTorch's): ``in_proj_weight`` (or each of ``q/k/v_proj_weight``)
    ``~ U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))`` (Xavier; fan_out is
    ``3 * embed_dim`` for the stacked weight); ``in_proj_bias = 0``, ``out_proj.bias = 0``;
    ``out_proj.weight ~ U(-1/sqrt(embed_dim), 1/sqrt(embed_dim))`` (Linear's default);
    ``bias_k``, ``bias_v ~ N(0, 1/embed_dim)`` (Xavier normal).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)``:

    - ``query (L, N, E)``, ``key (S, N, kdim)``, ``value (S, N, vdim)`` (batch first with
      ``batch_first``; or unbatched ``(L, E)``, ``(S, kdim)``, ``(S, vdim)``);
    - ``key_padding_mask (N, S)``: True (bool) marks keys to ignore; a float mask is added;
    - ``attn_mask (L, S)`` or ``(N * num_heads, L, S)``: True (bool) marks blocked pairs (the
      opposite of ``F.scaled_dot_product_attention``'s bool mask); a float mask is added;
    - ``is_causal``: a hint that ``attn_mask`` is the causal mask (it must be given);
    - ``attn_output (L, N, E)``; ``attn_weights (N, L, S)`` averaged over heads, or
      ``(N, num_heads, L, S)`` with ``average_attn_weights=False``, or None when
      ``need_weights=False``. With ``need_weights=True`` a query whose keys are all masked
      gets NaN, as in PyTorch; with ``need_weights=False`` it gets zeros.

    >>> mha = ember.nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = ember.randn(2, 5, 16)
    >>> out, weights = mha(x, x, x)
    >>> tuple(out.shape), tuple(weights.shape)
    ((2, 5, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, "
                             f"got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        factory = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **factory))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **factory))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        with no_grad():
            weights = ([self.in_proj_weight] if self._qkv_same_embed_dim
                       else [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight])
            for w in weights:  # Xavier uniform
                bound = math.sqrt(6.0 / (w.shape[0] + w.shape[1]))
                w.uniform_(-bound, bound)
            if self.in_proj_bias is not None:
                self.in_proj_bias.zero_()
                self.out_proj.bias.zero_()
            for b in (self.bias_k, self.bias_v):
                if b is not None:  # Xavier normal of a (1, 1, E) tensor: fan_in = fan_out = E
                    b.normal_(0.0, math.sqrt(1.0 / self.embed_dim))

    def _describe(self):
        extra = f", kdim={self.kdim}, vdim={self.vdim}" if not self._qkv_same_embed_dim else ""
        first = ", batch_first=True" if self.batch_first else ""
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads}{extra}{first})"

    def _check_shapes(self, query, key, value, key_padding_mask, attn_mask):
        """Validate before computing (PyTorch's ``_mha_shape_check``); return ``is_batched``."""
        for name, t in (("query", query), ("key", key), ("value", value),
                        ("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
            if not isinstance(t, Tensor) and (t is not None or name in ("query", "key", "value")):
                raise TypeError(f"{self._describe()}: {name} must be a Tensor"
                                f"{'' if name in ('query', 'key', 'value') else ' or None'}, got "
                                f"{type(t).__name__}")
        if query.ndim not in (2, 3):
            raise ValueError(f"{self._describe()}: query should be unbatched 2-D (L, E) or batched 3-D "
                             f"{'(N, L, E)' if self.batch_first else '(L, N, E)'}, got shape "
                             f"{tuple(query.shape)}")
        batched = query.ndim == 3
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{self._describe()}: for a {query.ndim}-D query, key and value must be "
                             f"{query.ndim}-D too, got shapes {tuple(key.shape)} and {tuple(value.shape)}")
        for name, t, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.shape[-1] != size:
                raise ValueError(f"{self._describe()}: expected {name} with {size} features in its last "
                                 f"dimension, got shape {tuple(t.shape)}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"{self._describe()}: key and value must have the same sequence and batch "
                             f"dimensions, got shapes {tuple(key.shape)} and {tuple(value.shape)}")
        if batched:
            batch_dim = 0 if self.batch_first else 1
            if key.shape[batch_dim] != query.shape[batch_dim]:
                raise ValueError(f"{self._describe()}: query and key have different batch sizes: "
                                 f"shapes {tuple(query.shape)} and {tuple(key.shape)}")
        seq_dim = 1 if batched and self.batch_first else 0
        length, source = query.shape[seq_dim], key.shape[seq_dim]
        batch = query.shape[1 - seq_dim] if batched else None
        if key_padding_mask is not None:
            want = (batch, source) if batched else (source,)
            if tuple(key_padding_mask.shape) != want:
                raise RuntimeError(f"{self._describe()}: key_padding_mask must have shape {want} "
                                   f"({'(N, S)' if batched else '(S,)'}), got "
                                   f"{tuple(key_padding_mask.shape)}")
        if attn_mask is not None:
            wants = [(length, source), ((batch or 1) * self.num_heads if batched else self.num_heads,
                                        length, source)]
            if tuple(attn_mask.shape) not in wants:
                raise RuntimeError(f"{self._describe()}: attn_mask must have shape {wants[0]} or "
                                   f"{wants[1]}, got {tuple(attn_mask.shape)}")
        return batched

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """See the class docstring."""
        batched = self._check_shapes(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError(f"{self._describe()}: need attn_mask if specifying the is_causal hint; "
                               "pass the causal mask (e.g. ember.ones(L, L, dtype=ember.bool)"
                               ".triu(1)) as attn_mask")
        self_attention, shared_kv = query is key and key is value, key is value
        if batched and self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        elif not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
        causal = is_causal and key_padding_mask is None and not need_weights
        attn_mask = None if causal else _float_mask(attn_mask, "attn_mask", query.dtype)
        out, weights = self._attend(query, key, value, key_padding_mask, attn_mask, causal,
                                    need_weights, self_attention, shared_kv)
        if weights is not None and average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _project(self, query, key, value, self_attention, shared_kv):
        """The input projections ``q, k, v`` (sequence-first), sharing products where inputs are shared."""
        w, b, e = self.in_proj_weight, self.in_proj_bias, self.embed_dim
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if not self._qkv_same_embed_dim:
            return (linear(query, self.q_proj_weight, bq), linear(key, self.k_proj_weight, bk),
                    linear(value, self.v_proj_weight, bv))
        if self_attention:
            return linear(query, w, b).chunk(3, -1)
        q = linear(query, w[:e], bq)
        if shared_kv:
            return (q,) + tuple(linear(key, w[e:], None if b is None else b[e:]).chunk(2, -1))
        return q, linear(key, w[e:2 * e], bk), linear(value, w[2 * e:], bv)

    def _attend(self, query, key, value, key_padding_mask, attn_mask, causal, need_weights,
                self_attention, shared_kv):
        length, batch, embed = query.shape
        heads, head_dim = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value, self_attention, shared_kv)
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(1, batch, embed)])
            v = cat([v, self.bias_v.expand(1, batch, embed)])
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        # (L, N, E) -> (N * heads, L, head_dim), batch-major as PyTorch (3-D attn_mask order)
        q = q.reshape(length, batch * heads, head_dim).transpose(0, 1)
        k = k.reshape(k.shape[0], batch * heads, head_dim).transpose(0, 1)
        v = v.reshape(v.shape[0], batch * heads, head_dim).transpose(0, 1)
        if self.add_zero_attn:
            k = cat([k, zeros(batch * heads, 1, head_dim, dtype=k.dtype, device=k.device)], 1)
            v = cat([v, zeros(batch * heads, 1, head_dim, dtype=v.dtype, device=v.device)], 1)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        source = k.shape[1]
        mask = None
        if attn_mask is not None:
            mask = attn_mask.reshape(-1, heads, length, source) if attn_mask.ndim == 3 and \
                attn_mask.shape[0] > 1 else attn_mask.reshape(1, 1, length, source)
        if key_padding_mask is not None:
            padding = key_padding_mask.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        p = self.dropout if self.training else 0.0
        q, k, v = (t.reshape(batch, heads, t.shape[1], head_dim) for t in (q, k, v))
        weights = None
        if need_weights:  # PyTorch's path here: a plain softmax (NaN where every key is masked)
            scores = (q * math.sqrt(1.0 / head_dim)) @ k.mT
            if mask is not None:
                scores = scores + mask
            weights = scores.softmax(-1)
            if p > 0:
                weights = dropout(weights, p)  # PyTorch returns the weights after dropout too
            attended = weights @ v
        else:
            attended = scaled_dot_product_attention(q, k, v, mask, p, causal)
        # (N, heads, L, head_dim) -> (L, N, E)
        out = attended.permute(2, 0, 1, 3).reshape(length * batch, embed)
        out = linear(out, self.out_proj.weight, self.out_proj.bias).reshape(length, batch, embed)
        return out, weights
