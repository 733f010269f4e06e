import numpy as np
import pytest
import torch

import ember
from ember import layers as L

X = np.random.default_rng(0).standard_normal((3, 6, 5)).astype(np.float32)


def _torch_rnn(cls, layer, **kw):
    """A torch recurrent layer carrying ``layer``'s Keras-layout weights."""
    k, r, b = layer.get_weights()
    u = layer.units
    if cls is torch.nn.GRU:  # Keras z, r, h -> PyTorch r, z, n
        perm = np.r_[u:2 * u, 0:u, 2 * u:3 * u]
        k, r, b = k[:, perm], r[:, perm], b[:, perm]
        b_ih, b_hh = b[0], b[1]
    else:
        b_ih, b_hh = b, np.zeros_like(b)
    net = cls(X.shape[-1], u, batch_first=True, **kw)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", k.T), ("weight_hh_l0", r.T), ("bias_ih_l0", b_ih),
                            ("bias_hh_l0", b_hh)):
            getattr(net, name).copy_(torch.tensor(np.ascontiguousarray(value)))
    return net


@pytest.mark.parametrize("keras_cls,torch_cls", [(L.LSTM, torch.nn.LSTM), (L.GRU, torch.nn.GRU),
                                                 (L.SimpleRNN, torch.nn.RNN)])
