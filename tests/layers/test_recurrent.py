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


def test_bidirectional():
    bi = L.Bidirectional(L.LSTM(6, return_sequences=True))
    y = bi(ember.tensor(X))
    assert y.shape == (3, 6, 12) and bi.count_params() == 2 * 4 * 6 * (5 + 6 + 1)
    assert bi.forward_layer.name.startswith("forward_") and bi.backward_layer.go_backwards
    fw = bi.forward_layer(ember.tensor(X)).detach().numpy()
    bw = bi.backward_layer(ember.tensor(X)).detach().numpy()[:, ::-1]
    np.testing.assert_allclose(y.detach().numpy(), np.concatenate([fw, bw], -1), rtol=1e-5)
    assert bi.compute_output_shape((None, 6, 5)) == (None, 6, 12)
    for mode, f in (("sum", np.add), ("mul", np.multiply), ("ave", lambda a, b: (a + b) / 2)):
        other = L.Bidirectional(L.GRU(2), merge_mode=mode)
        out = other(ember.tensor(X)).detach().numpy()
        ref = f(other.forward_layer(ember.tensor(X)).detach().numpy(),
                other.backward_layer(ember.tensor(X)).detach().numpy())
        np.testing.assert_allclose(out, ref, rtol=1e-5)
        assert other.compute_output_shape((None, 6, 5)) == (None, 2)
    st = L.Bidirectional(L.LSTM(2, return_state=True), merge_mode=None)
    outs = st(ember.tensor(X), initial_state=[ember.zeros(3, 2)] * 4)
    assert len(outs) == 6 and outs[0].shape == (3, 2)
    assert len(st.compute_output_shape((None, 6, 5))) == 6
    clone = L.Bidirectional.from_config(bi.get_config())
    assert clone.get_config()["layer"] == bi.get_config()["layer"]
    assert len(bi.weights) == 6


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
    with pytest.raises(NotImplementedError, match="recurrent_dropout"):
        L.LSTM(2, recurrent_dropout=0.1)
    with pytest.raises(NotImplementedError, match="stateful"):
        L.LSTM(2, stateful=True)
    with pytest.raises(NotImplementedError, match="only activation='tanh'"):
        L.LSTM(2, activation="relu")
    with pytest.raises(NotImplementedError, match="'tanh' or 'relu'"):
        L.SimpleRNN(2, activation="sigmoid")
    with pytest.raises(NotImplementedError, match="reset_after=True"):
        L.GRU(2, reset_after=False)
    with pytest.raises(NotImplementedError, match="masking"):
        L.GRU(2)(ember.ones(1, 2, 3), mask=ember.ones(1, 2))
    with pytest.raises(ValueError, match="units must be a positive integer"):
        L.GRU(0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        L.GRU(2, dropout=1.5)
    with pytest.raises(ValueError, match="must be a SimpleRNN, LSTM or GRU"):
        L.Bidirectional(L.Dense(2))
    with pytest.raises(ValueError, match="invalid merge_mode"):
        L.Bidirectional(L.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match="agree on return_sequences"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2, return_sequences=True, go_backwards=True))
    with pytest.raises(NotImplementedError, match="weights="):
        L.Bidirectional(L.GRU(2), weights=[1])
