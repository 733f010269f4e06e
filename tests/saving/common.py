"""What the saving tests share: a checkpoint-like object and an exact deep comparison."""

import collections
import math

import numpy as np

import ember


def sample_object():
    """Every kind of value ember.save stores, with the types that must survive."""
    w = ember.randn(3, 2, requires_grad=True)
    return {
        "model": collections.OrderedDict([("fc.weight", w), ("fc.bias", ember.zeros(2))]),
        "dtypes": [ember.tensor([1, 2], dtype=d) for d in
                   (ember.float16, ember.float64, ember.int8, ember.int32, ember.int64, ember.uint8,
                    ember.bool)],
        "shared": (w, w),
        7: {"inf": float("inf"), "-inf": float("-inf"), "nan": float("nan"), "neg0": -0.0, "big": 2 ** 70},
        "array": np.arange(12.0).reshape(3, 4)[:, ::2],  # not contiguous
        "scalars": [np.float32(1.5), np.int64(-3), ember.tensor(2.5)],
        "empty": ember.zeros(0, 3),
        "plain": ["text", True, False, None, 0.1, 3, ()],
    }


def assert_same(a, b, where="obj"):
    """``a`` and ``b`` are equal in value, type, dtype, shape, requires_grad and key order."""
    assert type(a) is type(b), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in a:
            assert type(k) is type(next(kb for kb in b if kb == k)), f"{where}: key type of {k!r}"
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, ember.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad, where
        assert a._data.tobytes() == b._data.tobytes(), where
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    elif isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b), where
    else:
        assert a == b, where
