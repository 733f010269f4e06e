import gc
import warnings

import numpy as np
import pytest

import ember
from ember import layers as L
from ember.layers.masking import get_keras_mask, set_keras_mask

IDS = np.array([[3, 1, 4, 0, 0], [5, 0, 0, 0, 0], [2, 6, 5, 3, 5]])  # 0 is padding, at the end


def _last_state(layer, x, length):
    """The layer's output on sample ``x`` truncated to its first ``length`` steps."""
    return layer(ember.tensor(x[None, :length])).detach().numpy()[0]


def test_mask_table_follows_its_tensor():
    x = ember.ones(2, 3)
    mask = ember.tensor([True, False])
    set_keras_mask(x, mask)
    assert get_keras_mask(x) is mask and get_keras_mask(ember.ones(2, 3)) is None
    from ember.layers.masking import _MASKS

    before = len(_MASKS)
    del x
    gc.collect()
    assert len(_MASKS) == before - 1  # the entry went with its tensor


def test_masking_layer_zeroes_and_masks_steps():
    x = ember.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]], [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]])
    y = L.Masking()(x)
    assert get_keras_mask(y).tolist() == [[True, False, True], [False, False, True]]
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    y = L.Masking(mask_value=1.0)(x)
    assert get_keras_mask(y).tolist() == [[True, True, True], [True, True, False]]
    assert y.numpy()[1, 2].tolist() == [0.0, 0.0]  # masked steps are zeroed
    nan = ember.tensor([[[np.nan, np.nan], [1.0, np.nan]]])
    assert get_keras_mask(L.Masking(mask_value=float("nan"))(nan)).tolist() == [[False, True]]
    assert L.Masking.from_config(L.Masking(2.5).get_config()).mask_value == 2.5


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
def test_embedding_mask_zero_to_rnn_equals_the_unpadded_sequences(cls):
    emb = L.Embedding(7, 4, mask_zero=True)
    rnn = cls(3, bias_initializer="random_normal")
    out = rnn(emb(ember.tensor(IDS))).detach().numpy()
    vectors = emb(ember.tensor(IDS)).detach().numpy()
    for i, length in enumerate((3, 1, 5)):
        np.testing.assert_allclose(out[i], _last_state(rnn, vectors[i], length), rtol=1e-5, atol=1e-6)


def test_masking_then_lstm_in_sequential_and_fit():
    x = np.random.default_rng(0).standard_normal((4, 6, 3)).astype(np.float32)
    x[0, 4:] = 0.0  # right padding
    x[1, :2] = 0.0  # left padding
    x[2, 2] = 0.0  # a hole in the middle
    lstm = L.LSTM(2)
    model = ember.models.Sequential([L.Input(shape=(6, 3)), L.Masking(), lstm])
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out[0], _last_state(lstm, x[0], 4), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1], lstm(ember.tensor(x[1:2, 2:])).detach().numpy()[0],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[2], lstm(ember.tensor(np.delete(x[2:3], 2, axis=1))).detach().numpy()[0],
                               rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros((4, 2), np.float32), epochs=2, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_functional_graph_carries_masks_and_return_sequences_passes_them_on():
    ids = L.Input(shape=(5,), dtype="int64")
    seq = L.LSTM(3, return_sequences=True)(L.Embedding(7, 4, mask_zero=True)(ids))
    dense = L.Dense(2)(L.Dropout(0.5)(seq))  # both pass a 3-D mask through
    pooled = L.GlobalAveragePooling1D()(dense)
    last = L.GRU(2)(dense)
    model = ember.models.Model(ids, [pooled, last, dense])
    pooled_out, last_out, dense_out = model(ember.tensor(IDS), training=False)
    assert get_keras_mask(dense_out).tolist() == (IDS != 0).tolist()
    assert get_keras_mask(pooled_out) is None and get_keras_mask(last_out) is None
    d = dense_out.detach().numpy()
    for i, length in enumerate((3, 1, 5)):
        np.testing.assert_allclose(pooled_out.detach().numpy()[i], d[i, :length].mean(0), rtol=1e-5)
    gru = model.layers[-1] if isinstance(model.layers[-1], L.GRU) else \
        next(layer for layer in model.layers if isinstance(layer, L.GRU))
    np.testing.assert_allclose(last_out.detach().numpy()[0], _last_state(gru, d[0], 3), rtol=1e-5, atol=1e-6)


def test_explicit_mask_argument_and_its_forms():
    x = ember.tensor(np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32))
    lstm = L.LSTM(2, return_sequences=True)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]])
    a = lstm(x, mask=mask)  # a NumPy 0/1 array
    b = lstm(x, mask=ember.tensor(mask.astype(bool)))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert get_keras_mask(a).tolist() == mask.astype(bool).tolist()  # passed on with the output
    # masked steps carry the state (and output) of the last unmasked step
    np.testing.assert_array_equal(a.detach().numpy()[0, 2], a.detach().numpy()[0, 1])
    assert np.array_equal(lstm(x, mask=np.ones((2, 4))).detach().numpy(), lstm(x).detach().numpy())
    with pytest.raises(TypeError, match=r"'flatten' \(Flatten\) received mask=, but its call\(\) takes no "
                       "mask argument"):
        L.Flatten(name="flatten")(x, mask=mask)
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(2, 4\)"):
        lstm(x, mask=np.ones((2, 3)))