def test_matches_torch_forward_and_backward(keras_cls, torch_cls):
    layer = keras_cls(4, return_sequences=True, return_state=True, bias_initializer="random_normal")
    x = ember.tensor(X, requires_grad=True)
    out = layer(x)
    net = _torch_rnn(torch_cls, layer)
    xt = torch.tensor(X, requires_grad=True)
    seq, state = net(xt)
    np.testing.assert_allclose(out[0].detach().numpy(), seq.detach().numpy(), rtol=1e-4, atol=1e-5)
    h = state[0] if isinstance(state, tuple) else state
    np.testing.assert_allclose(out[1].detach().numpy(), h[0].detach().numpy(), rtol=1e-4, atol=1e-5)
    if keras_cls is L.LSTM:
        np.testing.assert_allclose(out[2].detach().numpy(), state[1][0].detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    out[0].square().sum().backward()
    seq.square().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-5)
    grad = net.weight_ih_l0.grad.numpy().T
    if keras_cls is L.GRU:  # PyTorch r, z, n -> Keras z, r, h
        grad = grad[:, np.r_[4:8, 0:4, 8:12]]
    np.testing.assert_allclose(layer.kernel.grad.numpy(), grad, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(layer.recurrent_kernel.grad.numpy().sum(),
                               net.weight_hh_l0.grad.numpy().sum(), rtol=1e-3, atol=1e-4)


def test_keras_parameter_counts_and_layouts():
    lstm = L.LSTM(32)
    assert lstm(ember.ones(2, 3, 16)).shape == (2, 32)
    assert lstm.count_params() == 6272
    assert [w.shape for w in lstm.get_weights()] == [(16, 128), (32, 128), (128,)]
    bias = lstm.get_weights()[2]
    assert bias[32:64].tolist() == [1.0] * 32 and not bias[:32].any() and not bias[64:].any()
    r = lstm.get_weights()[1]
    np.testing.assert_allclose(r @ r.T, np.eye(32), atol=1e-5)  # orthogonal recurrent kernel
    gru = L.GRU(8)
    gru(ember.ones(1, 2, 16))
    assert gru.count_params() == 3 * 8 * (16 + 8 + 2) and gru.bias.shape == (2, 24)
    rnn = L.SimpleRNN(4)
    rnn(ember.ones(1, 2, 3))
    assert rnn.count_params() == 4 * (3 + 4 + 1)
    assert L.LSTM(4, unit_forget_bias=False)(ember.ones(1, 2, 3)) is not None


def test_go_backwards_initial_state_and_shapes():
    fwd = L.LSTM(4, return_sequences=True)
    bwd = L.LSTM.from_config({**fwd.get_config(), "name": "b", "go_backwards": True})
    fwd(ember.tensor(X))
    bwd(ember.tensor(X))
    bwd.set_weights(fwd.get_weights())
    reversed_input = fwd(ember.tensor(X[:, ::-1].copy())).detach().numpy()
    np.testing.assert_allclose(bwd(ember.tensor(X)).detach().numpy(), reversed_input, rtol=1e-5, atol=1e-6)
    assert fwd.compute_output_shape((None, 6, 5)) == (None, 6, 4)
    st = L.GRU(4, return_state=True)
    assert st.compute_output_shape((None, 6, 5)) == [(None, 4), (None, 4)]
    h0 = ember.ones(3, 4)
    out, h = st(ember.tensor(X), initial_state=[h0])
    assert out.shape == (3, 4) and np.allclose(out.numpy() if not out.requires_grad else out.detach().numpy(),
                                               h.detach().numpy())
    relu = L.SimpleRNN(3, activation="relu")
    assert (relu(ember.tensor(X)).detach().numpy() >= 0).all()


def test_dropout_applies_in_training_only():
    layer = L.SimpleRNN(3, dropout=0.5)
    a = layer(ember.tensor(X), training=False).detach().numpy()
    b = layer(ember.tensor(X), training=False).detach().numpy()
    c = layer(ember.tensor(X), training=True).detach().numpy()
    assert np.array_equal(a, b) and not np.allclose(a, c)





def test_recurrent_errors():
    with pytest.raises(ValueError, match=r"'lstm_x' \(LSTM\) \(units=4\) expects inputs of shape "
                       r"\(batch, timesteps, features\), received \(2, 5\)\. .*Reshape"):
        L.LSTM(4, name="lstm_x")(ember.ones(2, 5))
    layer = L.GRU(2)
    layer(ember.ones(1, 2, 3))
    with pytest.raises(ValueError, match="built for 3 features"):
        layer(ember.ones(1, 2, 4))
    with pytest.raises(ValueError, match=r"initial_state as 2 tensor\(s\) of shape \(1, 2\)"):
        L.LSTM(2)(ember.ones(1, 2, 3), initial_state=[ember.ones(1, 2)])
    with pytest.raises(ValueError, match="0 time steps"):
        L.LSTM(2)(ember.ones(1, 0, 3))
    with pytest.raises(ValueError, match="feature dimension must be known"):
        L.LSTM(2)._check_input_shape((None, 3, None))
    with pytest.raises(ValueError, match="units must be a positive integer"):
        L.GRU(0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        L.GRU(2, dropout=1.5)
    with pytest.raises(ValueError, match=r"recurrent_dropout must be in \[0, 1\), received "
                       r"recurrent_dropout=1\.0"):
        L.LSTM(2, recurrent_dropout=1.0)
    with pytest.raises(AttributeError, match=r"reset_states\(\) needs a stateful layer"):
        L.LSTM(2).reset_states()
    with pytest.raises(AttributeError, match=r"reset_states\(\) needs a stateful layer"):
        L.Bidirectional(L.LSTM(2)).reset_states()
    with pytest.raises(ValueError, match="must be a SimpleRNN, LSTM or GRU"):
        L.Bidirectional(L.Dense(2))
    with pytest.raises(ValueError, match="invalid merge_mode"):
        L.Bidirectional(L.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match="agree on return_sequences"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2, return_sequences=True, go_backwards=True))
    with pytest.raises(ValueError, match=r"weights must be a list of arrays \(the forward layer's weights, "
                       r"then the backward layer's.*received ndarray"):
        L.Bidirectional(L.GRU(2), weights=np.ones(3))
    bad = L.Bidirectional(L.GRU(2), weights=[np.ones((5, 6))], name="bi")
    for _ in range(2):  # still refused when called again
        with pytest.raises(ValueError, match=r"'bi' \(Bidirectional\): the weights= given to the constructor "
                           r"do not fit .*expects 6 weight arrays .*received 1"):
            bad(ember.tensor(X))


# ---- NumPy references, masks, recurrent dropout, stateful, other activations ----
_NP_ACT = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
           "linear": lambda z: z, "softsign": lambda z: z / (1 + np.abs(z))}
MASK = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 0, 1, 1], [1, 0, 1, 1, 1, 0]], bool)  # right, left, holes


