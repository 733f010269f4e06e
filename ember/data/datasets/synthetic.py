"""Seeded toy data sets for teaching and tests: XOR, moons, circles, spirals, linear regression.

Each returns NumPy arrays: float32 features ``X`` of shape ``(n_samples, n_features)`` and targets
``y`` (int64 class labels, or float32 values for regression). Give ``seed=`` (an int) or
``generator=`` (an ``ember.Generator``) for repeatable draws; with neither, the draws come from
ember's default generator, so ``ember.manual_seed`` makes them repeatable too.
"""

import numpy as np

from ember.backend.random import Generator, numpy_generator

__all__ = ["make_xor", "make_moons", "make_circles", "make_spirals", "make_regression"]


def _rng(seed, generator, name):
    if seed is not None and generator is not None:
        raise ValueError(f"{name}: give seed= or generator=, not both")
    if seed is not None:
        return np.random.default_rng(seed)
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{name}: generator must be an ember.Generator, got {type(generator).__name__}")
    return numpy_generator(generator)


def _check(n_samples, noise, name, minimum=1):
    if int(n_samples) != n_samples or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an int >= {minimum}, got {n_samples}")
    if noise is not None and noise < 0:
        raise ValueError(f"{name}: noise is a standard deviation and must be non-negative, got {noise}")
    return int(n_samples)


def _finish(X, y, noise, shuffle, rng):
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(np.float32), y.astype(np.int64)


def make_xor(n_samples=100, noise=0.0, seed=None, generator=None):
    """Points uniform in [-1, 1]^2, labelled 1 where exactly one coordinate is positive.

    ``noise`` (a standard deviation) is added to the points after labelling, blurring the border.

    Example::

        >>> from ember.data.datasets import make_xor
        >>> X, y = make_xor(4, seed=0)
        >>> X.shape, X.dtype, y.dtype
        ((4, 2), dtype('float32'), dtype('int64'))
    """
    n = _check(n_samples, noise, "make_xor")
    rng = _rng(seed, generator, "make_xor")
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] > 0) ^ (X[:, 1] > 0)
    return _finish(X, y, noise, False, rng)


def make_moons(n_samples=100, shuffle=True, noise=None, seed=None, generator=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``); label 0 is the upper moon.

    Args:
        n_samples: the total number of points, or a pair (upper moon, lower moon).
        noise: the standard deviation of Gaussian noise added to the points.

    Example::

        >>> from ember.data.datasets import make_moons
        >>> X, y = make_moons(100, noise=0.1, seed=0)
        >>> X.shape, int(y.sum())
        ((100, 2), 50)
    """
    outer, inner = _split(n_samples, "make_moons")
    rng = _rng(seed, generator, "make_moons")
    _check(outer + inner, noise, "make_moons")
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _finish(X, y, noise, shuffle, rng)


def make_circles(n_samples=100, shuffle=True, noise=None, seed=None, factor=0.8, generator=None):
    """A circle of radius 1 (label 0) around a circle of radius ``factor`` (label 1).

    Args:
        n_samples: the total number of points, or a pair (outer, inner).
        noise: the standard deviation of Gaussian noise added to the points.
        factor: the inner circle's radius, in [0, 1).

    Example::

        >>> import numpy as np
        >>> from ember.data.datasets import make_circles
        >>> X, y = make_circles(8, factor=0.5, shuffle=False, seed=0)
        >>> np.hypot(X[:, 0], X[:, 1]).round(3).tolist()
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor is the inner radius and must be in [0, 1), got {factor}")
    outer, inner = _split(n_samples, "make_circles")
    rng = _rng(seed, generator, "make_circles")
    _check(outer + inner, noise, "make_circles")
    t_out = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _finish(X, y, noise, shuffle, rng)


