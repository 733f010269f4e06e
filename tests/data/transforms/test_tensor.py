import numpy as np
import pytest

import ember
from ember.data.transforms import Normalize, ToTensor


def test_to_tensor_uint8_hwc_to_chw_float_in_unit_range():
    pic = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    out = ToTensor()(pic)
    assert isinstance(out, ember.Tensor) and out.dtype == ember.float32 and out.shape == (3, 4, 5)
    np.testing.assert_allclose(out.numpy(), pic.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert ToTensor()(np.array([[0, 255]], np.uint8)).tolist() == [[[0.0, 1.0]]]


def test_to_tensor_grayscale_float_and_bool():
    gray = ToTensor()(np.full((2, 3), 0.25, dtype=np.float64))
    assert gray.shape == (1, 2, 3) and gray.dtype == ember.float32
    np.testing.assert_allclose(gray.numpy(), 0.25)
    assert ToTensor()(np.array([[True, False]])).tolist() == [[[1.0, 0.0]]]


def test_to_tensor_keeps_mask_labels_unscaled():
    image, mask = ToTensor()(np.zeros((2, 2, 3), np.uint8), np.array([[0, 7], [3, 1]], np.uint8))
    assert image.shape == (3, 2, 2)
    assert mask.shape == (2, 2) and mask.dtype == ember.uint8 and mask.tolist() == [[0, 7], [3, 1]]


def test_to_tensor_reads_pil_images():
    Image = pytest.importorskip("PIL.Image")
    pic = Image.fromarray(np.full((3, 4, 3), 51, np.uint8))
    np.testing.assert_allclose(ToTensor()(pic).numpy(), np.full((3, 3, 4), 0.2), rtol=1e-6)


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="ToTensor: expected an image to convert, got no input"):
        ToTensor()()
    with pytest.raises(TypeError, match="already an ember Tensor"):
        ToTensor()(ember.zeros(2, 2))
    with pytest.raises(TypeError, match="input 1 is a int; expected a NumPy array"):
        ToTensor()(3)
    with pytest.raises(ValueError, match=r"got shape \(1, 2, 2, 3\)"):
        ToTensor()(np.zeros((1, 2, 2, 3), np.uint8))
    with pytest.raises(TypeError, match="must be uint8 .* got dtype int32"):
        ToTensor()(np.zeros((2, 2), np.int32))


def test_normalize_per_channel():
    x = np.random.default_rng(1).random((3, 4, 4)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = Normalize(mean, std)(x)
    expected = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out.dtype == np.float32
    batch = np.stack([x, x])
    np.testing.assert_allclose(Normalize(mean, std)(batch)[1], expected, rtol=1e-6)


def test_normalize_tensor_inplace_and_mask_passthrough():
    x = ember.ones(2, 2, 2)
    out = Normalize([0.5, 0.0], [0.5, 1.0])(x)
    assert isinstance(out, ember.Tensor) and out.tolist() == [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]
    arr = np.ones((1, 2, 2), np.float32)
    Normalize([1.0], [1.0], inplace=True)(arr)
    assert arr.sum() == 0
    mask = np.ones((2, 2), np.int64)
    _, same = Normalize([0.5], [0.5])(np.ones((1, 2, 2), np.float32), mask)
    assert same is mask


def test_normalize_errors():
    with pytest.raises(ValueError, match="mean has 3 values but std has 1"):
        Normalize([0, 0, 0], [1])
    with pytest.raises(ValueError, match="contains a zero"):
        Normalize([0], [0])
    with pytest.raises(TypeError, match="expected a float image, got dtype uint8"):
        Normalize([0], [1])(np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(ValueError, match=r"3 mean/std values for an image of shape \(2, 2, 2\)"):
        Normalize([0, 0, 0], [1, 1, 1])(np.zeros((2, 2, 2), np.float32))
