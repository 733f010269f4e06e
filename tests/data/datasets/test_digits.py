import numpy as np
import pytest

from ember.data.datasets import digits, load_digits


def test_all_digits_shape_dtype_range_and_classes():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # every value is a count of 0..16 on-pixels divided by 16
    np.testing.assert_array_equal(images * 16, np.round(images * 16))


def test_the_first_digit_is_a_zero_with_its_known_pixels():
    images, labels = load_digits()
    assert labels[0] == 0
    np.testing.assert_array_equal(images[0, 0] * 16, [0, 0, 5, 13, 9, 1, 0, 0])


def test_fixed_split_is_disjoint_complete_and_stable():
    train_x, train_y = load_digits("train")
    test_x, test_y = load_digits(split="test")
    assert len(train_y) == 1438 and len(test_y) == 359
    all_x, _ = load_digits()
    rows = {r.tobytes() for r in all_x}
    assert {r.tobytes() for r in train_x} | {r.tobytes() for r in test_x} == rows
    np.testing.assert_array_equal(load_digits("train")[0], train_x)
    assert set(test_y.tolist()) == set(range(10))


def test_returns_fresh_arrays():
    images, _ = load_digits()
    images[:] = 5
    assert load_digits()[0].max() == 1.0


def test_errors(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="split must be None, 'train' or 'test', got 'val'"):
        load_digits("val")
    monkeypatch.setattr(digits, "DIGITS_FILE", tmp_path / "digits.npz")
    with pytest.raises(FileNotFoundError, match="digits.npz is missing from this ember installation"):
        load_digits()
