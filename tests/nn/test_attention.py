"""``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` against PyTorch: outputs,
weights and gradients on copied weights, masks of every kind, gradchecks and errors."""

import doctest
import math
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _np(t):
    return t.detach().numpy()


# ---- scaled_dot_product_attention ----
def _sdpa_case(name, rng):
    q, k, v = rng.standard_normal((2, 3, 4, 8)), rng.standard_normal((2, 3, 5, 8)), \
        rng.standard_normal((2, 3, 5, 6))
    bool_mask = rng.random((4, 5)) > 0.4
    bool_mask[1] = False  # a query that may attend to nothing
    float_mask = rng.standard_normal((3, 4, 5))
    float_mask[0, 2] = -np.inf
    return q, k, v, {
        "plain": {}, "causal": {"is_causal": True}, "scale": {"scale": 0.3},
        "bool_mask": {"attn_mask": bool_mask}, "float_mask": {"attn_mask": float_mask},
        "broadcast_mask": {"attn_mask": rng.random((2, 1, 1, 5)) > 0.3},
    }[name]


@needs_torch
@pytest.mark.parametrize("name", ["plain", "causal", "scale", "bool_mask", "float_mask",
                                  "broadcast_mask"])
def test_sdpa_matches_torch(name):
    rng = np.random.default_rng(0)
    q, k, v, kwargs = _sdpa_case(name, rng)
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    es = [ember.tensor(a, requires_grad=True) for a in (q, k, v)]
    t_kw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    e_kw = {n: ember.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    t_out = torch.nn.functional.scaled_dot_product_attention(*ts, **t_kw)
    e_out = F.scaled_dot_product_attention(*es, **e_kw)
    assert not np.isnan(_np(e_out)).any()
    np.testing.assert_allclose(_np(e_out), t_out.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(t_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (e_out * ember.tensor(g)).sum().backward()
    for e, t in zip(es, ts):
        np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), atol=1e-12)


@needs_torch
def test_sdpa_grouped_query_attention_matches_torch():
    rng = np.random.default_rng(1)
    q, k, v = rng.standard_normal((2, 4, 3, 8)), rng.standard_normal((2, 2, 5, 8)), \
        rng.standard_normal((2, 2, 5, 8))
    t_out = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(a) for a in (q, k, v)), enable_gqa=True)
    e_out = F.scaled_dot_product_attention(*(ember.tensor(a) for a in (q, k, v)), enable_gqa=True)
    np.testing.assert_allclose(_np(e_out), t_out.numpy(), atol=1e-12)


def test_sdpa_fully_masked_query_gets_zeros_and_zero_gradient():
    rng = np.random.default_rng(2)
    q, k, v = (ember.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(3))
    mask = ember.tensor([[True, True, False], [False, False, False], [True, False, True]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_array_equal(_np(out)[1], np.zeros(4))
    out.sum().backward()
    np.testing.assert_array_equal(_np(q.grad)[1], np.zeros(4))
    assert np.isfinite(_np(k.grad)).all()


def test_sdpa_causal_with_more_keys_than_queries_is_top_left_aligned():
    q, k = ember.randn(2, 4, dtype=ember.float64), ember.randn(3, 4, dtype=ember.float64)
    v = ember.eye(3, dtype=ember.float64)  # the output rows are then the attention weights
    weights = _np(F.scaled_dot_product_attention(q, k, v, is_causal=True))
    assert weights[0, 1:].tolist() == [0.0, 0.0] and weights[1, 2] == 0.0
    np.testing.assert_allclose(weights.sum(1), 1.0)


def test_sdpa_dropout():
    q = ember.zeros(1, 1000, 2)  # uniform attention over 1000 keys
    v = ember.ones(1, 1000, 1)
    out = F.scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    assert abs(_np(out).mean() - 1.0) < 0.05  # rescaled by 1 / (1 - p): unbiased
    assert _np(out).std() > 0.01
    ember.manual_seed(5)
    a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    ember.manual_seed(5)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.3)
    np.testing.assert_array_equal(_np(a), _np(b))


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"mask": True}])
def test_sdpa_gradcheck_and_double_backward(kwargs):
    rng = np.random.default_rng(3)
    q, k, v = (ember.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True) for _ in range(3))
    mask = ember.tensor(rng.standard_normal((3, 3))) if kwargs.pop("mask", False) else None
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kwargs)  # noqa
    assert ember.autograd.gradcheck(fn, [q, k, v])
    assert ember.autograd.gradgradcheck(fn, [q, k, v])


