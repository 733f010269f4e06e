import numpy as np

import ember
from ember import layers as L

X = np.random.default_rng(0).standard_normal((3, 6, 5)).astype(np.float32)


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


def test_bidirectional_initial_weights_and_backward_layer_config(tmp_path):
    def relu_backward(**kwargs):
        return L.GRU(3, activation="relu", go_backwards=True, **kwargs)

    source = L.Bidirectional(L.GRU(3, return_sequences=True),
                             backward_layer=relu_backward(return_sequences=True))
    expected = source(ember.tensor(X)).detach().numpy()
    given = L.Bidirectional(L.GRU(3, return_sequences=True), weights=source.get_weights(),
                            backward_layer=relu_backward(return_sequences=True))
    assert not given.built  # Keras' weights=: set once the layer is built
    np.testing.assert_allclose(given(ember.tensor(X)).detach().numpy(), expected, rtol=1e-6)
    halves = given.forward_layer.get_weights() + given.backward_layer.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(halves, source.get_weights()))
    symbolic = L.Bidirectional(L.GRU(3), weights=source.get_weights(), backward_layer=relu_backward())
    x = L.Input(shape=(6, 5))
    model = ember.models.Model(x, symbolic(x))  # built by the symbolic call, then set
    last = np.concatenate([expected[:, -1, :3], expected[:, 0, 3:]], -1)  # each direction's last step
    np.testing.assert_allclose(model.predict(X, verbose=0), last, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "bi.ember")  # the custom backward layer (relu) survives a round trip
    loaded = ember.models.load_model(tmp_path / "bi.ember")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert loaded.layers[-1].backward_layer.get_config()["activation"] == "relu"
    config = {k: v for k, v in source.get_config().items() if k != "backward_layer"}  # saved before it was
    assert L.Bidirectional.from_config(config).backward_layer.get_config()["activation"] == "tanh"
