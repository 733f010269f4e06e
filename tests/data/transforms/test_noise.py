import numpy as np
import pytest

import ember
from ember.data.transforms import GaussianNoise


def test_noise_statistics_without_clipping():
    x = np.full((1, 300, 300), 0.5, np.float32)
    noise = GaussianNoise(mean=0.1, sigma=0.2, clip=False)(x) - x
    assert noise.dtype == np.float32
    assert abs(noise.mean() - 0.1) < 0.005 and abs(noise.std() - 0.2) < 0.005


def test_clipping_keeps_unit_range_and_tensor_kind():
    out = GaussianNoise(sigma=1.0)(ember.full((1, 50, 50), 0.5))
    assert isinstance(out, ember.Tensor)
    values = out.numpy()
    assert values.min() == 0.0 and values.max() == 1.0


def test_reproducible_and_mask_untouched():
    x, mask = np.zeros((1, 4, 4), np.float32), np.ones((4, 4), np.int64)
    ember.manual_seed(11)
    a, same = GaussianNoise(clip=False)(x, mask)
    ember.manual_seed(11)
    b = GaussianNoise(clip=False)(x)
    np.testing.assert_array_equal(a, b)
    assert same is mask and np.abs(a).sum() > 0


def test_noise_errors():
    with pytest.raises(ValueError, match="GaussianNoise: sigma .* must be non-negative, got -1"):
        GaussianNoise(sigma=-1)
    with pytest.raises(TypeError, match="expected a float image .* got dtype uint8"):
        GaussianNoise()(np.zeros((1, 2, 2), np.uint8))