def test_sdpa_errors():
    q = ember.randn(2, 4, 8)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(3, 5\) does not broadcast to the "
                                           r"attention scores' shape \(2, 4, 4\)"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.zeros(3, 5))
    with pytest.raises(RuntimeError, match=r"explicit attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.zeros(4, 4), is_causal=True)
    with pytest.raises(RuntimeError, match=r"a float attn_mask must have the query's dtype"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.zeros(4, 4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"expected query \(..., L, E\), key \(..., S, E\).*got "
                                           r"query \(2, 4, 8\), key \(2, 4, 6\)"):
        F.scaled_dot_product_attention(q, ember.randn(2, 4, 6), q)
    with pytest.raises(RuntimeError, match=r"must have at least 2 dimensions"):
        F.scaled_dot_product_attention(ember.randn(8), q, q)
    with pytest.raises(RuntimeError, match=r"same floating point dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(TypeError, match=r"key must be a Tensor"):
        F.scaled_dot_product_attention(q, 1.0, q)
    with pytest.raises(TypeError, match=r"attn_mask must be a Tensor or None"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((4, 4)))
    with pytest.raises(RuntimeError, match=r"number of query heads \(3\) must be a multiple"):
        F.scaled_dot_product_attention(ember.randn(1, 3, 4, 8), ember.randn(1, 2, 4, 8),
                                       ember.randn(1, 2, 4, 8), enable_gqa=True)


# ---- MultiheadAttention ----
E, HEADS, L, S, N = 8, 2, 4, 5, 3


def _mha_pair(**kw):
    torch_mha = torch.nn.MultiheadAttention(E, HEADS, **kw).double()
    mha = nn.MultiheadAttention(E, HEADS, **kw).double()
    assert list(mha.state_dict()) == list(torch_mha.state_dict())
    mha.load_state_dict({k: v.numpy() for k, v in torch_mha.state_dict().items()})
    return mha, torch_mha


def _mha_compare(ctor=None, *, batched=True, self_attention=True, key_padding=False, attn_mask=None,
                 need_weights=True, average=True, is_causal=False):
    ctor = ctor or {}
    mha, torch_mha = _mha_pair(**ctor)
    rng = np.random.default_rng(0)
    kdim, vdim = ctor.get("kdim") or E, ctor.get("vdim") or E
    source = L if self_attention else S

    def shape(length, features):
        if not batched:
            return (length, features)
        return (N, length, features) if ctor.get("batch_first") else (length, N, features)
    arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(source, kdim)),
              rng.standard_normal(shape(source, vdim))]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    if self_attention:
        ts, es = [ts[0]] * 3, [es[0]] * 3
    t_kw, e_kw = {}, {}
    if key_padding:
        pad = np.zeros((N, source) if batched else (source,), bool)
        pad[..., -2:] = True
        if batched:
            pad[0] = False
        t_kw["key_padding_mask"], e_kw["key_padding_mask"] = torch.tensor(pad), ember.tensor(pad)
    if attn_mask is not None:
        t_kw["attn_mask"], e_kw["attn_mask"] = torch.tensor(attn_mask), ember.tensor(attn_mask)
    common = {"need_weights": need_weights, "average_attn_weights": average, "is_causal": is_causal}
    t_out, t_w = torch_mha(*ts, **t_kw, **common)
    e_out, e_w = mha(*es, **e_kw, **common)
    assert e_out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(_np(e_out), t_out.detach().numpy(), atol=1e-12)
    if need_weights:
        assert e_w.shape == tuple(t_w.shape)
        np.testing.assert_allclose(_np(e_w), t_w.detach().numpy(), atol=1e-12)
    else:
        assert e_w is None and t_w is None
    g = rng.standard_normal(t_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    (e_out * ember.tensor(g)).sum().backward()
    for e, t in zip(es, ts):
        np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), atol=1e-12)
    for (name, p), (_, tp) in zip(mha.named_parameters(), torch_mha.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), atol=1e-12, err_msg=name)


