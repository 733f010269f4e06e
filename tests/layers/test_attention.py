import numpy as np
import pytest
import torch

import ember
from ember import layers as L
from ember.layers.masking import get_keras_mask, set_keras_mask

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
    with pytest.raises(ValueError, match=r"attention_axes must be an int or a non-empty tuple of ints, "
                       r"received attention_axes='1'"):
        L.MultiHeadAttention(1, 2, attention_axes="1")
    with pytest.raises(ValueError, match=r"output_shape must be a positive int or a tuple of them .*"
                       r"received output_shape=\(2, 0\)"):
        L.MultiHeadAttention(1, 2, output_shape=(2, 0))
    x4 = ember.ones(2, 3, 4, 8)
    for axes in ((0,), (3,), (-1,), (1, -3), (4,)):
        with pytest.raises(ValueError, match=r"attention_axes=.* is invalid for inputs of rank 4: give "
                           r"distinct axes between 1 and 2 \(or -3 and -2\)"):
            L.MultiHeadAttention(1, 2, attention_axes=axes)(x4, x4)
    with pytest.raises(ValueError, match=r"query, value and key must have the same rank, received "
                       r"\(2, 3, 4, 8\), \(2, 12, 8\) and \(2, 12, 8\)"):
        L.MultiHeadAttention(1, 2)(x4, ember.ones(2, 12, 8))
    with pytest.raises(ValueError, match=r"query and value must agree on the axes \(1,\) outside "
                       r"attention_axes \(2,\)"):
        L.MultiHeadAttention(1, 2, attention_axes=2)(x4, ember.ones(2, 5, 4, 8))
    image = L.MultiHeadAttention(1, 2, attention_axes=2, name="img")
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(batch, 3, 4, 6\) \(the axes "
                       r"outside attention_axes, the query's attention axes, the key's\), received "
                       r"\(2, 3, 6, 4\)"):
        image(x4, ember.ones(2, 3, 6, 8), attention_mask=ember.ones(2, 3, 6, 4))
    with pytest.raises(ValueError, match=r"attention_mask must have shape .*received \(2, 2, 4, 6\)"):
        image(x4, ember.ones(2, 3, 6, 8), attention_mask=ember.ones(2, 2, 4, 6))  # 2 is not 1 nor 3
    with pytest.raises(ValueError, match=r"value_mask must have the value's shape without its last "
                       r"axis, \(2, 3, 6\), received \(2, 6\)"):
        image(x4, ember.ones(2, 3, 6, 8), value_mask=np.ones((2, 6), bool))


def test_query_and_value_masks_as_keras():
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


# ---- attention_axes (inputs of rank > 3) and output_shape tuples, against Keras' einsum formulas ----
def _nd_reference(layer, q, v, axes, mask=None):
    """Keras' formulas for attention over ``axes`` of ``q``/``v`` (rank > 3), written as einsums:
    scores ``(B, <other axes>, heads, <query attention axes>, <key attention axes>)``, a softmax
    over all key positions at once, values combined back into the query's layout."""
    w = dict(zip(["qk", "qb", "kk", "kb", "vk", "vb", "ok", "ob"], layer.get_weights()))
    rank = q.ndim
    qs = "ABCDEF"[:rank - 1]  # the query's axes but the features; the key's attention axes get new letters
    ks = "".join("PQRS"[axes.index(i)] if i in axes else qs[i] for i in range(rank - 1))
    other = "".join(qs[i] for i in range(rank - 1) if i not in axes)
    sc = other + "h" + "".join(qs[a] for a in axes) + "".join(ks[a] for a in axes)
    qp = np.einsum("...d,dhk->...hk", q, w["qk"]) + w["qb"]
    kp = np.einsum("...d,dhk->...hk", v, w["kk"]) + w["kb"]
    vp = np.einsum("...d,dhk->...hk", v, w["vk"]) + w["vb"]
    scores = np.einsum(f"{qs}hk,{ks}hk->{sc}", qp, kp) / np.sqrt(layer.key_dim)
    if mask is not None:  # (B, <other axes>, <query attention axes>, <key attention axes>)
        scores = np.where(np.expand_dims(mask, len(other)), scores, -np.inf)
    flat = scores.reshape(*scores.shape[:scores.ndim - len(axes)], -1)  # the key positions
    p = np.exp(flat - flat.max(-1, keepdims=True))
    p = (p / p.sum(-1, keepdims=True)).reshape(scores.shape)
    context = np.einsum(f"{sc},{ks}he->{qs}he", p, vp)
    out_axes = "XYZ"[:w["ok"].ndim - 2]  # output_shape may be a tuple
    out = np.einsum(f"...he,he{out_axes}->...{out_axes}", context, w["ok"])
    return out + w["ob"], p


X4 = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
V4 = RNG.standard_normal((2, 3, 2, 6)).astype(np.float32)


def _numpy(*tensors):
    return [t.detach().numpy() for t in tensors]


