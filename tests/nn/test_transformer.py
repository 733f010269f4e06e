"""``TransformerEncoderLayer`` and ``TransformerEncoder`` against PyTorch on copied weights."""

import copy
import doctest
import sys
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
D, HEADS, FF, S, N = 8, 2, 16, 5, 3


def _np(t):
    return t.detach().numpy()


def _encoder_pair(num_layers=2, final_norm=False, nested=True, **kw):
    kw = {"dim_feedforward": FF, "dropout": 0.0, **kw}
    torch_activation = kw.get("activation")
    if callable(torch_activation):  # the same function in each library
        kw["activation"] = torch.nn.functional.silu
    torch_layer = torch.nn.TransformerEncoderLayer(D, HEADS, **kw).double()
    if callable(torch_activation):
        kw["activation"] = F.silu
    layer = nn.TransformerEncoderLayer(D, HEADS, **kw).double()
    with warnings.catch_warnings():  # torch warns that its nested-tensor fast path is off
        warnings.simplefilter("ignore")
        torch_encoder = torch.nn.TransformerEncoder(
            torch_layer, num_layers, norm=torch.nn.LayerNorm(D).double() if final_norm else None,
            enable_nested_tensor=nested)
    encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(D).double() if final_norm
                                    else None, enable_nested_tensor=nested)
    assert list(encoder.state_dict()) == list(torch_encoder.state_dict())
    encoder.load_state_dict({k: v.numpy() for k, v in torch_encoder.state_dict().items()})
    return encoder, torch_encoder


def _compare(encoder, torch_encoder, *, batched=True, padding=False, mask=None, is_causal=None,
             grad=True, atol=1e-12):
    batch_first = encoder.layers[0].self_attn.batch_first
    rng = np.random.default_rng(0)
    shape = ((N, S, D) if batch_first else (S, N, D)) if batched else (S, D)
    x = rng.standard_normal(shape)
    tx, ex = torch.tensor(x, requires_grad=grad), ember.tensor(x, requires_grad=grad)
    t_kw, e_kw = {"is_causal": is_causal}, {"is_causal": is_causal}
    if padding:
        pad = np.zeros((N, S), bool)
        pad[0, -2:] = pad[2, -1:] = True
        t_kw["src_key_padding_mask"], e_kw["src_key_padding_mask"] = torch.tensor(pad), ember.tensor(pad)
    if mask is not None:
        t_kw["mask"], e_kw["mask"] = torch.tensor(mask), ember.tensor(mask)
    t_out, e_out = torch_encoder(tx, **t_kw), encoder(ex, **e_kw)
    np.testing.assert_allclose(_np(e_out), t_out.detach().numpy(), atol=atol)
    if not grad:
        return
    g = rng.standard_normal(t_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (e_out * ember.tensor(g)).sum().backward()
    np.testing.assert_allclose(_np(ex.grad), tx.grad.numpy(), atol=atol)
    for (name, p), (_, tp) in zip(encoder.named_parameters(), torch_encoder.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), atol=atol, err_msg=name)


CAUSAL = np.triu(np.full((S, S), -np.inf), 1)


@needs_torch
@pytest.mark.parametrize("kw", [
    {}, {"norm_first": True}, {"activation": "gelu", "batch_first": True},
    {"bias": False, "norm_first": True, "batch_first": True}, {"activation": "callable"},
    {"layer_norm_eps": 1e-3}])
@pytest.mark.parametrize("padding", [False, True])
def test_encoder_matches_torch(kw, padding):
    if kw.get("activation") == "callable":
        kw = {"activation": F.silu}
    encoder, torch_encoder = _encoder_pair(**kw)
    _compare(encoder, torch_encoder, padding=padding)


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")  # torch deprecates mixing mask types
@pytest.mark.parametrize("is_causal", [None, True, False])
def test_encoder_with_causal_mask_matches_torch(is_causal):
    encoder, torch_encoder = _encoder_pair(final_norm=True)
    _compare(encoder, torch_encoder, mask=CAUSAL, is_causal=is_causal)
    _compare(encoder, torch_encoder, mask=CAUSAL, is_causal=is_causal, padding=True)


@needs_torch
def test_encoder_unbatched_matches_torch():
    encoder, torch_encoder = _encoder_pair(activation="gelu")
    _compare(encoder, torch_encoder, batched=False)