CAUSAL = np.triu(np.ones((L, L), bool), 1)


@needs_torch
@pytest.mark.parametrize("ctor", [{}, {"batch_first": True}, {"bias": False},
                                  {"add_bias_kv": True, "add_zero_attn": True}])
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_self_attention_matches_torch(ctor, need_weights):
    _mha_compare(ctor, need_weights=need_weights)
    _mha_compare(ctor, need_weights=need_weights, key_padding=True, attn_mask=CAUSAL)


@needs_torch
@pytest.mark.parametrize("ctor", [{}, {"kdim": 6, "vdim": 7, "batch_first": True}])
@pytest.mark.parametrize("average", [True, False])
def test_mha_cross_attention_matches_torch(ctor, average):
    _mha_compare(ctor, self_attention=False, average=average, key_padding=True)


@needs_torch
def test_mha_shared_key_value_matches_torch():
    mha, torch_mha = _mha_pair()
    rng = np.random.default_rng(4)
    q, kv = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E))
    t_kv = torch.tensor(kv)
    e_kv = ember.tensor(kv)
    np.testing.assert_allclose(_np(mha(ember.tensor(q), e_kv, e_kv)[0]),
                               torch_mha(torch.tensor(q), t_kv, t_kv)[0].detach().numpy(), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched_matches_torch(need_weights):
    _mha_compare(batched=False, need_weights=need_weights, key_padding=True)
    per_head = np.random.default_rng(5).standard_normal((HEADS, L, L))
    _mha_compare(batched=False, need_weights=need_weights, attn_mask=per_head)


@needs_torch
@pytest.mark.filterwarnings("ignore:Support for mismatched")  # torch deprecates mixing mask types
@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_masks_match_torch(need_weights):
    float_mask = np.random.default_rng(6).standard_normal((N * HEADS, L, L))
    _mha_compare(need_weights=need_weights, attn_mask=float_mask, key_padding=True)
    _mha_compare(need_weights=need_weights, attn_mask=CAUSAL, is_causal=True)
    float_padding = np.where(CAUSAL, -np.inf, 0.0)
    _mha_compare({"batch_first": True}, need_weights=need_weights, attn_mask=float_padding)


@needs_torch
def test_mha_repr_parameters_and_initialisation():
    mha, torch_mha = _mha_pair(add_bias_kv=True)
    assert repr(mha) == repr(torch_mha)
    big = nn.MultiheadAttention(64, 4, kdim=32, vdim=16)
    assert big.in_proj_weight is None and tuple(big.k_proj_weight.shape) == (64, 32)
    assert tuple(big.v_proj_weight.shape) == (64, 16)
    fresh = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 192))  # Xavier uniform of the stacked (192, 64) weight
    w = _np(fresh.in_proj_weight)
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert not _np(fresh.in_proj_bias).any() and not _np(fresh.out_proj.bias).any()
    assert np.abs(_np(fresh.out_proj.weight)).max() <= 1 / math.sqrt(64)
    assert 0.05 < _np(fresh.bias_k).std() < 0.3  # N(0, 1/64): std 0.125


def test_mha_dropout_only_in_training():
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5).double()
    x = ember.randn(L, N, E, dtype=ember.float64)
    mha.eval()
    a, wa = mha(x, x, x)
    b, _ = mha(x, x, x)
    np.testing.assert_array_equal(_np(a), _np(b))
    mha.train()
    c, wc = mha(x, x, x)
    assert np.abs(_np(c) - _np(a)).max() > 1e-6
    assert (_np(wc) == 0).any() and not (_np(wa) == 0).any()


