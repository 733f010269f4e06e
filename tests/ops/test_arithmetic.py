import operator

import numpy as np
import pytest

import ember
from tests.harness import check_op, torch

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ())]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS)
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_binary(op, shapes):
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
    check_op(fn, shapes=list(shapes))


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS)
def test_div(shapes):
    check_op(lambda a, b: a / b, shapes=list(shapes), low=0.5, high=2.0)


def test_alpha():
    check_op(lambda a, b: a.add(b, alpha=2.5), shapes=[(3,), (3,)])
    check_op(lambda a, b: a.sub(b, alpha=-0.5), shapes=[(3,), (2, 3)])


@pytest.mark.parametrize("scalar", [2.0, -1.5, 3])
def test_with_python_scalars(scalar):
    check_op(lambda a: a * scalar + scalar - a / scalar, shapes=[(4,)])
    check_op(lambda a: scalar - a, shapes=[(4,)])
    check_op(lambda a: scalar / a, shapes=[(4,)], low=0.5)


def test_neg():
    check_op(lambda a: -a, shapes=[(2, 3)])


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), ())])
def test_pow_tensor_tensor(shapes):
    check_op(lambda a, b: a ** b, shapes=list(shapes), low=0.5, high=2.0)


@pytest.mark.parametrize("exponent", [2, 3.0, 0.5, -1.0, 0])
def test_pow_scalar_exponent(exponent):
    check_op(lambda a: a ** exponent, shapes=[(5,)], low=0.5, high=2.0)


def test_rpow():
    check_op(lambda a: 2.0 ** a, shapes=[(5,)])


def test_remainder_and_floor_divide():
    check_op(lambda a, b: a % b, shapes=[(6,), (6,)], low=0.5, high=3.0, gradgrad=False)
    a = ember.tensor([5.0, -5.0, 7.5])
    np.testing.assert_allclose((a // 2).numpy(), [2.0, -3.0, 3.0])
    np.testing.assert_allclose((a % 2).numpy(), [1.0, 1.0, 1.5])


def test_promotion_follows_pytorch():
    f32 = ember.ones(3)
    i64 = ember.tensor([1, 2, 3])
    assert (f32 * 2.5).dtype == ember.float32
    assert (i64 * 2).dtype == ember.int64
    assert (i64 * 2.5).dtype == ember.float32
    assert (i64 / i64).dtype == ember.float32
    assert (f32 + ember.ones(3, dtype=ember.float64)).dtype == ember.float64
    assert (f32 + ember.tensor(1.0, dtype=ember.float64)).dtype == ember.float32
    assert (i64 + ember.tensor(1.5, dtype=ember.float64)).dtype == ember.float64
    assert (ember.tensor([True, False]) + 1).dtype == ember.int64
    assert (ember.ones(2, dtype=ember.float16) * 2.0).dtype == ember.float16


def test_mixed_dtype_gradient_has_input_dtype():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64


@pytest.mark.parametrize("op, name", [(operator.add, "add"), (operator.sub, "sub"), (operator.mul, "mul"),
                                      (operator.truediv, "div"), (operator.pow, "pow"),
                                      (operator.floordiv, "floor_divide"), (operator.mod, "remainder")])
def test_broadcast_error_names_the_op_and_shapes(op, name):
    # a RuntimeError as in PyTorch, naming the op, not NumPy's ValueError
    with pytest.raises(RuntimeError, match=rf"^{name}: shapes \(2, 3\) and \(4,\) can't be broadcast"):
        op(ember.ones(2, 3), ember.ones(4))
    with pytest.raises(RuntimeError, match=rf"^{name}: shapes \(4,\) and \(2, 3\)"):
        op(ember.ones(4, dtype=ember.float64), ember.ones(2, 3))  # the promoting path too


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_int_division_matches_torch():
    a, b = [7, -7, 4], [2, 2, -3]
    np.testing.assert_allclose((ember.tensor(a) / ember.tensor(b)).numpy(),
                               (torch.tensor(a) / torch.tensor(b)).numpy())


def test_mixed_dtype_double_backward_reaches_the_input():
    x = ember.tensor([1.0, 2.0], requires_grad=True)  # float32
    w = ember.tensor([3.0, 4.0], dtype=ember.float64, requires_grad=True)
    (gx,) = ember.autograd.grad((x * x * w).sum(), x, create_graph=True)
    (gw,) = ember.autograd.grad(gx.sum(), w)  # d/dw sum(2 x w) = 2x
    np.testing.assert_allclose(gw.numpy(), [2.0, 4.0])


def test_matmul_of_two_dtypes_raises_as_pytorch():
    with pytest.raises(RuntimeError, match=r"matmul: both inputs must have the same dtype, got "
                                           r"float64 \(2, 2\) and float32 \(2,\)"):
        ember.ones(2, 2, dtype=ember.float64) @ ember.ones(2)