@needs_torch
@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("nested", [True, False])
def test_encoder_inference_zeroes_padding_like_torch(nested):
    """PyTorch's nested-tensor path (eval, no grad, batch_first, padding mask) outputs 0 at
    padded positions, then applies the final norm; ember gives the same numbers."""
    encoder, torch_encoder = _encoder_pair(final_norm=True, nested=nested, batch_first=True)
    encoder.eval()
    torch_encoder.eval()
    with torch.no_grad(), ember.no_grad():
        _compare(encoder, torch_encoder, padding=True, grad=False)


@needs_torch
def test_encoder_layer_and_encoder_repr_match_torch():
    encoder, torch_encoder = _encoder_pair(final_norm=True, activation="gelu")
    assert repr(encoder) == repr(torch_encoder)
    assert repr(nn.TransformerEncoderLayer(D, HEADS, activation=nn.ReLU())) == \
        repr(torch.nn.TransformerEncoderLayer(D, HEADS, activation=torch.nn.ReLU()))


def test_encoder_layers_are_independent_deep_copies():
    layer = nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=FF)
    encoder = nn.TransformerEncoder(layer, 3)
    weights = [copy_.linear1.weight for copy_ in encoder.layers]
    assert len({id(w) for w in weights} | {id(layer.linear1.weight)}) == 4
    np.testing.assert_array_equal(_np(weights[0]), _np(weights[2]))  # copies start equal
    with ember.no_grad():
        weights[0].add_(1.0)
    assert not np.array_equal(_np(weights[0]), _np(weights[1]))
    assert len(list(encoder.parameters())) == 3 * len(list(layer.parameters()))


def test_encoder_layer_defaults_and_activation_flags():
    layer = nn.TransformerEncoderLayer(D, HEADS)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1
    assert layer.activation is F.relu and layer.activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(D, HEADS, activation="gelu").activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(D, HEADS, activation=nn.GELU()).activation_relu_or_gelu == 2
    assert nn.TransformerEncoderLayer(D, HEADS, activation=F.silu).activation_relu_or_gelu == 0


def test_dropout_is_active_in_training_only():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.3), 2)
    x = ember.randn(S, N, D)
    a, b = encoder(x), encoder(x)
    assert np.abs(_np(a) - _np(b)).max() > 1e-4
    encoder.eval()
    np.testing.assert_array_equal(_np(encoder(x)), _np(encoder(x)))


def test_encoder_gradcheck_and_double_backward():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation="gelu",
                                       batch_first=True)
    encoder = nn.TransformerEncoder(layer, 1).double()
    x = ember.tensor(np.random.default_rng(1).standard_normal((1, 3, 4)), requires_grad=True)
    pad = ember.tensor([[False, False, True]])
    fn = lambda x: encoder(x, src_key_padding_mask=pad)  # noqa: E731
    assert ember.autograd.gradcheck(fn, [x])
    assert ember.autograd.gradgradcheck(fn, [x])


def test_errors_name_the_layer():
    layer = nn.TransformerEncoderLayer(D, HEADS, batch_first=True)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer\(d_model=8, nhead=2, "
                                         r"batch_first=True\): expected src of shape \(N, S, E\) or "
                                         r"\(S, E\) with E = d_model = 8, got \(2, 5, 6\)"):
        layer(ember.randn(2, 5, 6))
    with pytest.raises(RuntimeError, match=r"activation should be 'relu', 'gelu' or a callable, not "
                                           r"'tanh'"):
        nn.TransformerEncoderLayer(D, HEADS, activation="tanh")
    with pytest.raises(TypeError, match=r"encoder_layer must be a Module"):
        nn.TransformerEncoder("layer", 2)


def test_deepcopy_of_a_layer_keeps_its_activation():
    layer = nn.TransformerEncoderLayer(D, HEADS, activation="gelu")
    assert copy.deepcopy(layer).activation is F.gelu


def _run_doctests(module):
    names = {name: getattr(module, name) for name in module.__all__}
    result = doctest.testmod(module, extraglobs={"ember": ember, "nn": ember.nn,
                                                 "F": ember.nn.functional, **names})
    assert result.failed == 0 and result.attempted > 0


def test_docstring_examples():
    _run_doctests(sys.modules["ember.nn.modules.transformer"])


# ---- decoder and the whole Transformer ----