@pytest.mark.parametrize("axes, value", [(None, X4), ((1, 2), V4), ((2,), V4), ((-3,), X4), ((2, 1), V4)])
def test_attention_axes_match_einsum_reference(axes, value):
    layer = L.MultiHeadAttention(2, 3, value_dim=2, attention_axes=axes, bias_initializer="random_normal")
    out, scores = _numpy(*layer(ember.tensor(X4), ember.tensor(value), return_attention_scores=True))
    ref, p = _nd_reference(layer, X4, value, layer._axes(4))
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, p, rtol=1e-4, atol=1e-6)  # Keras' layout of the scores
    fused = layer(ember.tensor(X4), ember.tensor(value)).detach().numpy()
    np.testing.assert_allclose(fused, ref, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None, 3, 4, 5), value.shape) == (None, 3, 4, 5)


def test_five_dims_mask_broadcast_and_unsorted_axes_against_reference():
    q = RNG.standard_normal((2, 2, 3, 2, 4)).astype(np.float32)
    v = RNG.standard_normal((2, 2, 2, 2, 3)).astype(np.float32)
    mask = RNG.random((2, 2, 2, 3, 2, 2)) > 0.4  # (B, axis 3, query axes (1, 2), key axes (1, 2))
    mask[..., 0, 0] = True
    layer = L.MultiHeadAttention(2, 2, attention_axes=(1, -3), bias_initializer="random_normal")
    out, scores = _numpy(*layer(ember.tensor(q), ember.tensor(v), attention_mask=ember.tensor(mask),
                                return_attention_scores=True))
    ref, p = _nd_reference(layer, q, v, (1, 2), mask)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, p, rtol=1e-4, atol=1e-6)
    assert scores.shape == (2, 2, 2, 2, 3, 2, 2)
    shared = mask[:1, :1]  # leading axes of size 1, or left out, broadcast as in Keras
    ref, _ = _nd_reference(layer, q, v, (1, 2), np.broadcast_to(shared, mask.shape))
    for m in (shared, shared[0], shared[0, 0]):
        out = layer(ember.tensor(q), ember.tensor(v), attention_mask=m).detach().numpy()
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    swapped = L.MultiHeadAttention(2, 2, attention_axes=(2, 1))  # scores follow the order given
    swapped(ember.tensor(q), ember.tensor(v))
    swapped.set_weights(layer.get_weights())
    out, scores = _numpy(*swapped(ember.tensor(q), ember.tensor(v), return_attention_scores=True))
    ref, p = _nd_reference(swapped, q, v, (2, 1))
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, p, rtol=1e-4, atol=1e-6)
    assert scores.shape == (2, 2, 2, 3, 2, 2, 2)


def _twin(layer, q, v):
    """A 3-D MultiHeadAttention with ``layer``'s weights."""
    twin = L.MultiHeadAttention(layer.num_heads, layer.key_dim, layer.value_dim,
                                output_shape=layer.output_shape)
    twin(ember.tensor(q), ember.tensor(v))
    twin.set_weights(layer.get_weights())
    return twin


