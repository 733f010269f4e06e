import colorsys

import numpy as np
import pytest

import ember
from ember.data.transforms import ColorJitter
from ember.data.transforms.color import adjust_brightness, adjust_contrast

LUMA = np.array([0.2989, 0.587, 0.114])


def _rgb(seed=0, shape=(3, 6, 7)):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def test_brightness_scales_and_clips():
    x = _rgb()
    np.testing.assert_allclose(ColorJitter(brightness=(2, 2))(x), np.clip(2 * x, 0, 1), rtol=1e-6)
    u8 = np.array([[[3, 101, 255]]], np.uint8)
    assert ColorJitter(brightness=(0.5, 0.5))(u8).tolist() == [[[1, 50, 127]]]


def test_contrast_zero_gives_the_mean_gray_level():
    x = _rgb()
    out = ColorJitter(contrast=(0, 0))(x)
    np.testing.assert_allclose(out, np.tensordot(LUMA, x, axes=1).mean(), rtol=1e-5)
    gray = np.random.default_rng(1).random((1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(ColorJitter(contrast=(0, 0))(gray), gray.mean(), rtol=1e-5)


def test_saturation_zero_gives_grayscale():
    x = _rgb()
    out = ColorJitter(saturation=(0, 0))(x)
    np.testing.assert_allclose(out, np.broadcast_to(np.tensordot(LUMA, x, axes=1), x.shape), rtol=1e-5)


def test_hue_shift_matches_colorsys():
    x = _rgb(2, (3, 5, 5))
    out = ColorJitter(hue=(0.25, 0.25))(x)
    for i in range(5):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
            np.testing.assert_allclose(out[:, i, j], colorsys.hsv_to_rgb((h + 0.25) % 1, s, v), atol=1e-5)
    u8 = (x * 255).astype(np.uint8)
    out8 = ColorJitter(hue=(0.25, 0.25))(u8)
    assert out8.dtype == np.uint8
    np.testing.assert_allclose(out8, ColorJitter(hue=(0.25, 0.25))(u8 / np.float32(255)) * 255, atol=1.01)


def test_random_order_uses_both_orders_and_is_reproducible():
    x = np.linspace(0.3, 0.9, 3 * 4 * 4, dtype=np.float32).reshape(3, 4, 4)
    brightness_first = adjust_contrast(adjust_brightness(x, 1.5), 0.5)
    contrast_first = adjust_brightness(adjust_contrast(x, 0.5), 1.5)
    assert not np.allclose(brightness_first, contrast_first)  # clipping makes the order matter
    t = ColorJitter(brightness=(1.5, 1.5), contrast=(0.5, 0.5))
    seen = set()
    for seed in range(12):
        ember.manual_seed(seed)
        out = t(x)
        ember.manual_seed(seed)
        np.testing.assert_array_equal(out, t(x))
        if np.allclose(out, brightness_first):
            seen.add("brightness first")
        elif np.allclose(out, contrast_first):
            seen.add("contrast first")
    assert seen == {"brightness first", "contrast first"}


def test_factors_are_drawn_from_the_range():
    x = np.full((1, 2, 2), 0.25, np.float32)
    values = [float(ColorJitter(brightness=0.5)(x)[0, 0, 0]) for _ in range(300)]
    assert 0.125 <= min(values) < 0.14 and 0.36 < max(values) <= 0.375


def test_off_settings_leave_the_image_and_masks_pass_through():
    x, mask = _rgb(), np.ones((6, 7), np.int64)
    np.testing.assert_array_equal(ColorJitter(brightness=0, hue=0)(x), x)
    out, same = ColorJitter(brightness=0.5)(x, mask)
    assert same is mask and out.shape == x.shape


def test_color_jitter_errors():
    with pytest.raises(ValueError, match="ColorJitter: brightness as a single number must be non-negative"):
        ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match=r"contrast must be a number or a \(min, max\) pair"):
        ColorJitter(contrast=(1, 2, 3))
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        ColorJitter(hue=0.6)
    with pytest.raises(ValueError, match=r"saturation and hue need an RGB image .* got shape \(2, 3, 3\)"):
        ColorJitter(saturation=0.5)(np.zeros((2, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected an image of shape \(C, H, W\), got shape \(3, 3\)"):
        ColorJitter(contrast=0.5)(np.zeros((3, 3), np.float32))