T = 4  # target length; S is the source (memory) length
TGT_CAUSAL = np.triu(np.full((T, T), -np.inf), 1)


def _load_twin(model, torch_model):
    assert list(model.state_dict()) == list(torch_model.state_dict())
    model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
    return model, torch_model


def _decoder_pair(num_layers=2, final_norm=False, **kw):
    kw = {"dim_feedforward": FF, "dropout": 0.0, **kw}
    torch_decoder = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(D, HEADS, **kw), num_layers,
        norm=torch.nn.LayerNorm(D) if final_norm else None).double()
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, **kw), num_layers,
                                    norm=nn.LayerNorm(D) if final_norm else None).double()
    return _load_twin(decoder, torch_decoder)


def _transformer_pair(**kw):
    kw = {"num_encoder_layers": 2, "num_decoder_layers": 2, "dim_feedforward": FF,
          "dropout": 0.0, **kw}
    with warnings.catch_warnings():  # torch warns that its nested-tensor fast path is off
        warnings.simplefilter("ignore")
        torch_model = torch.nn.Transformer(D, HEADS, **kw).double()
    return _load_twin(nn.Transformer(D, HEADS, **kw).double(), torch_model)


def _decoder_masks(rng):
    """A causal tgt_mask, padding at the ends of some sequences (so that no query loses every
    key) and an additive float memory_mask."""
    tgt_pad, memory_pad = np.zeros((N, T), bool), np.zeros((N, S), bool)
    tgt_pad[1, -1:] = memory_pad[0, -2:] = memory_pad[2, -1:] = True
    return {"tgt_mask": TGT_CAUSAL, "memory_mask": rng.standard_normal((T, S)),
            "tgt_key_padding_mask": tgt_pad, "memory_key_padding_mask": memory_pad}


def _compare_twins(model, torch_model, inputs, masks=None, grad=True, atol=1e-12, **kw):
    """Run both on the same ``inputs`` (positional arrays) and ``masks`` (keyword arrays), then
    compare outputs, input gradients and the gradient of every parameter."""
    rng = np.random.default_rng(2)
    masks = masks or {}
    t_in = [torch.tensor(x, requires_grad=grad) for x in inputs]
    e_in = [ember.tensor(x, requires_grad=grad) for x in inputs]
    t_out = torch_model(*t_in, **{k: torch.tensor(v) for k, v in masks.items()}, **kw)
    e_out = model(*e_in, **{k: ember.tensor(v) for k, v in masks.items()}, **kw)
    np.testing.assert_allclose(_np(e_out), t_out.detach().numpy(), atol=atol)
    if not grad:
        return
    g = rng.standard_normal(t_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (e_out * ember.tensor(g)).sum().backward()
    for ex, tx in zip(e_in, t_in):
        np.testing.assert_allclose(_np(ex.grad), tx.grad.numpy(), atol=atol)
    named = list(model.named_parameters())
    assert [name for name, _ in named] == [name for name, _ in torch_model.named_parameters()]
    for (name, p), tp in zip(named, torch_model.parameters()):
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), atol=atol, err_msg=name)


def _sequences(batch_first, *lengths):
    rng = np.random.default_rng(0)
    return [rng.standard_normal((N, n, D) if batch_first else (n, N, D)) for n in lengths]


LAYER_KWARGS = [{"batch_first": bf, "norm_first": nf, "activation": act}
                for bf in (False, True) for nf in (False, True) for act in ("relu", "gelu")]


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")  # torch deprecates mixing mask types
@pytest.mark.parametrize("kw", LAYER_KWARGS)
@pytest.mark.parametrize("masked", [False, True])
def test_decoder_matches_torch(kw, masked):
    decoder, torch_decoder = _decoder_pair(final_norm=True, **kw)
    masks = _decoder_masks(np.random.default_rng(1)) if masked else None
    _compare_twins(decoder, torch_decoder, _sequences(kw["batch_first"], T, S), masks)


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("kw", LAYER_KWARGS)
@pytest.mark.parametrize("masked", [False, True])
def test_decoder_layer_matches_torch(kw, masked):
    decoder, torch_decoder = _decoder_pair(num_layers=1, **kw)
    layer, torch_layer = decoder.layers[0], torch_decoder.layers[0]
    masks = _decoder_masks(np.random.default_rng(1)) if masked else {}
    _compare_twins(layer, torch_layer, _sequences(kw["batch_first"], T, S), masks,
                   tgt_is_causal=masked)


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("kw", LAYER_KWARGS)
@pytest.mark.parametrize("masked", [False, True])
def test_transformer_matches_torch(kw, masked):
    model, torch_model = _transformer_pair(**kw)
    masks = {}
    if masked:
        masks = _decoder_masks(np.random.default_rng(1))
        src_pad = masks["memory_key_padding_mask"]
        masks.update(src_mask=CAUSAL, src_key_padding_mask=src_pad)
    _compare_twins(model, torch_model, _sequences(kw["batch_first"], S, T), masks)