def test_mha_gradcheck_and_double_backward():
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    rng = np.random.default_rng(7)
    q, k = (ember.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True) for _ in range(2))
    pad = ember.tensor([[False, False, True]])
    fn = lambda q, k: mha(q, k, k, key_padding_mask=pad)[0]  # noqa: E731
    assert ember.autograd.gradcheck(fn, [q, k])
    assert ember.autograd.gradgradcheck(fn, [q, k])


def test_mha_fully_masked_query_gives_nan_with_weights_and_zeros_without():
    mha = nn.MultiheadAttention(E, HEADS)
    x = ember.randn(3, 2, E)
    pad = ember.tensor([[True, True, True], [False, False, True]])
    with_weights, _ = mha(x, x, x, key_padding_mask=pad)
    without, _ = mha(x, x, x, key_padding_mask=pad, need_weights=False)
    assert np.isnan(_np(with_weights)[:, 0]).all() and not np.isnan(_np(with_weights)[:, 1]).any()
    np.testing.assert_array_equal(_np(without)[:, 0], 0.0)  # out_proj.bias is 0 at initialisation


def test_mha_errors_name_the_layer_and_shapes():
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    x = ember.randn(3, 4, 8)
    with pytest.raises(ValueError, match=r"embed_dim must be divisible by num_heads, got "
                                         r"embed_dim=8 and num_heads=3"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match=r"must be greater than 0"):
        nn.MultiheadAttention(0, 1)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(embed_dim=8, num_heads=2, "
                                         r"batch_first=True\): query should be unbatched 2-D"):
        mha(ember.randn(8), ember.randn(8), ember.randn(8))
    with pytest.raises(ValueError, match=r"for a 3-D query, key and value must be 3-D too"):
        mha(x, ember.randn(4, 8), ember.randn(4, 8))
    with pytest.raises(ValueError, match=r"expected key with 8 features.*got shape \(3, 4, 6\)"):
        mha(x, ember.randn(3, 4, 6), x)
    with pytest.raises(ValueError, match=r"key and value must have the same sequence and batch"):
        mha(x, x, ember.randn(3, 5, 8))
    with pytest.raises(ValueError, match=r"query and key have different batch sizes"):
        mha(x, ember.randn(2, 4, 8), ember.randn(2, 4, 8))
    with pytest.raises(RuntimeError, match=r"key_padding_mask must have shape \(3, 4\) \(\(N, S\)\), "
                                           r"got \(4, 3\)"):
        mha(x, x, x, key_padding_mask=ember.zeros(4, 3, dtype=ember.bool))
    with pytest.raises(RuntimeError, match=r"attn_mask must have shape \(4, 4\) or \(6, 4, 4\), got "
                                           r"\(3, 4\)"):
        mha(x, x, x, attn_mask=ember.zeros(3, 4, dtype=ember.bool))
    with pytest.raises(RuntimeError, match=r"need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match=r"only bool and floating point attn_mask are supported"):
        mha(x, x, x, attn_mask=ember.zeros(4, 4, dtype=ember.int64))
    with pytest.raises(TypeError, match=r"key_padding_mask must be a Tensor or None, got list"):
        mha(x, x, x, key_padding_mask=[[True]])
    with pytest.raises(TypeError, match=r"query must be a Tensor, got list"):
        mha([1.0], x, x)


def _run_doctests(module):
    names = {name: getattr(module, name) for name in module.__all__}
    result = doctest.testmod(module, extraglobs={"ember": ember, "nn": ember.nn,
                                                 "F": ember.nn.functional, **names})
    assert result.failed == 0 and result.attempted > 0


def test_docstring_examples():
    _run_doctests(sys.modules["ember.nn.functional.attention"])
    _run_doctests(sys.modules["ember.nn.modules.attention"])
