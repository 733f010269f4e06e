import math
import operator

import numpy as np
import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
OPERATORS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
             "gt": operator.gt, "ge": operator.ge}


def _pair(values, dtype=None):
    """The same values as an ember and a torch tensor (built from one NumPy array)."""
    a = np.asarray(values, dtype=dtype)
    return ember.tensor(a), (torch.tensor(a) if torch is not None else None)


def _same(e, t):
    assert isinstance(e, ember.Tensor)
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{e.dtype} != {t.dtype}"
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@needs_torch
@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons_match_torch(op):
    rng = np.random.default_rng(0)
    a = rng.integers(-2, 3, size=(3, 4)).astype(np.float32)
    cases = [(a, a[0]), (a, rng.integers(-2, 3, size=(2, 1, 4)).astype(np.float64)),
             (a[:, :1], np.float32(1.0) + a[0]), (np.array(1.0), a),
             (a.astype(np.int64), a[1]), (a > 0, a[2] > 0), (a.astype(np.int32), a.astype(np.int64))]
    for x, y in cases:
        got = getattr(ember, op)(ember.tensor(x), ember.tensor(y))
        _same(got, getattr(torch, op)(torch.tensor(x), torch.tensor(y)))
        _same(OPERATORS[op](ember.tensor(x), ember.tensor(y)),
              OPERATORS[op](torch.tensor(x), torch.tensor(y)))


@needs_torch
@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("number", [1, 1.5, -0.5, True])
def test_comparisons_with_numbers_match_torch(op, number):
    for values in ([[0, 1, 2], [-1, 1, 3]], [[0.5, 1.0, 1.5]], [True, False]):
        x, tx = _pair(values)
        _same(getattr(x, op)(number), getattr(tx, op)(number))
        _same(OPERATORS[op](number, x), OPERATORS[op](number, tx))  # reflected: 2 < x


def test_int_tensor_compared_with_a_float_compares_in_float():
    x = ember.tensor([1, 2, 3])
    assert (x == 2.0).tolist() == [False, True, False]
    assert (x < 2.5).tolist() == [True, True, False]
    assert (x > 1.5).dtype == ember.bool


def test_comparisons_carry_no_gradient_and_handle_nan():
    x = ember.tensor([math.nan, 1.0, 2.0], requires_grad=True)
    for op in COMPARISONS:
        y = getattr(ember, op)(x, 1.0)
        assert y.dtype == ember.bool and not y.requires_grad and y.grad_fn is None
    assert (x == x).tolist() == [False, True, True]
    assert (x != x).tolist() == [True, False, False]


def test_zero_dim_comparisons_give_zero_dim_tensors():
    y = ember.tensor(2.0) > 1
    assert isinstance(y, ember.Tensor) and y.shape == () and y.dtype == ember.bool and y.item() is True


def test_aliases():
    x = ember.tensor([1, 2, 3])
    for alias, op in [("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                      ("less_equal", "le"), ("not_equal", "ne")]:
        assert getattr(ember, alias)(x, 2).tolist() == getattr(ember, op)(x, 2).tolist()


def test_comparison_errors():
    x = ember.ones(3)
    with pytest.raises(RuntimeError, match=r"lt: shapes \(3,\) and \(4,\) can't be broadcast together"):
        _ = x < ember.ones(4)
    with pytest.raises(TypeError, match="eq: expected a Tensor or a number, got str"):
        ember.eq(x, "1")
    with pytest.raises(TypeError, match="gt: expected at least one Tensor, got int and float"):
        ember.gt(1, 2.0)


# ---------------------------------------------------------------- equal, isclose, allclose
@needs_torch
def test_equal_matches_torch():
    cases = [([1.0, 2.0], [1.0, 2.0], None, None), ([1.0, 2.0], [1.0, 3.0], None, None),
             ([1.0], [[1.0]], None, None), ([1, 2], [1.0, 2.0], "int64", "float32"),
             ([math.nan], [math.nan], None, None), ([True, False], [1, 0], "bool", "int64")]
    for a, b, da, db in cases:
        (x, tx), (y, ty) = _pair(a, da), _pair(b, db)
        assert ember.equal(x, y) is torch.equal(tx, ty)
        assert x.equal(y) is torch.equal(tx, ty)


def test_equal_errors():
    with pytest.raises(TypeError, match="equal: other must be a Tensor, got list"):
        ember.equal(ember.ones(2), [1.0, 1.0])


ISCLOSE_A = [1.0, 1.0, math.inf, math.inf, math.nan, -math.inf, 0.0, 1e-9, 100.0]
ISCLOSE_B = [1.0 + 1e-6, 1.1, math.inf, -math.inf, math.nan, -math.inf, 1e-9, 0.0, 100.001]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", [{}, {"equal_nan": True}, {"rtol": 0.1}, {"rtol": 0, "atol": 0},
                                    {"atol": 1e-3}])
