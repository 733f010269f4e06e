import numpy as np
import pytest

import ember
from ember.data.transforms import RandomCrop, RandomResizedCrop


def _find_window(big, small):
    """(top, left) of every place where ``small`` occurs in ``big`` (last two axes)."""
    h, w = small.shape[-2:]
    return [(i, j) for i in range(big.shape[-2] - h + 1) for j in range(big.shape[-1] - w + 1)
            if np.array_equal(big[..., i:i + h, j:j + w], small)]


def test_random_crop_is_a_window_and_reaches_every_offset():
    x = np.random.default_rng(0).random((2, 6, 7)).astype(np.float32)
    seen = set()
    for _ in range(300):
        out = RandomCrop((4, 5))(x)
        assert out.shape == (2, 4, 5)
        (offset,) = _find_window(x, out)
        seen.add(offset)
    assert seen == {(i, j) for i in range(3) for j in range(3)}


def test_random_crop_padding_fill_per_channel():
    x = np.ones((3, 2, 2), np.float32)
    out = RandomCrop(4, padding=1, fill=(0.1, 0.2, 0.3))(x)
    assert out.shape == (3, 4, 4)
    np.testing.assert_allclose(out[:, 0, 0], [0.1, 0.2, 0.3], rtol=1e-6)
    np.testing.assert_array_equal(out[:, 1:3, 1:3], 1)


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric"])
def test_random_crop_padding_modes_match_numpy_pad(mode):
    x = np.random.default_rng(2).random((1, 5, 5))
    padded = np.pad(x, [(0, 0), (2, 3), (1, 0)], mode=mode)  # padding=(left 1, top 2, right 0, bottom 3)
    out = RandomCrop(5, padding=(1, 2, 0, 3), padding_mode=mode)(x)
    assert len(_find_window(padded, out)) >= 1


def test_random_crop_pad_if_needed_pads_both_sides():
    x = np.ones((1, 2, 3), np.uint8)
    for _ in range(10):
        # torchvision pads the shortfall (6 - 2 = 4 rows) on each side, then crops at random: the
        # two image rows are always inside the window
        out = RandomCrop((6, 3), pad_if_needed=True, fill=9)(x)
        assert out.shape == (1, 6, 3) and out.dtype == np.uint8
        assert sorted(out[0, :, 0].tolist()) == [1, 1, 9, 9, 9, 9]


def test_random_crop_mask_uses_zero_for_a_per_channel_fill():
    image, mask = np.ones((3, 2, 2)), np.ones((2, 2), np.int64)
    out_image, out_mask = RandomCrop(4, padding=1, fill=(5, 6, 7))(image, mask)
    assert out_mask[0, 0] == 0 and out_image[2, 0, 0] == 7
    _, out_mask = RandomCrop(4, padding=1, fill=255)(image, mask)
    assert out_mask[0, 0] == 255


def test_random_crop_errors():
    with pytest.raises(ValueError, match=r"RandomCrop: size must be a positive int or a \(height, width\)"):
        RandomCrop((2, 3, 4))
    with pytest.raises(ValueError, match="padding must be a non-negative int or a sequence of 1, 2 or 4"):
        RandomCrop(2, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        RandomCrop(2, padding_mode="wrap")
    with pytest.raises(ValueError,
                       match=r"crop size \(5, 5\) is larger than the \(padded\) image size \(4, 4\); pass"):
        RandomCrop(5)(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="fill has 2 values but the image of shape"):
        RandomCrop(4, padding=1, fill=(1, 2))(np.zeros((3, 2, 2)))


def test_random_resized_crop_shape_dtype_and_reproducibility():
    x = np.random.default_rng(3).integers(0, 256, (3, 40, 30), dtype=np.uint8)
    t = RandomResizedCrop((16, 12))
    ember.manual_seed(5)
    a = t(x)
    ember.manual_seed(5)
    b = t(x)
    assert a.shape == (3, 16, 12) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)


def test_random_resized_crop_draws_areas_in_scale_range():
    # A constant image with a bright border column reveals nothing; instead use a mask of pixel
    # indices: the nearest-resized mask's index range tells the crop box.
    index = np.arange(100 * 100).reshape(100, 100)
    t = RandomResizedCrop(100, scale=(0.25, 0.5), ratio=(1.0, 1.0))
    for _ in range(20):
        _, m = t(np.zeros((1, 100, 100), np.float32), index)
        rows, cols = m // 100, m % 100
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert 0.25 * 1e4 - 250 <= h * w <= 0.5 * 1e4 + 250 and abs(h - w) <= 1


def test_random_resized_crop_falls_back_to_a_central_crop():
    x = np.arange(10 * 100, dtype=np.float32).reshape(1, 10, 100)
    out = RandomResizedCrop(10, scale=(0.9, 1.0), ratio=(1.0, 1.0))(x)
    np.testing.assert_array_equal(out, x[..., :, 45:55])


def test_random_resized_crop_mask_keeps_its_labels():
    mask = np.random.default_rng(4).integers(0, 5, (32, 32))
    image = mask[None].astype(np.float32)
    for _ in range(5):
        out_image, out_mask = RandomResizedCrop(20, interpolation="bilinear")(image, mask)
        assert set(np.unique(out_mask)) <= set(range(5)) and out_mask.dtype == mask.dtype
        assert len(np.unique(out_image)) > 5  # the image itself is interpolated


def test_random_resized_crop_errors():
    with pytest.raises(ValueError, match=r"scale should be a \(min, max\) pair with min <= max"):
        RandomResizedCrop(8, scale=(0.9, 0.1))
    with pytest.raises(ValueError, match="scale and ratio must be positive"):
        RandomResizedCrop(8, ratio=(0.0, 1.0))
    with pytest.raises(ValueError, match=r"interpolation must be one of \('nearest', 'bilinear'\)"):
        RandomResizedCrop(8, interpolation="bicubic")
