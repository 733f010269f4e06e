import numpy as np
import pytest

import ember
from ember.data.transforms import RandomAffine, RandomRotation


@pytest.mark.parametrize("size", [(4, 4), (5, 5)])
def test_rotation_by_90_degrees_is_rot90(size):
    x = np.random.default_rng(0).random((2,) + size)
    np.testing.assert_array_equal(RandomRotation((90, 90))(x), np.rot90(x, 1, axes=(-2, -1)))
    np.testing.assert_array_equal(RandomRotation((-90, -90))(x), np.rot90(x, -1, axes=(-2, -1)))
    np.testing.assert_allclose(RandomRotation((90, 90), interpolation="bilinear")(x),
                               np.rot90(x, 1, axes=(-2, -1)), atol=1e-12)


def test_rotation_expand_holds_the_whole_image():
    x = np.arange(24.0).reshape(1, 4, 6)
    np.testing.assert_array_equal(RandomRotation((90, 90), expand=True)(x), np.rot90(x, 1, axes=(-2, -1)))
    out = RandomRotation((45, 45), expand=True, fill=-1)(np.ones((1, 10, 10)))
    assert out.shape == (1, 16, 16) and out[0, 0, 0] == -1 and out[0, 8, 8] == 1


def test_rotation_fill_center_and_dtype():
    x = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3)
    # 180 degrees about the top-left pixel's centre keeps that pixel and sends the rest outside
    out = RandomRotation((180, 180), center=(0.5, 0.5), fill=200)(x)
    assert out.dtype == np.uint8 and out[0, 0, 0] == 1 and (out.ravel()[1:] == 200).all()
    rgb = RandomRotation((45, 45), fill=(1, 2, 3))(np.zeros((3, 8, 8), np.float32))
    assert rgb[:, 0, 0].tolist() == [1, 2, 3]


def test_rotation_moves_mask_with_image_and_keeps_labels():
    mask = np.random.default_rng(1).integers(1, 6, (12, 12))
    for seed in range(3):
        ember.manual_seed(seed)
        image, out_mask = RandomRotation(40)(mask[None].astype(np.float32), mask)
        np.testing.assert_array_equal(image[0], out_mask)  # nearest on both: identical
        _, out_mask = RandomRotation(40, interpolation="bilinear")(mask[None].astype(np.float32), mask)
        assert set(np.unique(out_mask)) <= set(range(6))


def test_rotation_tensor_and_reproducibility():
    x = ember.rand(3, 9, 9)
    ember.manual_seed(3)
    a = RandomRotation(30, interpolation="bilinear")(x)
    ember.manual_seed(3)
    b = RandomRotation(30, interpolation="bilinear")(x)
    assert isinstance(a, ember.Tensor) and a.tolist() == b.tolist()


def test_affine_identity_zoom_and_shear_closed_forms():
    x = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(RandomAffine(0)(x), x)
    zoom = RandomAffine(0, scale=(2, 2))(x)
    np.testing.assert_array_equal(zoom[0], x[0][[1, 1, 2, 2]][:, [1, 1, 2, 2]])
    y = np.arange(25.0).reshape(1, 5, 5)
    sheared = RandomAffine(0, shear=(45, 45), fill=-1)(y)
    for row in range(5):  # out[row, col] = in[row, col + (row - 2)]
        for col in range(5):
            src = col + row - 2
            assert sheared[0, row, col] == (y[0, row, src] if 0 <= src < 5 else -1)


def test_affine_translation_stays_within_bounds_and_goes_both_ways():
    x = np.zeros((1, 21, 21))
    x[0, 10, 10] = 1
    shifts = set()
    for _ in range(200):
        out = RandomAffine(0, translate=(0.2, 0.1))(x)
        (row,), (col,) = np.nonzero(out[0])
        assert abs(col - 10) <= 4 and abs(row - 10) <= 2
        shifts.add((np.sign(col - 10), np.sign(row - 10)))
    assert {(-1, -1), (1, 1), (-1, 1), (1, -1)} <= shifts


def test_affine_mask_follows_image():
    mask = np.random.default_rng(2).integers(0, 4, (10, 10))
    t = RandomAffine(25, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=(-10, 10, -5, 5))
    for seed in range(3):
        ember.manual_seed(seed)
        image, out_mask = t(mask[None].astype(np.float32), mask)
        np.testing.assert_array_equal(image[0], out_mask)


def test_geometry_errors():
    with pytest.raises(ValueError, match=r"RandomRotation: degrees as a single number must be non-negative"):
        RandomRotation(-10)
    with pytest.raises(ValueError, match=r"degrees must be a number or a \(min, max\) pair"):
        RandomRotation((10, 0))
    with pytest.raises(ValueError, match=r"center must be an \(x, y\) pair"):
        RandomRotation(10, center=(1, 2, 3))
    with pytest.raises(ValueError, match=r"translate must be a pair of fractions in \[0, 1\]"):
        RandomAffine(0, translate=(1.5, 0))
    with pytest.raises(ValueError, match=r"scale must be a \(min, max\) pair of positive factors"):
        RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="shear must be a number, or a sequence of 2 or 4 numbers"):
        RandomAffine(0, shear=(1, 2, 3))
    with pytest.raises(ValueError, match="shear as a single number must be non-negative"):
        RandomAffine(0, shear=-1)