def _numpy_rnn(layer, x, mask=None):
    """Keras' formulas, written out: (outputs, final states) for ``layer`` on ``x``."""
    k, r, *b = layer.get_weights()
    b = b[0] if b else np.zeros((2, k.shape[1]) if getattr(layer, "reset_after", False) else k.shape[1])
    u = layer.units
    act = _NP_ACT[ember.layers.activations.serialize(layer.activation)]
    gate = _NP_ACT[ember.layers.activations.serialize(layer.recurrent_activation)]
    h = c = np.zeros((x.shape[0], u))
    outputs = []
    for t in (range(x.shape[1])[::-1] if layer.go_backwards else range(x.shape[1])):
        xt = x[:, t].astype(np.float64)
        if isinstance(layer, L.SimpleRNN):
            h_new, c_new = act(xt @ k + h @ r + b), c
        elif isinstance(layer, L.LSTM):
            z = xt @ k + h @ r + b
            c_new = gate(z[:, u:2 * u]) * c + gate(z[:, :u]) * act(z[:, 2 * u:3 * u])
            h_new = gate(z[:, 3 * u:]) * act(c_new)
        else:
            c_new = c
            if layer.reset_after:
                xz, hz = xt @ k + b[0], h @ r + b[1]
                z, g = gate(xz[:, :u] + hz[:, :u]), gate(xz[:, u:2 * u] + hz[:, u:2 * u])
                hh = act(xz[:, 2 * u:] + g * hz[:, 2 * u:])
            else:
                xz = xt @ k + b
                z, g = gate(xz[:, :u] + h @ r[:, :u]), gate(xz[:, u:2 * u] + h @ r[:, u:2 * u])
                hh = act(xz[:, 2 * u:] + (g * h) @ r[:, 2 * u:])
            h_new = z * h + (1 - z) * hh
        if mask is not None:
            keep = mask[:, t][:, None]
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
        h, c = h_new, c_new
        outputs.append(h)
    return np.stack(outputs, 1), h, c


