import numpy as np
import pytest

import ember
from ember.data.transforms import RandomErasing


def test_erases_one_rectangle_of_the_drawn_area():
    for _ in range(20):
        out = RandomErasing(p=1.0, scale=(0.1, 0.2), ratio=(0.5, 2.0))(np.ones((3, 20, 20), np.float32))
        erased = out[0] == 0
        rows, cols = np.nonzero(erased)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert erased.sum() == box  # one solid rectangle
        assert 0.1 * 400 - 10 <= box <= 0.2 * 400 + 10
        assert (out[:, erased] == 0).all()


def test_value_per_channel_random_and_inplace():
    out = RandomErasing(p=1.0, value=(1, 2, 3))(np.zeros((3, 10, 10)))
    assert set(np.unique(out[2])) == {0, 3} and set(np.unique(out[0])) == {0, 1}
    noisy = RandomErasing(p=1.0, scale=(0.3, 0.3), value="random")(np.zeros((3, 10, 10), np.float32))
    assert noisy.std() > 0.1 and noisy.dtype == np.float32
    x = np.ones((1, 10, 10))
    RandomErasing(p=1.0, inplace=True)(x)
    assert x.min() == 0


def test_probability_fallback_masks_and_tensors():
    x = np.ones((1, 8, 8))
    assert RandomErasing(p=0.0)(x) is x
    np.testing.assert_array_equal(RandomErasing(p=1.0, scale=(1, 1), ratio=(1, 1))(x), x)  # never fits
    mask = np.ones((8, 8), np.int64)
    out, same = RandomErasing(p=1.0)(ember.ones(1, 8, 8), mask)
    assert isinstance(out, ember.Tensor) and out.numpy().min() == 0 and same is mask
    hits = sum(RandomErasing(p=0.25)(x).min() == 0 for _ in range(800))
    assert abs(hits / 800 - 0.25) < 0.05


def test_erasing_errors():
    with pytest.raises(ValueError, match=r"RandomErasing: scale is a fraction .* within \[0, 1\]"):
        RandomErasing(scale=(0.5, 2))
    with pytest.raises(ValueError, match="ratio must be positive"):
        RandomErasing(ratio=(0, 1))
    with pytest.raises(ValueError, match="value as a string must be 'random'"):
        RandomErasing(value="noise")
    with pytest.raises(ValueError, match=r"expected an image of shape \(C, H, W\), got shape \(8, 8\)"):
        RandomErasing(p=1.0)(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="value has 2 entries but the image has 3 channels"):
        RandomErasing(p=1.0, value=(1, 2))(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="p is the probability"):
        RandomErasing(p=-0.1)
