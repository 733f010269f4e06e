import numpy as np
import pytest

import ember
from ember.data.datasets import make_circles, make_moons, make_regression, make_spirals, make_xor


@pytest.mark.parametrize("make", [make_xor, make_moons, make_circles, make_spirals])
def test_classification_sets_are_seeded_and_typed(make):
    X, y = make(60, seed=3)
    assert X.shape == (60, 2) and X.dtype == np.float32 and y.shape == (60,) and y.dtype == np.int64
    X2, y2 = make(60, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    ember.manual_seed(1)
    a = make(60, noise=0.1)
    ember.manual_seed(1)
    b = make(60, noise=0.1)
    np.testing.assert_array_equal(a[0], b[0])
    g = ember.Generator().manual_seed(4)
    c = make(60, noise=0.1, generator=g)
    assert not np.array_equal(c[0], make(60, noise=0.1, generator=g)[0])  # the generator advanced


def test_xor_labels_follow_the_quadrants():
    X, y = make_xor(500, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    assert np.abs(X).max() <= 1


def test_moons_geometry():
    X, y = make_moons(101, shuffle=False, seed=0)
    assert y.tolist() == [0] * 50 + [1] * 51
    np.testing.assert_allclose(np.hypot(*X[:50].T), 1, rtol=1e-6)  # the upper moon: unit half circle
    np.testing.assert_allclose(np.hypot(X[50:, 0] - 1, X[50:, 1] - 0.5), 1, rtol=1e-6)
    X, y = make_moons((10, 30), seed=0)
    assert np.bincount(y).tolist() == [10, 30]


def test_circles_radii_and_noise():
    X, y = make_circles(200, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-5)
    noisy, _ = make_circles(2000, noise=0.05, shuffle=False, seed=0)
    assert abs(np.std(noisy - make_circles(2000, shuffle=False, seed=0)[0]) - 0.05) < 0.005


def test_spirals_arms_are_balanced_and_wind():
    X, y = make_spirals(301, n_classes=3, turns=1.5, shuffle=False, seed=0)
    assert np.bincount(y).tolist() == [101, 100, 100]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() <= 1 + 1e-6 and radius[y == 0][-1] == pytest.approx(1)


def test_regression_is_linear_in_informative_features():
    X, y, w = make_regression(200, n_features=6, n_informative=3, bias=2.0, coef=True, seed=0)
    assert X.dtype == y.dtype == w.dtype == np.float32 and y.shape == (200,)
    assert (w != 0).sum() == 3 and w.max() < 100
    np.testing.assert_allclose(y, X @ w + 2.0, rtol=1e-4, atol=1e-3)
    X, Y, W = make_regression(50, n_features=4, n_targets=2, noise=1.0, coef=True, seed=0)
    assert Y.shape == (50, 2) and W.shape == (4, 2) and (W != 0).all()  # n_informative=10 clipped to 4
    assert 0.5 < np.std(Y - X @ W) < 1.5


def test_synthetic_errors():
    with pytest.raises(ValueError, match="make_xor: n_samples must be an int >= 1, got 0"):
        make_xor(0)
    with pytest.raises(ValueError, match="make_moons: noise is a standard deviation .* got -1"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="give seed= or generator=, not both"):
        make_xor(10, seed=1, generator=ember.Generator())
    with pytest.raises(TypeError, match="generator must be an ember.Generator, got int"):
        make_xor(10, generator=3)
    with pytest.raises(ValueError, match=r"factor is the inner radius and must be in \[0, 1\), got 1"):
        make_circles(10, factor=1)
    with pytest.raises(ValueError, match="n_samples as a pair must be two non-negative ints"):
        make_moons((1, 2, 3))
    with pytest.raises(ValueError, match="make_spirals: n_classes must be a positive int, got 0"):
        make_spirals(10, n_classes=0)
    with pytest.raises(ValueError, match="make_regression: n_features must be a positive int, got 0"):
        make_regression(10, n_features=0)
    with pytest.raises(ValueError, match="n_informative must be a non-negative int, got -1"):
        make_regression(10, n_features=3, n_informative=-1)