def test_layer_without_masking_support_warns_and_drops_the_mask():
    y = L.Embedding(7, 4, mask_zero=True)(ember.tensor(IDS))
    with pytest.warns(UserWarning, match=r"'flat' \(Flatten\) was passed an input with a mask"):
        out = L.Flatten(name="flat")(y)
    assert get_keras_mask(out) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = L.Dense(2)(y)  # supports masking: no warning, mask passed on
    assert get_keras_mask(out) is get_keras_mask(y)


def test_custom_layer_masking_protocol():
    class Shift(L.Layer):
        supports_masking = True

        def call(self, inputs, mask=None):
            self.seen = mask
            return inputs[:, 1:]

        def compute_mask(self, inputs, mask=None):
            return None if mask is None else mask[:, 1:]

    y = L.Embedding(7, 4, mask_zero=True)(ember.tensor(IDS))
    layer = Shift()
    out = layer(y)
    assert layer.seen.tolist() == (IDS != 0).tolist()
    assert get_keras_mask(out).tolist() == (IDS[:, 1:] != 0).tolist()
    lam = L.Lambda(lambda x, mask: x * mask.unsqueeze(-1).float(), mask=lambda x, m: m)
    out = lam(y)
    assert get_keras_mask(out) is get_keras_mask(y)
    assert (out.detach().numpy()[1, 1:] == 0).all()


def test_merge_layers_combine_masks():
    a, b = ember.ones(2, 3, 2), ember.ones(2, 3, 4)
    set_keras_mask(a, ember.tensor([[True, False, True], [True, True, False]]))
    set_keras_mask(b, ember.tensor([[True, True, False], [True, True, True]]))
    assert get_keras_mask(L.Add()([a, ember.ones(2, 3, 2)])).tolist() == \
        [[True, False, True], [True, True, False]]  # an input without a mask keeps every step
    c = ember.ones(2, 3, 2)
    set_keras_mask(c, ember.tensor([[True, True, False], [True, True, True]]))
    assert get_keras_mask(L.Multiply()([a, c])).tolist() == [[True, False, False], [True, True, False]]
    assert get_keras_mask(L.Concatenate()([a, b])).tolist() == [[True, True, True], [True, True, True]]
    assert get_keras_mask(L.Concatenate(axis=1)([a, c])).tolist() == \
        [[True, False, True, True, True, False], [True, True, False, True, True, True]]
    assert get_keras_mask(L.Add()([ember.ones(2, 3), ember.ones(2, 3)])) is None


def test_bidirectional_masked_outputs_are_zero_and_states_match_truncation():
    emb = L.Embedding(7, 4, mask_zero=True)
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True, return_state=True))
    out, fh, fc, bh, bc = bi(emb(ember.tensor(IDS)))
    vectors = emb(ember.tensor(IDS)).detach().numpy()
    seq = out.detach().numpy()
    assert (seq[0, 3:] == 0).all() and (seq[1, 1:] == 0).all() and (seq[2] != 0).all()
    truncated = bi(ember.tensor(vectors[:1, :3]))
    np.testing.assert_allclose(seq[0, :3], truncated[0].detach().numpy()[0], rtol=1e-5, atol=1e-6)
    for full, short in zip((fh, fc, bh, bc), truncated[1:]):
        np.testing.assert_allclose(full.detach().numpy()[0], short.detach().numpy()[0], rtol=1e-5, atol=1e-6)
    assert get_keras_mask(out).tolist() == (IDS != 0).tolist()


def test_masked_lstm_model_saves_and_loads(tmp_path):
    model = ember.models.Sequential([L.Input(shape=(5,), dtype="int64"), L.Embedding(7, 4, mask_zero=True),
                                     L.LSTM(3, recurrent_dropout=0.2, kernel_constraint="max_norm"),
                                     L.Dense(1)])
    model.compile("adam", "mse")
    model.fit(IDS, np.ones((3, 1), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "masked.ember")
    loaded = ember.models.load_model(tmp_path / "masked.ember")
    np.testing.assert_allclose(loaded.predict(IDS, verbose=0), model.predict(IDS, verbose=0), rtol=1e-6)
    assert loaded.layers[0].mask_zero and loaded.layers[1].recurrent_dropout == 0.2
    assert isinstance(loaded.layers[1].kernel_constraint, L.constraints.MaxNorm)
    emb, lstm, dense = loaded.layers  # the padding changes nothing
    short = dense(lstm(emb(ember.tensor(IDS[:1, :3])), training=False)).detach().numpy()
    np.testing.assert_allclose(loaded.predict(IDS[:1], verbose=0), short, rtol=1e-5, atol=1e-6)
