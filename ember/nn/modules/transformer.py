"""The Transformer (Vaswani et al., 2017): encoder and decoder layers, stacks of them
(``TransformerEncoder``, ``TransformerDecoder``) and the whole encoder-decoder ``Transformer``,
with PyTorch's arguments, submodule names and results."""

import copy
import math

from ember.autograd.grad_mode import is_grad_enabled
from ember.backend import dtypes
from ember.nn.functional.activation import gelu, relu
from ember.nn.init import xavier_uniform_
from ember.nn.modules.activation import GELU, ReLU
from ember.nn.modules.attention import MultiheadAttention
from ember.nn.modules.container import ModuleList
from ember.nn.modules.dropout import Dropout
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module
from ember.nn.modules.normalization import LayerNorm
from ember.tensor.factories import full
from ember.tensor.tensor import Tensor

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "Transformer"]


def _activation(activation, owner):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise RuntimeError(f"{owner}: activation should be 'relu', 'gelu' or a callable, not "
                           f"{activation!r}")
    return activation


class _TransformerLayer(Module):
    """What encoder and decoder layers share: one MultiheadAttention per name in ``attentions``
    (the first is ``self_attn``), the feed-forward network ``linear1``, ``dropout``, ``linear2``,
    and one LayerNorm and one Dropout per sub-block (``norm1``, ``dropout1``, ...), registered in
    PyTorch's order, which is that of ``state_dict`` and ``repr``."""

    def __init__(self, attentions, d_model, nhead, dim_feedforward, dropout, activation,
                 layer_norm_eps, batch_first, norm_first, bias, device, dtype):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        for name in attentions:
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first, **factory))
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        blocks = range(1, len(attentions) + 2)
        for i in blocks:
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for i in blocks:
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation, type(self).__name__)

    def _describe(self):
        attn = self.self_attn
        first = ", batch_first=True" if attn.batch_first else ""
        return f"{type(self).__name__}(d_model={attn.embed_dim}, nhead={attn.num_heads}{first})"

    def _check_input(self, name, x, length="S"):
        d_model = self.self_attn.embed_dim
        if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.shape[-1] != d_model:
            layout = f"(N, {length}, E)" if self.self_attn.batch_first else f"({length}, N, E)"
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{self._describe()}: expected {name} of shape {layout} or "
                             f"({length}, E) with E = d_model = {d_model}, got {got}")

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _feed_forward(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


class TransformerEncoderLayer(_TransformerLayer):
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
        super().__init__(("self_attn",), d_model, nhead, dim_feedforward, dropout, activation,
                         layer_norm_eps, batch_first, norm_first, bias, device, dtype)
        if self.activation is relu or isinstance(self.activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif self.activation is gelu or isinstance(self.activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """See the class docstring."""
        self._check_input("src", src)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _ff_block(self, x):
        return self.dropout2(self._feed_forward(x))


def _causal_mask(size, device=None, dtype=None):
    """The float causal mask: 0 on and below the diagonal, -inf above."""
    return full((size, size), -math.inf, dtype=dtype, device=device).triu(1)


def _batch_first(layers):
    return len(layers) > 0 and layers[0].self_attn.batch_first


def _detect_is_causal(mask, is_causal, x, batch_first):
    """``is_causal`` if given, else whether ``mask`` is the float causal mask for the length of
    the sequence ``x``."""
    if is_causal is not None:
        return is_causal
    if mask is None or mask.ndim != 2 or not mask.is_floating_point():
        return False
    if not isinstance(x, Tensor) or x.ndim < 2:
        return False
    size = x.shape[1 if batch_first and x.ndim == 3 else 0]
    return tuple(mask.shape) == (size, size) and bool(
        (mask == _causal_mask(size, mask.device, mask.dtype)).all())


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
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder", "encoder_layer",
                              "TransformerEncoderLayer")
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor and _nested_eligible(encoder_layer)
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """See the class docstring."""
        is_causal = _detect_is_causal(mask, is_causal, src, _batch_first(self.layers))
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


def _clones(layer, num_layers, owner, name, expected):
    if not isinstance(layer, Module):
        raise TypeError(f"{owner}: {name} must be a Module (a {expected}), got "
                        f"{type(layer).__name__}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


def _nested_eligible(layer):
    """PyTorch's conditions on the layer for its nested-tensor path."""
    if not isinstance(layer, TransformerEncoderLayer):
        return False
    attn = layer.self_attn
    return (not layer.norm_first and attn.batch_first and attn._qkv_same_embed_dim
            and attn.in_proj_bias is not None and bool(layer.activation_relu_or_gelu)
            and layer.norm1.eps == layer.norm2.eps and attn.num_heads % 2 == 0)


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, attention to the encoder's output ``memory``, then a feed-forward
    network, each with dropout, a residual connection and layer normalisation::

        norm_first=False:  x = norm1(x + sa(x)); x = norm2(x + mha(x, mem)); x = norm3(x + ff(x))
        norm_first=True:   x = x + sa(norm1(x)); x = x + mha(norm2(x), mem); x = x + ff(norm3(x))

    where ``sa`` is ``self_attn`` and ``mha`` is ``multihead_attn`` (both
    :class:`MultiheadAttention`) and ``ff`` is as in :class:`TransformerEncoderLayer`.

    Args: as :class:`TransformerEncoderLayer` (``d_model, nhead, dim_feedforward=2048,
    dropout=0.1, activation='relu', layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True``), with the same default initialisation.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)``: ``tgt`` is
    ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``, or ``(T, E)``), ``memory`` is
    ``(S, N, E)``; ``tgt_mask (T, T)`` and ``tgt_key_padding_mask (N, T)`` go to
    ``self_attn``, ``memory_mask (T, S)`` and ``memory_key_padding_mask (N, S)`` to
    ``multihead_attn``; the ``*_is_causal`` flags hint that the mask is the causal mask.

    >>> layer = ember.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True)
    >>> tuple(layer(ember.randn(2, 3, 16), ember.randn(2, 5, 16)).shape)
    (2, 3, 16)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        super().__init__(("self_attn", "multihead_attn"), d_model, nhead, dim_feedforward,
                         dropout, activation, layer_norm_eps, batch_first, norm_first, bias,
                         device, dtype)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """See the class docstring."""
        self._check_input("tgt", tgt, length="T")
        self._check_input("memory", memory)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self._feed_forward(x))


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (deep copies: the layers do not
    share parameters), then ``norm`` if given.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``: as
    :class:`TransformerDecoderLayer`; ``tgt_is_causal=None`` detects whether ``tgt_mask`` is
    the causal mask.

    >>> layer = ember.nn.TransformerDecoderLayer(16, 4, dim_feedforward=32)
    >>> decoder = ember.nn.TransformerDecoder(layer, num_layers=2)
    >>> tuple(decoder(ember.randn(3, 2, 16), ember.randn(5, 2, 16)).shape)
    (3, 2, 16)
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder", "decoder_layer",
                              "TransformerDecoderLayer")
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """See the class docstring."""
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, tgt, _batch_first(self.layers))
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer: ``decoder(tgt, encoder(src))``.

    Args: ``d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation='relu', custom_encoder=None,
    custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True``.
    Unless ``custom_encoder`` / ``custom_decoder`` are given, ``encoder`` is a
    :class:`TransformerEncoder` and ``decoder`` a :class:`TransformerDecoder` of layers built
    from these arguments, each ending with a ``LayerNorm(d_model, eps=layer_norm_eps, bias=bias)``.
    Default initialisation (PyTorch's): every parameter of two or more dimensions, custom
    encoder and decoder included, is Xavier uniform; the others keep their modules' defaults.

    ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``: ``src (S, N, E)`` and
    ``tgt (T, N, E)`` (batch first with ``batch_first``, or unbatched ``(S, E)``, ``(T, E)``);
    the ``src_*`` arguments go to the encoder, the others to the decoder. Returns
    ``(T, N, E)``.

    >>> model = ember.nn.Transformer(16, 4, 1, 1, dim_feedforward=32, batch_first=True)
    >>> tgt_mask = ember.nn.Transformer.generate_square_subsequent_mask(3)
    >>> tuple(model(ember.randn(2, 5, 16), ember.randn(2, 3, 16), tgt_mask=tgt_mask).shape)
    (2, 3, 16)
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, **factory), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, **factory), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """See the class docstring."""
        for name, x in (("src", src), ("tgt", tgt)):
            if not isinstance(x, Tensor):
                raise TypeError(f"Transformer: {name} must be a Tensor, got {type(x).__name__}")
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch_dim] != tgt.shape[batch_dim]):
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal "
                               f"(dimension {batch_dim} with batch_first={self.batch_first}), got "
                               f"shapes {tuple(src.shape)} and {tuple(tgt.shape)}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to "
                               f"d_model = {self.d_model}, got shapes {tuple(src.shape)} and "
                               f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The ``(sz, sz)`` causal mask: ``-inf`` above the diagonal (the future), 0 elsewhere.

        >>> ember.nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[0., -inf, -inf],
                [0., 0., -inf],
                [0., 0., 0.]])
        """
        return _causal_mask(sz, device, dtype)