def test_isclose_and_allclose_match_torch(dtype, kwargs):
    (x, tx), (y, ty) = _pair(ISCLOSE_A, dtype), _pair(ISCLOSE_B, dtype)
    _same(ember.isclose(x, y, **kwargs), torch.isclose(tx, ty, **kwargs))
    for a, b in zip(ISCLOSE_A, ISCLOSE_B):
        (xi, txi), (yi, tyi) = _pair(a, dtype), _pair(b, dtype)
        assert ember.allclose(xi, yi, **kwargs) is torch.allclose(txi, tyi, **kwargs)
    assert x.allclose(x, **kwargs) is torch.allclose(tx, tx, **kwargs)


@needs_torch
def test_isclose_integers_bools_and_broadcasting():
    (x, tx), (y, ty) = _pair([1, 2, 10]), _pair([1, 3, 12])
    _same(ember.isclose(x, y, rtol=0.2), torch.isclose(tx, ty, rtol=0.2))
    (b, tb) = _pair([True, False])
    _same(ember.isclose(b, b), torch.isclose(tb, tb))
    (r, tr), (m, tm) = _pair(np.ones(3)), _pair(np.ones((2, 3)))
    _same(ember.isclose(r, m), torch.isclose(tr, tm))
    assert ember.allclose(r, m) is True


def test_allclose_returns_a_python_bool():
    a = ember.tensor([1.0, 2.0])
    assert ember.allclose(a, a + 1e-7) is True
    assert ember.allclose(a, a + 1e-3) is False


def test_isclose_errors():
    f32, f64 = ember.ones(2), ember.ones(2, dtype=ember.float64)
    with pytest.raises(TypeError, match=r"isclose: both tensors must have the same dtype, got "
                                        r"ember.float32 and ember.float64; convert one"):
        ember.isclose(f32, f64)
    with pytest.raises(TypeError, match="isclose: both tensors must have the same dtype"):
        ember.allclose(f32, f64)
    with pytest.raises(ValueError, match=r"isclose: rtol and atol must be >= 0, got rtol=-1"):
        ember.isclose(f32, f32, rtol=-1)
    with pytest.raises(TypeError, match="isclose: other must be a Tensor, got float"):
        ember.isclose(f32, 1.0)
    with pytest.raises(RuntimeError, match=r"isclose: shapes \(2,\) and \(3,\) can't be broadcast"):
        ember.isclose(f32, ember.ones(3))


# ---------------------------------------------------------------- bitwise and logical
BITWISE = {"bitwise_and": operator.and_, "bitwise_or": operator.or_, "bitwise_xor": operator.xor}