@needs_torch
@pytest.mark.parametrize("tgt_is_causal", [None, True, False])
def test_decoder_with_causal_mask_hint_matches_torch(tgt_is_causal):
    decoder, torch_decoder = _decoder_pair(batch_first=True)
    _compare_twins(decoder, torch_decoder, _sequences(True, T, S), {"tgt_mask": TGT_CAUSAL},
                   tgt_is_causal=tgt_is_causal)


@needs_torch
def test_decoder_and_transformer_unbatched_match_torch():
    rng = np.random.default_rng(3)
    tgt, memory = rng.standard_normal((T, D)), rng.standard_normal((S, D))
    _compare_twins(*_decoder_pair(activation="gelu"), [tgt, memory], {"tgt_mask": TGT_CAUSAL})
    _compare_twins(*_transformer_pair(), [memory, tgt], {"tgt_mask": TGT_CAUSAL})


@needs_torch
@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.filterwarnings("ignore:Support for mismatched")
def test_transformer_inference_with_padding_matches_torch():
    """In evaluation without gradients PyTorch's encoder takes its nested-tensor path (padded
    memory positions become 0 before the final norm); the decoder, here not told to skip them,
    attends to the same memory."""
    model, torch_model = _transformer_pair(batch_first=True)
    model.eval()
    torch_model.eval()
    masks = _decoder_masks(np.random.default_rng(1))
    masks["src_key_padding_mask"] = masks.pop("memory_key_padding_mask")
    del masks["memory_mask"]
    with torch.no_grad(), ember.no_grad():
        _compare_twins(model, torch_model, _sequences(True, S, T), masks, grad=False)


@needs_torch
def test_decoder_and_transformer_repr_match_torch():
    decoder, torch_decoder = _decoder_pair(final_norm=True, batch_first=True, bias=False)
    assert repr(decoder) == repr(torch_decoder)
    assert repr(nn.TransformerDecoderLayer(D, HEADS, activation=nn.ReLU())) == \
        repr(torch.nn.TransformerDecoderLayer(D, HEADS, activation=torch.nn.ReLU()))
    model, torch_model = _transformer_pair(norm_first=True, layer_norm_eps=1e-3)
    assert repr(model) == repr(torch_model)


@needs_torch
def test_transformer_defaults_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_model, torch_default = torch.nn.Transformer(D, HEADS), torch.nn.Transformer()
    model = nn.Transformer(D, HEADS)
    assert list(model.state_dict()) == list(torch_model.state_dict())
    assert repr(model) == repr(torch_model)
    assert (model.d_model, model.nhead, model.batch_first) == (D, HEADS, False)
    assert model.decoder.layers[0].activation is F.relu and model.decoder.norm.eps == 1e-5
    assert repr(nn.Transformer()) == repr(torch_default)
    for name, a, b in (("cpu", nn.Transformer.generate_square_subsequent_mask(4),
                        torch.nn.Transformer.generate_square_subsequent_mask(4)),
                       ("f64", nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64),
                        torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], name
        np.testing.assert_array_equal(_np(a), b.numpy())


def test_transformer_initialises_matrices_xavier_uniform():
    model = nn.Transformer(D, HEADS, 1, 1, dim_feedforward=FF)
    linear1 = model.decoder.layers[0].linear1.weight
    bound = (6 / (D + FF)) ** 0.5
    assert np.abs(_np(linear1)).max() <= bound
    assert np.abs(_np(linear1)).max() > (1 / D) ** 0.5  # beyond Linear's own bound 1/sqrt(fan_in)
    np.testing.assert_array_equal(_np(model.encoder.norm.weight), np.ones(D))
    np.testing.assert_array_equal(_np(model.decoder.layers[0].multihead_attn.in_proj_bias),
                                  np.zeros(3 * D))


