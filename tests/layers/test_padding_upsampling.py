"""ZeroPadding, Cropping and UpSampling layers against NumPy references (Keras' semantics)."""

import numpy as np
import pytest

import ember
from ember import layers as L
from tests.harness import torch


def _x(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("layer, data_format, shape, widths", [
    (L.ZeroPadding1D(2), "channels_last", (2, 3, 4), [(0, 0), (2, 2), (0, 0)]),
    (L.ZeroPadding1D((1, 3)), "channels_last", (2, 3, 4), [(0, 0), (1, 3), (0, 0)]),
    (L.ZeroPadding1D((1, 3), data_format="channels_first"), None, (2, 4, 3), [(0, 0), (0, 0), (1, 3)]),
    (L.ZeroPadding2D(), "channels_last", (2, 3, 4, 2), [(0, 0), (1, 1), (1, 1), (0, 0)]),
    (L.ZeroPadding2D((1, 2)), "channels_last", (1, 3, 4, 2), [(0, 0), (1, 1), (2, 2), (0, 0)]),
    (L.ZeroPadding2D(((0, 1), (2, 3)), data_format="channels_first"), None, (1, 2, 3, 4),
     [(0, 0), (0, 0), (0, 1), (2, 3)]),
    (L.ZeroPadding3D(1), "channels_last", (1, 2, 3, 2, 2), [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]),
])
def test_zero_padding_equals_numpy_pad(layer, data_format, shape, widths):
    x = _x(*shape)
    y = layer(ember.tensor(x))
    np.testing.assert_array_equal(y.numpy(), np.pad(x, widths))
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]


@pytest.mark.parametrize("layer, shape, index", [
    (L.Cropping1D((1, 2)), (2, 6, 3), np.s_[:, 1:4, :]),
    (L.Cropping1D(1), (2, 6, 3), np.s_[:, 1:5, :]),
    (L.Cropping2D(((1, 0), (2, 1))), (2, 5, 6, 3), np.s_[:, 1:5, 2:5, :]),
    (L.Cropping2D(1, data_format="channels_first"), (2, 3, 5, 6), np.s_[:, :, 1:4, 1:5]),
    (L.Cropping3D(), (1, 4, 5, 6, 2), np.s_[:, 1:3, 1:4, 1:5, :]),
])
def test_cropping_equals_slicing(layer, shape, index):
    x = _x(*shape)
    y = layer(ember.tensor(x))
    np.testing.assert_array_equal(y.numpy(), x[index])
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]


def test_padding_and_cropping_gradients_and_errors():
    x = ember.tensor(_x(1, 4, 4, 2), requires_grad=True)
    L.Cropping2D(((1, 0), (0, 2)))(L.ZeroPadding2D(1)(x)).sum().backward()
    want = np.ones((1, 4, 4, 2), np.float32)
    want[:, :, 3:] = 0  # the padded image is cropped back to rows 0..4 and columns 0..3 of x
    np.testing.assert_array_equal(x.grad.numpy(), want)
    with pytest.raises(ValueError, match=r"Cropping2D 'c': cropping must be an int, 2 ints, or 2 pairs"):
        L.Cropping2D((1, 2, 3), name="c")
    with pytest.raises(ValueError, match=r"would remove all 4 entries of axis 1"):
        L.Cropping2D(((2, 2), (0, 0)))(ember.ones(1, 4, 4, 1))
    with pytest.raises(ValueError, match=r"expects inputs of rank 4"):
        L.ZeroPadding2D()(ember.ones(2, 3, 4))


@pytest.mark.parametrize("layer, shape, repeats", [
    (L.UpSampling1D(3), (2, 4, 3), {1: 3}),
    (L.UpSampling2D(), (2, 3, 4, 2), {1: 2, 2: 2}),
    (L.UpSampling2D((1, 3), data_format="channels_first"), (2, 2, 3, 4), {3: 3}),
    (L.UpSampling3D((2, 1, 2)), (1, 2, 3, 2, 2), {1: 2, 3: 2}),
])
def test_nearest_upsampling_repeats(layer, shape, repeats):
    x = _x(*shape)
    want = x
    for axis, times in repeats.items():
        want = np.repeat(want, times, axis=axis)
    y = layer(ember.tensor(x))
    np.testing.assert_array_equal(y.numpy(), want)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]
    t = ember.tensor(x, requires_grad=True)
    layer(t).sum().backward()  # each input feeds prod(size) outputs
    np.testing.assert_array_equal(t.grad.numpy(), np.full(shape, np.prod(layer.size), np.float32))


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_bilinear_upsampling_matches_half_pixel_resize(data_format):
    x = _x(2, 3, 5, 4) if data_format == "channels_last" else _x(2, 4, 3, 5)
    y = L.UpSampling2D((2, 3), data_format=data_format, interpolation="bilinear")(ember.tensor(x))
    tx = torch.tensor(x)
    if data_format == "channels_last":
        tx = tx.permute(0, 3, 1, 2)
    ty = torch.nn.functional.interpolate(tx, scale_factor=(2, 3), mode="bilinear", align_corners=False)
    if data_format == "channels_last":
        ty = ty.permute(0, 2, 3, 1)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"interpolation must be 'nearest' or 'bilinear'"):
        L.UpSampling2D(interpolation="lanczos3")


def test_configs_round_trip_and_a_model_saves_and_loads(tmp_path):
    for layer in [L.ZeroPadding1D((1, 2)), L.ZeroPadding2D(((0, 1), (2, 3))), L.ZeroPadding3D(2),
                  L.Cropping1D(2), L.Cropping2D(((1, 0), (0, 1)), data_format="channels_first"),
                  L.Cropping3D(), L.UpSampling1D(3), L.UpSampling2D((2, 1), interpolation="bilinear"),
                  L.UpSampling3D()]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    model = ember.models.Sequential([
        L.Input((6, 6, 1)), L.ZeroPadding2D(1), L.Conv2D(2, 3), L.UpSampling2D(),
        L.Cropping2D(((1, 1), (2, 2))), L.Flatten(), L.Dense(3)])
    assert model.output_shape == (None, 3)
    x = _x(2, 6, 6, 1)
    path = tmp_path / "m.ember"
    model.save(path)
    again = ember.models.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_upsampling_needs_its_rank():
    with pytest.raises(ValueError, match=r"Layer 'u' \(UpSampling1D\) expects inputs of rank 3"):
        L.UpSampling1D(name="u")(ember.ones(2, 3, 4, 5))