@needs_torch
@pytest.mark.parametrize("op", list(BITWISE))
def test_bitwise_matches_torch(op):
    b1, b2 = [True, False, True, False], [True, True, False, False]
    i1, i2 = [5, -3, 12, 0], [3, 6, -1, 7]
    cases = [(b1, b2, None, None), (i1, i2, None, None), (b1, i2, None, None),
             (i1, i2, "int32", "int64"), (i1, [[1], [2]], "uint8", "uint8")]
    for a, b, da, db in cases:
        a = np.abs(a) if da == "uint8" else a
        (x, tx), (y, ty) = _pair(a, da), _pair(b, db)
        _same(getattr(ember, op)(x, y), getattr(torch, op)(tx, ty))
        _same(BITWISE[op](x, y), BITWISE[op](tx, ty))
    for number in (True, 1, 6):
        for values in (b1, i1):
            x, tx = _pair(values)
            _same(BITWISE[op](x, number), BITWISE[op](tx, number))
            _same(getattr(ember, op)(number, x), getattr(torch, op)(number, tx))
            if op != "bitwise_xor":  # number ^ tensor: tested below
                _same(BITWISE[op](number, x), BITWISE[op](number, tx))


def test_reflected_xor_with_a_number():
    assert (True ^ ember.tensor([True, False])).tolist() == [False, True]


@needs_torch
def test_bitwise_not_matches_torch():
    for values in ([True, False], [5, -3, 0]):
        x, tx = _pair(values)
        _same(ember.bitwise_not(x), torch.bitwise_not(tx))
        _same(~x, ~tx)
    x, tx = _pair([5, 250, 0], "uint8")
    _same(~x, ~tx)


def test_bitwise_errors_name_the_dtype():
    f, i = ember.ones(2), ember.tensor([1, 2])
    with pytest.raises(TypeError, match=r"bitwise_and: only bool and integer tensors are supported, "
                                        r"got ember.float32 \(shape \(2,\)\) and ember.int64"):
        ember.bitwise_and(f, i)
    with pytest.raises(TypeError, match=r"bitwise_or: .* got ember.int64 \(shape \(2,\)\) and a "
                                        r"Python float"):
        _ = i | 1.5
    with pytest.raises(TypeError, match=r"bitwise_xor: only bool and integer .*\(x > 0\) & \(y > 0\)"):
        _ = i ^ f
    with pytest.raises(TypeError, match=r"bitwise_not: only bool and integer tensors are supported, "
                                        r"got ember.float32 .* logical_not"):
        _ = ~f
    with pytest.raises(TypeError, match="bitwise_not: expected a Tensor, got int"):
        ember.bitwise_not(3)
    with pytest.raises(RuntimeError, match=r"bitwise_and: shapes \(2,\) and \(3,\) can't be broadcast"):
        _ = i & ember.tensor([1, 2, 3])


@needs_torch
@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor"])
def test_logical_matches_torch(op):
    cases = [([True, False, True, False], [True, True, False, False]),
             ([0.0, 1.0, math.nan, -2.0], [1.0, 0.0, 1.0, 0.0]), ([0, 2, -1], [[1], [0]]),
             ([0.5, 0.0], [True, False])]
    for a, b in cases:
        (x, tx), (y, ty) = _pair(a), _pair(b)
        _same(getattr(ember, op)(x, y), getattr(torch, op)(tx, ty))
    x, tx = _pair([0.0, 1.0])
    _same(getattr(ember, op)(x, True), getattr(torch, op)(tx, torch.tensor(True)))


@needs_torch
def test_logical_not_matches_torch():
    for values in ([True, False], [0.0, 1.5, math.nan], [0, 3]):
        x, tx = _pair(values)
        _same(ember.logical_not(x), torch.logical_not(tx))
        _same(x.logical_not(), tx.logical_not())


def test_logical_errors():
    with pytest.raises(TypeError, match="logical_not: expected a Tensor, got list"):
        ember.logical_not([True])
    with pytest.raises(TypeError, match="logical_and: expected a Tensor or a number, got NoneType"):
        ember.logical_and(ember.tensor([True]), None)
    with pytest.raises(RuntimeError, match=r"logical_or: shapes \(2,\) and \(3,\) can't be broadcast"):
        ember.logical_or(ember.ones(2), ember.ones(3))
