import numpy as np
import pytest

import ember
from ember.data.transforms import RandomHorizontalFlip, RandomVerticalFlip


def test_flips_mirror_the_right_axis():
    x = np.arange(12).reshape(1, 3, 4)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomVerticalFlip(p=1.0)(x), x[..., ::-1, :])
    out = RandomHorizontalFlip(p=1.0)(ember.tensor(x))
    assert out.tolist() == x[..., ::-1].tolist()


def test_flip_result_does_not_alias_the_input():
    x = np.zeros((1, 2, 2))
    out = RandomHorizontalFlip(p=1.0)(x)
    out[...] = 1
    assert x.sum() == 0


def test_flip_probability_and_joint_mask():
    x = np.arange(4.0).reshape(1, 1, 4)
    mask = np.arange(4).reshape(1, 4)
    flips = 0
    for _ in range(2000):
        image, m = RandomHorizontalFlip(p=0.3)(x, mask)
        np.testing.assert_array_equal(image[0], m)
        flips += int(m[0, 0] == 3)
    assert abs(flips / 2000 - 0.3) < 0.04


def test_probability_must_be_in_unit_interval():
    with pytest.raises(ValueError, match=r"RandomVerticalFlip: p is the probability .* in \[0, 1\], got 2"):
        RandomVerticalFlip(p=2)