@pytest.mark.parametrize("make", [
    lambda: L.LSTM(3, return_sequences=True, return_state=True),
    lambda: L.GRU(3, return_sequences=True, return_state=True),
    lambda: L.SimpleRNN(3, return_sequences=True, return_state=True, activation="relu"),
    lambda: L.LSTM(3, return_sequences=True, return_state=True, go_backwards=True),
    lambda: L.GRU(3, return_sequences=True, return_state=True, go_backwards=True),
    lambda: L.LSTM(3, return_sequences=True, return_state=True, activation="softsign",
                   recurrent_activation="linear"),
    lambda: L.GRU(3, return_sequences=True, return_state=True, reset_after=False),
    lambda: L.GRU(3, return_sequences=True, return_state=True, reset_after=False, activation="relu"),
    lambda: L.SimpleRNN(3, return_sequences=True, return_state=True, activation="sigmoid"),
    lambda: L.GRU(3, return_sequences=True, return_state=True, reset_after=False, use_bias=False),
    lambda: L.GRU(3, return_sequences=True, return_state=True, use_bias=False, activation="linear"),
    lambda: L.LSTM(3, return_sequences=True, return_state=True, use_bias=False,
                   recurrent_activation="softsign"),
])
def test_masked_and_unmasked_outputs_match_numpy_formula(make):
    layer = make()
    layer(ember.tensor(X))
    layer.set_weights([np.random.default_rng(1).standard_normal(w.shape).astype(np.float32) * 0.5
                       for w in layer.get_weights()])
    for mask in (None, MASK):
        seq, h, *c = layer(ember.tensor(X), mask=mask)
        ref_seq, ref_h, ref_c = _numpy_rnn(layer, X, mask)
        np.testing.assert_allclose(seq.detach().numpy(), ref_seq, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(h.detach().numpy(), ref_h, rtol=1e-4, atol=1e-5)
        if c:
            np.testing.assert_allclose(c[0].detach().numpy(), ref_c, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_masked_fused_op_matches_the_step_loop_with_gradients(cls):
    """The fused sequence ops' masked steps (forward and backpropagation) against the loop of
    ember ops that autograd differentiates."""
    fused = cls(4, return_sequences=True, return_state=True, bias_initializer="random_normal")
    loop = cls.from_config({**fused.get_config(), "name": "loop_" + fused.name})
    loop._fused = lambda: False
    xs, grads = [], []
    for layer in (fused, loop):
        x = ember.tensor(X, requires_grad=True)
        layer(x)
        if layer is loop:
            loop.set_weights(fused.get_weights())
        out = layer(x, mask=MASK)
        weight = ember.tensor(np.random.default_rng(2).standard_normal(out[0].shape).astype(np.float32))
        ((out[0] * weight).sum() + sum(s.square().sum() for s in out[1:])).backward()
        xs.append([o.detach().numpy() for o in out])
        grads.append([x.grad.numpy()] + [w.grad.numpy() for w in layer.weights])
    for a, b in zip(*xs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert (grads[0][0][1, :2] == 0).all()  # masked steps' inputs get no gradient


def test_mask_outputs_final_state_and_zero_output_for_mask():
    layer = L.GRU(3, return_sequences=True, return_state=True)
    seq, h = layer(ember.tensor(X), mask=MASK)
    seq = seq.detach().numpy()
    np.testing.assert_array_equal(seq[0, 4], seq[0, 3])  # masked steps carry the last output
    np.testing.assert_array_equal(seq[1, :2], 0)  # ... the initial state before any step
    np.testing.assert_allclose(h.detach().numpy()[0], layer(ember.tensor(X[:1, :4]))[1].detach().numpy()[0],
                               rtol=1e-5, atol=1e-6)  # the final state: after the last unmasked step
    zero = L.GRU.from_config({**layer.get_config(), "name": "z", "zero_output_for_mask": True})
    zero(ember.tensor(X))
    zero.set_weights(layer.get_weights())
    zseq = zero(ember.tensor(X), mask=MASK)[0].detach().numpy()
    np.testing.assert_array_equal(zseq, np.where(MASK[..., None], seq, 0))
    last = L.GRU.from_config({**zero.get_config(), "name": "last", "return_sequences": False,
                              "return_state": False})
    last(ember.tensor(X))
    last.set_weights(layer.get_weights())
    out = last(ember.tensor(X), mask=MASK).detach().numpy()
    assert (out[0] == 0).all() and (out[1] == seq[1, -1]).all()  # Keras: the last output, zeroed
    assert layer.compute_mask(None, ember.tensor(MASK)) is not None
    assert L.GRU(2).compute_mask(None, ember.tensor(MASK)) is None


def test_recurrent_dropout_eval_identity_and_constant_mask_in_training():
    plain = L.LSTM(4, return_sequences=True)
    dropped = L.LSTM(4, return_sequences=True, recurrent_dropout=0.5, dropout=0.3)
    x = ember.tensor(X)
    plain(x)
    dropped(x)
    dropped.set_weights(plain.get_weights())
    np.testing.assert_array_equal(dropped(x, training=False).detach().numpy(), plain(x).detach().numpy())
    train = dropped(ember.tensor(X, requires_grad=True), training=True)
    assert not np.allclose(train.detach().numpy(), plain(x).detach().numpy())
    train.sum().backward()
    grad = dropped.recurrent_kernel.grad.numpy()
    assert np.isfinite(grad).all() and np.abs(grad).sum() > 0
    # By construction: h_t = (h_{t-1} * m) @ I + 1, so with one mask m (0 or 2 per unit) for the
    # whole sequence every unit follows 1, 1, 1, ... or 1, 3, 7, 15, ...
    rnn = L.SimpleRNN(64, activation="linear", recurrent_dropout=0.5, return_sequences=True)
    rnn(ember.zeros(8, 4, 1))
    rnn.set_weights([np.zeros((1, 64)), np.eye(64), np.ones(64)])
    h = rnn(ember.zeros(8, 4, 1), training=True).detach().numpy()
    kept = np.array([1.0, 3.0, 7.0, 15.0])
    assert np.isin(h.transpose(0, 2, 1).reshape(-1, 4), np.stack([np.ones(4), kept])).all()
    assert np.all((h[:, -1] == 1) | (h[:, -1] == 15))
    assert 0.3 < (h[:, -1] == 15).mean() < 0.7
    again = rnn(ember.zeros(8, 4, 1), training=True).detach().numpy()
    assert not np.array_equal(again, h)  # a new mask for each call


def test_recurrent_dropout_loop_matches_fused_when_nothing_is_dropped():
    """With a dropout rate so small nothing is dropped, the per-gate dropout loop (used in
    training) computes exactly what the fused op does."""
    for cls in (L.LSTM, L.GRU, L.SimpleRNN):
        base = cls(3, return_sequences=True, bias_initializer="random_normal")
        tiny = cls.from_config({**base.get_config(), "name": "tiny_" + base.name, "recurrent_dropout": 1e-12,
                                "dropout": 1e-12})
        base(ember.tensor(X))
        tiny(ember.tensor(X))
        tiny.set_weights(base.get_weights())
        np.testing.assert_allclose(tiny(ember.tensor(X), training=True).detach().numpy(),
                                   base(ember.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_stateful_carries_states_and_reset_states():
    full = L.LSTM(3, return_state=True)
    stateful = L.LSTM(3, return_state=True, stateful=True)
    full(ember.tensor(X))
    stateful(ember.tensor(X[:, :1]))
    stateful.reset_states()
    stateful.set_weights(full.get_weights())
    _, h, c = full(ember.tensor(X))
    stateful(ember.tensor(X[:, :2]))
    out, h2, c2 = stateful(ember.tensor(X[:, 2:]))  # continues where the first batch stopped
    np.testing.assert_allclose(h2.detach().numpy(), h.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c2.detach().numpy(), c.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert not stateful.states[0].requires_grad  # gradients stop at the batch boundary
    stateful.reset_states()
    assert not stateful.states[0].numpy().any()
    np.testing.assert_allclose(stateful(ember.tensor(X[:, 2:]))[1].detach().numpy(),
                               full(ember.tensor(X[:, 2:]))[1].detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="stateful and carries states for batches of 3 samples, but "
                                         "received a batch of 2"):
        stateful(ember.tensor(X[:2]))
    assert stateful.get_config()["stateful"] and L.LSTM.from_config(stateful.get_config()).stateful
    symbolic = L.LSTM(2, stateful=True)
    symbolic(L.Input(shape=(6, 5), batch_size=3), mask=L.Input(shape=(6,), batch_size=3, dtype="bool"))
    assert symbolic.states is None  # finding the output shape (a run on zeros) keeps no state


def test_stateful_in_fit_and_bidirectional():
    model = ember.models.Sequential([L.Input(shape=(6, 5), batch_size=3),
                                     L.Bidirectional(L.GRU(2, stateful=True)), L.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(X, np.zeros((3, 1), np.float32), batch_size=3, epochs=1, verbose=0)
    bi = model.layers[0]
    assert bi.stateful and len(bi.states) == 2 and bi.states[0].numpy().any()
    first = model.predict(X, batch_size=3, verbose=0)
    assert not np.allclose(model.predict(X, batch_size=3, verbose=0), first)  # the states moved on
    bi.reset_states()
    assert not any(s.numpy().any() for s in bi.states)


def test_recurrent_config_round_trip_with_new_arguments():
    layer = L.GRU(3, reset_after=False, activation="relu", recurrent_dropout=0.25, stateful=True,
                  kernel_constraint="non_neg", recurrent_constraint=L.constraints.MaxNorm(3.0, axis=1),
                  zero_output_for_mask=True)
    config = layer.get_config()
    assert config["reset_after"] is False and config["recurrent_dropout"] == 0.25
    assert config["recurrent_constraint"] == {"class_name": "MaxNorm",
                                              "config": {"max_value": 3.0, "axis": 1}}
    clone = L.GRU.from_config(config)
    assert clone.get_config() == config
    clone(ember.tensor(X))
    assert clone.bias.shape == (9,) and clone.count_params() == 3 * 3 * (5 + 3 + 1)