def make_spirals(n_samples=100, n_classes=2, noise=0.0, turns=1.0, shuffle=True, seed=None,
                 generator=None):
    """``n_classes`` interleaved spiral arms from the origin out to radius 1, one class per arm.

    Arm k's points sit at radius r in [0, 1] and angle ``2 pi (turns r + k / n_classes)``.

    Args:
        n_samples: the total number of points, shared as evenly as possible among the arms.
        n_classes: the number of arms (and classes).
        noise: the standard deviation of Gaussian noise added to the points.
        turns: how many times each arm winds around the origin.

    Example::

        >>> import numpy as np
        >>> from ember.data.datasets import make_spirals
        >>> X, y = make_spirals(300, n_classes=3, seed=0)
        >>> np.bincount(y).tolist()
        [100, 100, 100]
    """
    n = _check(n_samples, noise, "make_spirals")
    if int(n_classes) != n_classes or n_classes < 1:
        raise ValueError(f"make_spirals: n_classes must be a positive int, got {n_classes}")
    rng = _rng(seed, generator, "make_spirals")
    y = np.repeat(np.arange(n_classes), [n // n_classes + (k < n % n_classes) for k in range(n_classes)])
    r = np.concatenate([np.linspace(0.0, 1.0, int(np.sum(y == k))) for k in range(n_classes)])
    angle = 2 * np.pi * (turns * r + y / n_classes)
    X = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)
    return _finish(X, y, noise, shuffle, rng)


def make_regression(n_samples=100, n_features=100, n_informative=10, n_targets=1, bias=0.0, noise=0.0,
                    shuffle=True, coef=False, seed=None, generator=None):
    """A random linear regression problem: ``y = X @ w + bias + noise`` (scikit-learn's semantics).

    ``X`` is standard normal; only ``n_informative`` features (at most all) have nonzero weights (uniform in
    [0, 100)). Returns ``(X, y)``, or ``(X, y, w)`` with ``coef=True``; ``y`` is float32 of shape
    ``(n_samples,)`` when ``n_targets == 1``, else ``(n_samples, n_targets)``.

    Example::

        >>> from ember.data.datasets import make_regression
        >>> X, y, w = make_regression(50, n_features=3, n_informative=2, coef=True, seed=0)
        >>> X.shape, y.shape, int((w != 0).sum())
        ((50, 3), (50,), 2)
    """
    n = _check(n_samples, noise, "make_regression")
    for arg, value in (("n_features", n_features), ("n_targets", n_targets)):
        if int(value) != value or value < 1:
            raise ValueError(f"make_regression: {arg} must be a positive int, got {value}")
    if int(n_informative) != n_informative or n_informative < 0:
        raise ValueError(f"make_regression: n_informative must be a non-negative int, got {n_informative}")
    n_informative = min(int(n_informative), int(n_features))  # as scikit-learn: at most every feature
    rng = _rng(seed, generator, "make_regression")
    X = rng.standard_normal((n, n_features))
    w = np.zeros((n_features, n_targets))
    w[:n_informative] = 100 * rng.uniform(size=(n_informative, n_targets))
    y = X @ w + bias
    if noise:
        y += rng.normal(scale=noise, size=y.shape)
    if shuffle:
        rows, features = rng.permutation(n), rng.permutation(n_features)
        X, y = X[rows][:, features], y[rows]
        w = w[features]
    if n_targets == 1:
        y, w = y[:, 0], w[:, 0]
    X, y, w = X.astype(np.float32), y.astype(np.float32), w.astype(np.float32)
    return (X, y, w) if coef else (X, y)


def _split(n_samples, name):
    """``n_samples`` as (first group, second group): an int is halved (the second gets the odd one)."""
    if isinstance(n_samples, (tuple, list)):
        if len(n_samples) != 2 or any(int(s) != s or s < 0 for s in n_samples):
            raise ValueError(f"{name}: n_samples as a pair must be two non-negative ints, got {n_samples}")
        return int(n_samples[0]), int(n_samples[1])
    _check(n_samples, None, name)
    return int(n_samples) // 2, int(n_samples) - int(n_samples) // 2
