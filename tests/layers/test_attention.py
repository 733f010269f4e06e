import numpy as np
import pytest
import torch

import ember
from ember import layers as L

RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 4, 8)).astype(np.float32)
V = RNG.standard_normal((2, 5, 6)).astype(np.float32)


def _reference(layer, q, v, mask=None):
    w = dict(zip(["qk", "qb", "kk", "kb", "vk", "vb", "ok", "ob"], layer.get_weights()))
    qp = np.einsum("btd,dhk->bhtk", q, w["qk"]) + w["qb"][None, :, None]
    kp = np.einsum("bsd,dhk->bhsk", v, w["kk"]) + w["kb"][None, :, None]
    vp = np.einsum("bsd,dhk->bhsk", v, w["vk"]) + w["vb"][None, :, None]
    scores = qp @ kp.transpose(0, 1, 3, 2) / np.sqrt(layer.key_dim)
    if mask is not None:
        scores = np.where(mask[:, None], scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = np.einsum("bhtv,hvo->bto", p @ vp, w["ok"]) + w["ob"]
    return out, p


def test_matches_closed_form_and_counts():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, bias_initializer="random_normal")
    out, scores = layer(ember.tensor(Q), ember.tensor(V), return_attention_scores=True)
    ref, p = _reference(layer, Q, V)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.detach().numpy(), p, rtol=1e-4, atol=1e-6)
    plain = layer(ember.tensor(Q), ember.tensor(V)).detach().numpy()
    np.testing.assert_allclose(plain, ref, rtol=1e-4, atol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [(8, 2, 3), (2, 3), (6, 2, 3), (2, 3), (6, 2, 3), (2, 3),
                                                      (2, 3, 8), (8,)]
    self_attn = L.MultiHeadAttention(2, 2)
    self_attn(ember.ones(1, 3, 16), ember.ones(1, 3, 16))
    assert self_attn.count_params() == 3 * (16 * 2 * 2 + 2 * 2) + 2 * 2 * 16 + 16  # 284, as Keras
    assert layer.compute_output_shape((None, 4, 8), (None, 5, 6)) == (None, 4, 8)


def test_masks_and_output_shape_matches_torch_self_attention():
    mask = RNG.random((2, 4, 5)) > 0.3
    mask[:, :, 0] = True
    layer = L.MultiHeadAttention(2, 3, value_dim=4, output_shape=7, use_bias=False)
    out = layer(ember.tensor(Q), ember.tensor(V), attention_mask=ember.tensor(mask))
    assert out.shape == (2, 4, 7) and len(layer.weights) == 4
    causal = L.MultiHeadAttention(1, 4)
    x = RNG.standard_normal((1, 3, 4)).astype(np.float32)
    y = causal(ember.tensor(x), ember.tensor(x), use_causal_mask=True).detach().numpy()
    ref, _ = _reference(causal, x, x, np.tril(np.ones((1, 3, 3), bool)))
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    # torch's MultiheadAttention with the same projections (one head, key_dim = embed_dim)
    w = causal.get_weights()
    mha = torch.nn.MultiheadAttention(4, 1, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate([w[i][:, 0].T for i in (0, 2, 4)])))
        mha.in_proj_bias.copy_(torch.tensor(np.concatenate([w[i][0] for i in (1, 3, 5)])))
        mha.out_proj.weight.copy_(torch.tensor(w[6][0].T))
        mha.out_proj.bias.copy_(torch.tensor(w[7]))
    xt = torch.tensor(x)
    ref_t, _ = mha(xt, xt, xt, attn_mask=torch.triu(torch.ones(3, 3, dtype=torch.bool), 1))
    np.testing.assert_allclose(y, ref_t.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_gradient_dropout_key_and_config():
    layer = L.MultiHeadAttention(2, 2, dropout=0.5)
    q = ember.tensor(Q, requires_grad=True)
    layer(q, ember.tensor(V), key=ember.tensor(V)).sum().backward()
    assert q.grad.shape == Q.shape and layer.query_kernel.grad is not None
    a = layer(ember.tensor(Q), ember.tensor(V), training=True).detach().numpy()
    b = layer(ember.tensor(Q), ember.tensor(V), training=False).detach().numpy()
    assert not np.allclose(a, b)
    _, s = layer(ember.tensor(Q), ember.tensor(V), return_attention_scores=True, training=True)
    assert s.shape == (2, 2, 4, 5)
    cfg = layer.get_config()
    assert L.MultiHeadAttention.from_config(cfg).get_config() == cfg
    assert L.MultiHeadAttention(2, 2, output_shape=(5,)).output_shape == 5


def test_attention_errors():
    layer = L.MultiHeadAttention(2, 2, name="mha")
    with pytest.raises(ValueError, match=r"'mha' \(MultiHeadAttention\) expects query of shape "
                       r"\(batch, sequence, features\), received \(2, 8\)"):
        layer(ember.ones(2, 8), ember.ones(2, 3, 8))
    with pytest.raises(ValueError, match="key and value must have the same sequence length"):
        layer(ember.ones(2, 3, 8), ember.ones(2, 4, 8), key=ember.ones(2, 5, 8))
    layer(ember.ones(2, 3, 8), ember.ones(2, 4, 8))
    with pytest.raises(ValueError, match=r"built for \(query, value, key\) features \(8, 8, 8\)"):
        layer(ember.ones(2, 3, 6), ember.ones(2, 4, 8))
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(batch, 3, 4\)"):
        layer(ember.ones(2, 3, 8), ember.ones(2, 4, 8), attention_mask=ember.ones(2, 4, 4))
    with pytest.raises(ValueError, match="num_heads must be a positive integer"):
        L.MultiHeadAttention(0, 2)
    with pytest.raises(NotImplementedError, match="attention_axes"):
        L.MultiHeadAttention(1, 2, attention_axes=(1,))
    with pytest.raises(NotImplementedError, match="output_shape must be an int"):
        L.MultiHeadAttention(1, 2, output_shape=(2, 3))


def test_query_and_value_masks_as_keras():
    from ember.layers.masking import get_keras_mask, set_keras_mask

    q, v = ember.tensor(Q), ember.tensor(V)
    q_mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    v_mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    set_keras_mask(q, ember.tensor(q_mask))
    set_keras_mask(v, ember.tensor(v_mask))
    layer = L.MultiHeadAttention(2, 3, bias_initializer="random_normal")
    out, scores = layer(q, v, return_attention_scores=True)
    assert get_keras_mask(out).tolist() == q_mask.tolist()  # the query's mask passes on
    full = q_mask[:, :, None] & v_mask[:, None, :]
    full[~q_mask] = True  # (for the reference only: those rows are compared below separately)
    ref, p = _reference(layer, Q, V, full)
    kept = q_mask  # a masked query attends nothing: Keras averages all values there (no NaN)
    np.testing.assert_allclose(out.detach().numpy()[kept], ref[kept], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.detach().numpy()[1, :, 1:], 0.2, rtol=1e-6)
    assert np.isfinite(out.detach().numpy()).all()
    explicit = layer(ember.tensor(Q), ember.tensor(V), query_mask=q_mask, value_mask=v_mask)
    np.testing.assert_allclose(explicit.detach().numpy(), out.detach().numpy(), rtol=1e-6)
    fused = layer(q, v).detach().numpy()  # scaled_dot_product_attention with the same mask
    np.testing.assert_allclose(fused, out.detach().numpy(), rtol=1e-4, atol=1e-5)
