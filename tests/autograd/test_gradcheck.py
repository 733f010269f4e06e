"""gradcheck and gradgradcheck: finite differences against autograd (API.md §2)."""

import numpy as np
import pytest

import ember
from ember.autograd import Function, gradcheck, gradgradcheck
from ember.autograd.gradcheck import GradcheckError


def _leaf(values):
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


class WrongMul(Function):
    """``x * y`` whose gradient for ``y`` is 1.5 times too large."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return gy * y, gy * x * 1.5


class CubeWithConstantBackward(Function):
    """``x**3`` with a right first derivative whose graph is cut: its double backward is wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xc = x.detach()
        return gy * 3 * xc * xc


def test_gradcheck_returns_true_for_correct_functions():
    x, w = _leaf([0.5, -1.0, 2.0]), _leaf([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
    assert gradcheck(lambda t: t * t * t, (x,)) is True
    assert gradcheck(lambda t, m: (t @ m) / (t * t + 1.0).sum(), (x, w)) is True
    assert gradcheck(lambda t: t.reshape(3, 1).expand(3, 4).permute(1, 0).mean(0), (x,)) is True


def test_gradcheck_accepts_a_single_tensor_and_several_outputs():
    x = _leaf([0.5, -1.0])
    assert gradcheck(lambda t: (t * 2, t * t), x)


def test_gradcheck_ignores_non_tensor_and_constant_inputs():
    x, c = _leaf([0.5, -1.0]), ember.tensor([3.0, 4.0], dtype=ember.float64)
    assert gradcheck(lambda t, k, d: t * k * d, (x, 2.0, c))


def test_gradcheck_leaves_the_input_unchanged():
    x = _leaf([0.5, -1.0, 2.0])
    gradcheck(lambda t: t * t, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), [0.5, -1.0, 2.0])


def test_gradcheck_raises_naming_the_input_and_element_for_a_wrong_backward():
    x, y = _leaf([1.0, 2.0, 3.0]), _leaf([4.0, 5.0, 6.0])
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch for input 1 \(shape \(3,\)\) at output "
                       r"element 2, input element 2: analytical 4\.5, numerical 3\b.*3 of 9 entries"):
        gradcheck(WrongMul.apply, (x, y))


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(WrongMul.apply, (_leaf([1.0]), _leaf([2.0])))


def test_gradcheck_raise_exception_false_returns_false():
    x, y = _leaf([1.0, 2.0]), _leaf([4.0, 5.0])
    assert gradcheck(WrongMul.apply, (x, y), raise_exception=False) is False


def test_gradcheck_tolerances_are_used():
    x, y = _leaf([1.0, 2.0]), _leaf([4.0, 5.0])
    assert gradcheck(WrongMul.apply, (x, y), atol=0.0, rtol=0.6)  # 1.5x is within 60%


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad.*requires_grad=True"):
        gradcheck(lambda t: t * 2, (ember.tensor([1.0], dtype=ember.float64),))


def test_gradcheck_warns_about_float32_inputs():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="gradcheck: input 0 is ember.float32, not float64"):
        assert gradcheck(lambda t: t * t, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def test_gradcheck_on_a_non_contiguous_input():
    base = ember.tensor(np.arange(6.0).reshape(2, 3), dtype=ember.float64)
    x = base.T.detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: t * t, (x,))


def test_gradgradcheck_returns_true_for_correct_functions():
    x, w = _leaf([0.5, -1.0, 2.0]), _leaf([1.5, 0.5, -2.0])
    assert gradgradcheck(lambda t: t * t * t, (x,)) is True
    assert gradgradcheck(lambda t, m: (t * m) / (m * m + 1.0), (x, w)) is True


def test_gradgradcheck_with_given_grad_outputs():
    x = _leaf([0.5, -1.0])
    v = ember.tensor([1.0, -2.0], dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(lambda t: t * t * t, (x,), (v,))


def test_gradgradcheck_catches_a_wrong_double_backward():
    x = _leaf([1.0, 2.0, 3.0])
    assert gradcheck(CubeWithConstantBackward.apply, (x,))  # first order is right
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch for input 0 .*analytical 0, numerical"):
        gradgradcheck(CubeWithConstantBackward.apply, (x,))
    assert gradgradcheck(CubeWithConstantBackward.apply, (x,), raise_exception=False) is False