def test_transformer_custom_encoder_and_decoder_are_used():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0), 1)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0), 1)
    model = nn.Transformer(D, HEADS, custom_encoder=encoder, custom_decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    src, tgt = ember.randn(S, N, D), ember.randn(T, N, D)
    np.testing.assert_array_equal(_np(model(src, tgt)), _np(decoder(tgt, encoder(src))))


def test_decoder_layers_are_independent_deep_copies():
    layer = nn.TransformerDecoderLayer(D, HEADS, dim_feedforward=FF)
    decoder = nn.TransformerDecoder(layer, 2)
    weights = [copy_.multihead_attn.in_proj_weight for copy_ in decoder.layers]
    assert len({id(w) for w in weights} | {id(layer.multihead_attn.in_proj_weight)}) == 3
    np.testing.assert_array_equal(_np(weights[0]), _np(weights[1]))
    assert len(list(decoder.parameters())) == 2 * len(list(layer.parameters()))


@pytest.mark.parametrize("make", [
    lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.3), 2),
    lambda: nn.Transformer(D, HEADS, 1, 1, FF, dropout=0.3)])
def test_decoder_and_transformer_dropout_is_active_in_training_only(make):
    model = make()
    first, second = ember.randn(S, N, D), ember.randn(T, N, D)
    args = (second, first) if isinstance(model, nn.TransformerDecoder) else (first, second)
    assert np.abs(_np(model(*args)) - _np(model(*args))).max() > 1e-4
    model.eval()
    np.testing.assert_array_equal(_np(model(*args)), _np(model(*args)))


def test_decoder_gradcheck_and_double_backward():
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
    decoder = nn.TransformerDecoder(layer, 1).double()
    rng = np.random.default_rng(4)
    tgt = ember.tensor(rng.standard_normal((1, 2, 4)), requires_grad=True)
    memory = ember.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(2, dtype=ember.float64)
    pad = ember.tensor([[False, False, True]])
    fn = lambda t, m: decoder(t, m, tgt_mask=mask, memory_key_padding_mask=pad)  # noqa: E731
    assert ember.autograd.gradcheck(fn, [tgt, memory])
    assert ember.autograd.gradgradcheck(fn, [tgt, memory])


def test_decoder_and_transformer_errors():
    layer = nn.TransformerDecoderLayer(D, HEADS)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer\(d_model=8, nhead=2\): expected "
                                         r"tgt of shape \(T, N, E\) or \(T, E\) with E = d_model = "
                                         r"8, got \(4, 3, 6\)"):
        layer(ember.randn(T, N, 6), ember.randn(S, N, D))
    with pytest.raises(ValueError, match=r"expected memory of shape \(S, N, E\) or \(S, E\) with "
                                         r"E = d_model = 8, got list"):
        layer(ember.randn(T, N, D), [1.0])
    with pytest.raises(RuntimeError, match=r"TransformerDecoderLayer: activation should be 'relu', "
                                           r"'gelu' or a callable, not 'tanh'"):
        nn.TransformerDecoderLayer(D, HEADS, activation="tanh")
    with pytest.raises(TypeError, match=r"TransformerDecoder: decoder_layer must be a Module \(a "
                                        r"TransformerDecoderLayer\), got str"):
        nn.TransformerDecoder("layer", 2)
    model = nn.Transformer(D, HEADS, 1, 1, FF, batch_first=True)
    with pytest.raises(TypeError, match=r"Transformer: tgt must be a Tensor, got ndarray"):
        model(ember.randn(N, S, D), np.zeros((N, T, D)))
    with pytest.raises(RuntimeError, match=r"Transformer: the batch number of src and tgt must be "
                                           r"equal \(dimension 0 with batch_first=True\), got shapes "
                                           r"\(3, 5, 8\) and \(2, 4, 8\)"):
        model(ember.randn(N, S, D), ember.randn(2, T, D))
    with pytest.raises(RuntimeError, match=r"Transformer: the feature number of src and tgt must be "
                                           r"equal to d_model = 8, got shapes \(3, 5, 8\) and "
                                           r"\(3, 4, 6\)"):
        model(ember.randn(N, S, D), ember.randn(N, T, 6))
