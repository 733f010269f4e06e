"""The Transformer encoder (Vaswani et al., 2017): ``TransformerEncoderLayer`` and a stack of
them, ``TransformerEncoder``, with PyTorch's arguments, submodule names and results."""

import copy
import math

from ember.autograd.grad_mode import is_grad_enabled
from ember.backend import dtypes
from ember.nn.functional.activation import gelu, relu
from ember.nn.modules.activation import GELU, ReLU
from ember.nn.modules.attention import MultiheadAttention
from ember.nn.modules.container import ModuleList
from ember.nn.modules.dropout import Dropout
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module
from ember.nn.modules.normalization import LayerNorm
from ember.tensor.factories import full
from ember.tensor.tensor import Tensor

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]


def _activation(activation):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise RuntimeError(f"TransformerEncoderLayer: activation should be 'relu', 'gelu' or a "
                           f"callable, not {activation!r}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward network, each with dropout, a residual connection and
    layer normalisation::

        norm_first=False (post-norm, the paper's):  x = norm1(x + sa(x)); x = norm2(x + ff(x))
        norm_first=True  (pre-norm):                x = x + sa(norm1(x)); x = x + ff(norm2(x))

    where ``sa`` is :class:`MultiheadAttention` and ``ff(x) = linear2(dropout(activation(
    linear1(x))))``.

    Args: ``d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu'`` (``'gelu'``
    or any callable), ``layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True``.
    Default initialisation: that of the submodules (``self_attn`` as MultiheadAttention;
    ``linear1``, ``linear2`` ``~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; norms weight 1, bias 0).

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``: ``src`` is
    ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``, or ``(S, E)``); the masks are
    MultiheadAttention's ``attn_mask`` and ``key_padding_mask``; ``is_causal`` hints that
    ``src_mask`` is the causal mask.

    >>> layer = ember.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
    >>> tuple(layer(ember.randn(2, 5, 16)).shape)
    (2, 5, 16)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        activation = _activation(activation)
        if activation is relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def _describe(self):
        attn = self.self_attn
        first = ", batch_first=True" if attn.batch_first else ""
        return f"TransformerEncoderLayer(d_model={attn.embed_dim}, nhead={attn.num_heads}{first})"

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """See the class docstring."""
        d_model = self.self_attn.embed_dim
        if not isinstance(src, Tensor) or src.ndim not in (2, 3) or src.shape[-1] != d_model:
            layout = "(N, S, E)" if self.self_attn.batch_first else "(S, N, E)"
            got = tuple(src.shape) if isinstance(src, Tensor) else type(src).__name__
            raise ValueError(f"{self._describe()}: expected src of shape {layout} or (S, E) with "
                             f"E = d_model = {d_model}, got {got}")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _causal_mask(size, like):
    """The float causal mask: 0 on and below the diagonal, -inf above."""
    return full((size, size), -math.inf, dtype=like.dtype, device=like.device).triu(1)


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies, as PyTorch: the layers
    do not share parameters), then ``norm`` if given.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``: as
    :class:`TransformerEncoderLayer`; ``is_causal=None`` detects whether ``mask`` is the causal
    mask (float ``-inf`` above the diagonal, 0 elsewhere).

    ``enable_nested_tensor`` (default True) keeps PyTorch's result in the case where PyTorch
    runs its nested-tensor path: in evaluation mode without gradients, with ``batch_first``
    layers and a ``src_key_padding_mask`` that pads only at the ends, the outputs at padded
    positions are 0 (before ``norm``). ember has no nested tensors: it computes the same thing
    with the mask and zeroes those positions, and never warns about the fast path.

    >>> layer = ember.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
    >>> encoder = ember.nn.TransformerEncoder(layer, num_layers=2)
    >>> tuple(encoder(ember.randn(5, 2, 16)).shape)
    (5, 2, 16)
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module (a "
                            f"TransformerEncoderLayer), got {type(encoder_layer).__name__}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor and _nested_eligible(encoder_layer)
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """See the class docstring."""
        first = self.layers[0] if len(self.layers) else None
        batch_first = first is not None and first.self_attn.batch_first
        if is_causal is None:
            is_causal = False
            if mask is not None and mask.ndim == 2 and isinstance(src, Tensor) and src.ndim >= 2:
                size = src.shape[1 if batch_first and src.ndim == 3 else 0]
                if tuple(mask.shape) == (size, size) and mask.is_floating_point():
                    is_causal = bool((mask == _causal_mask(size, mask)).all())
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=is_causal)
        if self._zero_padding(src, mask, src_key_padding_mask):
            padded = src_key_padding_mask
            if padded.dtype != dtypes.bool:
                padded = padded == -math.inf
            output = output.masked_fill(padded.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _zero_padding(self, src, mask, padding):
        """Whether PyTorch would run its nested-tensor path (padded outputs become 0)."""
        if not (self.use_nested_tensor and len(self.layers) and padding is not None and mask is None):
            return False
        first = self.layers[0]
        if first.training or src.ndim != 3:
            return False
        params = [src] + [p for p in first.parameters()]
        if is_grad_enabled() and any(p.requires_grad for p in params):
            return False
        if not self.mask_check:
            return True
        blocked = padding if padding.dtype == dtypes.bool else padding == -math.inf
        kept = (~blocked).cpu().numpy()
        return bool((kept[:, :-1] >= kept[:, 1:]).all())  # left aligned: padding only at the ends


def _nested_eligible(layer):
    """PyTorch's conditions on the layer for its nested-tensor path."""
    if not isinstance(layer, TransformerEncoderLayer):
        return False
    attn = layer.self_attn
    return (not layer.norm_first and attn.batch_first and attn._qkv_same_embed_dim
            and attn.in_proj_bias is not None and bool(layer.activation_relu_or_gelu)
            and layer.norm1.eps == layer.norm2.eps and attn.num_heads % 2 == 0)