def test_image_attention_is_the_flattened_sequence():
    b, h, w, c = X4.shape
    mask = RNG.random((b, h, w, h, w)) > 0.3
    mask[..., 0, 0] = True
    layer = L.MultiHeadAttention(2, 3, attention_axes=(1, 2), bias_initializer="random_normal")
    out, scores = _numpy(*layer(ember.tensor(X4), ember.tensor(X4), attention_mask=ember.tensor(mask),
                                return_attention_scores=True))
    seq = X4.reshape(b, h * w, c)
    twin = _twin(layer, seq, seq)
    ref, p = _numpy(*twin(ember.tensor(seq), ember.tensor(seq), return_attention_scores=True,
                          attention_mask=ember.tensor(mask.reshape(b, h * w, h * w))))
    np.testing.assert_allclose(out, ref.reshape(b, h, w, c), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(scores, p.reshape(b, 2, h, w, h, w), rtol=1e-5, atol=1e-7)
    causal = layer(ember.tensor(X4), ember.tensor(X4), use_causal_mask=True).detach().numpy()
    ref = twin(ember.tensor(seq), ember.tensor(seq), use_causal_mask=True).detach().numpy()
    np.testing.assert_allclose(causal, ref.reshape(b, h, w, c), rtol=1e-5, atol=1e-6)  # raster order


def test_one_axis_is_the_3d_layer_per_index_of_the_others_with_masks():
    layer = L.MultiHeadAttention(2, 3, attention_axes=(2,), dropout=0.3, bias_initializer="random_normal")
    q, v = ember.tensor(X4), ember.tensor(V4)
    q_mask = RNG.random(X4.shape[:-1]) > 0.3
    v_mask = RNG.random(V4.shape[:-1]) > 0.3
    v_mask[..., 0] = True
    att = RNG.random((2, 3, 4, 2)) > 0.2
    att[..., 0] = True
    set_keras_mask(q, ember.tensor(q_mask))
    set_keras_mask(v, ember.tensor(v_mask))
    out, scores = _numpy(*layer(q, v, attention_mask=att, use_causal_mask=True, return_attention_scores=True,
                                training=False))
    assert get_keras_mask(layer(q, v)).tolist() == q_mask.tolist()  # the query's mask passes on
    twin = _twin(layer, X4[:, 0], V4[:, 0])
    for i in range(X4.shape[1]):
        qi, vi = ember.tensor(X4[:, i]), ember.tensor(V4[:, i])
        ref, p = _numpy(*twin(qi, vi, query_mask=q_mask[:, i], value_mask=v_mask[:, i], use_causal_mask=True,
                              attention_mask=att[:, i], return_attention_scores=True))
        np.testing.assert_allclose(out[:, i], ref, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(scores[:, i], p, rtol=1e-5, atol=1e-7)
    explicit = layer(ember.tensor(X4), ember.tensor(V4), query_mask=q_mask, value_mask=v_mask,
                     key_mask=v_mask, attention_mask=att, use_causal_mask=True, training=False)
    explicit = explicit.detach().numpy()
    np.testing.assert_allclose(explicit, out, rtol=1e-5, atol=1e-6)
    rows = _numpy(layer(ember.tensor(X4), ember.tensor(V4), training=True))[0]  # dropout in N-D
    assert rows.shape == out.shape and not np.allclose(rows, layer(q, v, training=False).detach().numpy())


def test_output_shape_tuple():
    layer = L.MultiHeadAttention(2, 3, output_shape=(2, 4), bias_initializer="random_normal")
    out, _ = layer(ember.tensor(Q), ember.tensor(V), return_attention_scores=True)
    assert out.shape == (2, 4, 2, 4) and layer.output_shape == (2, 4)
    assert [w.shape for w in layer.get_weights()[-2:]] == [(2, 3, 2, 4), (2, 4)]  # Keras' layout
    ref, _ = _nd_reference(layer, Q[:, None], V[:, None], (2,))
    np.testing.assert_allclose(out.detach().numpy(), ref[:, 0], rtol=1e-4, atol=1e-5)
    image = L.MultiHeadAttention(1, 2, output_shape=[3, 1], attention_axes=(1, 2))
    assert image(ember.tensor(X4), ember.tensor(X4)).shape == (2, 3, 4, 3, 1)
    assert image.compute_output_shape((None, 3, 4, 5)) == (None, 3, 4, 3, 1)
    cfg = image.get_config()
    assert cfg["output_shape"] == (3, 1) and cfg["attention_axes"] == (1, 2)
    assert L.MultiHeadAttention.from_config(cfg).get_config() == cfg


def test_nd_gradients_gradcheck():
    layer = L.MultiHeadAttention(2, 2, attention_axes=(1, 2), output_shape=(2, 1),
                                 bias_initializer="random_normal")
    q = ember.tensor(RNG.standard_normal((1, 2, 2, 3)), requires_grad=True)
    v = ember.tensor(RNG.standard_normal((1, 2, 1, 3)), requires_grad=True)
    layer(q.float(), v.float())
    layer.double()
    mask = np.array([1, 0, 1, 1, 0, 1, 1, 1], bool).reshape(1, 2, 2, 2, 1)  # (B, query (2, 2), key (2, 1))
    assert ember.autograd.gradcheck(lambda a, b: layer(a, b, attention_mask=mask), (q, v))
    assert ember.autograd.gradcheck(lambda a, b: layer(a, b, return_attention_scores=True)[1], (q, v))
    layer(q, v).sum().backward()
    assert all(w.grad is not None and w.grad.abs().sum().item() > 0 for w in layer.weights)


def test_nd_model_saves_and_loads(tmp_path):
    x = L.Input(shape=(3, 4, 5))
    mha = L.MultiHeadAttention(2, 3, attention_axes=(1, 2), output_shape=(2, 3), name="mha")
    y = mha(x, x, use_causal_mask=True)
    model = ember.models.Model(x, L.Reshape((3, 4, 6))(y))
    model.save(tmp_path / "mha.ember")
    loaded = ember.models.load_model(tmp_path / "mha.ember")
    np.testing.assert_allclose(loaded.predict(X4, verbose=0), model.predict(X4, verbose=0), rtol=1e-6)
    layer = loaded.get_layer("mha")
    assert layer.attention_axes == (1, 2) and layer.output_shape == (2, 3)


def test_docstring_example_runs():
    import doctest

    from ember.layers import attention

    assert doctest.testmod(attention, extraglobs={"ember": ember}).failed == 0


def test_attention_scores_as_a_second_symbolic_output_round_trip(tmp_path):
    q = ember.models.Input((5, 8))
    mha = L.MultiHeadAttention(2, 4)
    out, scores = mha(q, q, return_attention_scores=True)
    assert out.shape == (None, 5, 8) and scores.shape == (None, 2, 5, 5)
    model = ember.models.Model(q, [out, scores])
    x = np.random.default_rng(0).random((3, 5, 8)).astype(np.float32)
    y, s = model.predict(x, verbose=0)
    ey, es = mha(ember.tensor(x), ember.tensor(x), return_attention_scores=True)
    np.testing.assert_array_equal(s, es.detach().numpy())
    np.testing.assert_array_equal(y, ey.detach().numpy())
    model.save(tmp_path / "m.ember")
    np.testing.assert_array_equal(ember.models.load_model(tmp_path / "m.ember").predict(x, verbose=0)[1], s)
