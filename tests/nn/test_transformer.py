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
