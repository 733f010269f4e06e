"""ember.autograd.functional against torch.autograd.functional: values, shapes, tuple conventions."""

import numpy as np
import pytest

import ember
from ember.autograd import Function, once_differentiable
from ember.autograd import functional as AF
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
TF = torch.autograd.functional if torch is not None else None

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (3,))
Y = RNG.uniform(-1, 1, (2, 3))
V3 = RNG.uniform(-1, 1, (3,))
V23 = RNG.uniform(-1, 1, (2, 3))


def _e(a, requires_grad=False):
    return ember.tensor(a, dtype=ember.float64, requires_grad=requires_grad)


def _t(a, requires_grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)


def _assert_same(result, expected, *, differentiable=False):
    """``result`` (ember) and ``expected`` (torch) have the same nesting, shapes and values."""
    if isinstance(expected, tuple):
        assert isinstance(result, tuple) and len(result) == len(expected), (result, expected)
        for r, e in zip(result, expected):
            _assert_same(r, e, differentiable=differentiable)
        return
    assert isinstance(result, ember.Tensor), type(result)
    assert tuple(result.shape) == tuple(expected.shape)
    assert result.requires_grad == differentiable
    np.testing.assert_allclose(result.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)


# Functions written so that the same code runs on ember and torch tensors.
def f_vec(x):
    return x * x * x + x.exp()  # (3,) -> (3,)


def f_scalar(x):
    return (x * x.sin()).sum() + (x * x * x).sum()  # (3,) -> ()


def f_two_in_two_out(x, y):
    return (y * x).sum(1), x * x * y.sum()  # (3,), (2, 3) -> (2,), (3,)


def f_two_in_scalar(x, y):
    return ((y @ x) * (y @ x)).sum() + (x * x * x).sum()  # -> ()


def f_matrix(y):
    return y.tanh() @ y.T  # (2, 3) -> (2, 2)


@needs_torch
@pytest.mark.parametrize("fn, inputs, as_tuple", [
    (f_vec, (X,), False),
    (f_vec, (X,), True),
    (f_matrix, (Y,), False),
    (f_matrix, (Y,), True),
    (f_scalar, (X,), False),
    (f_scalar, (X,), True),
    (f_two_in_two_out, (X, Y), True),
])
def test_jacobian_matches_torch(fn, inputs, as_tuple):
    e_in = tuple(_e(a) for a in inputs)
    t_in = tuple(_t(a) for a in inputs)
    if not as_tuple:
        e_in, t_in = e_in[0], t_in[0]
    _assert_same(AF.jacobian(fn, e_in), TF.jacobian(fn, t_in))


@needs_torch
def test_jacobian_shapes_are_output_then_input():
    jac = AF.jacobian(f_two_in_two_out, (_e(X), _e(Y)))
    assert [[tuple(j.shape) for j in row] for row in jac] == [[(2, 3), (2, 2, 3)], [(3, 3), (3, 2, 3)]]


@needs_torch
def test_jacobian_vectorize_gives_the_same_result():
    _assert_same(AF.jacobian(f_matrix, _e(Y), vectorize=True), TF.jacobian(f_matrix, _t(Y)))


@needs_torch
def test_jacobian_create_graph_is_differentiable():
    x, tx = _e(X, True), _t(X, True)
    jac = AF.jacobian(f_vec, x, create_graph=True)
    tjac = TF.jacobian(f_vec, tx, create_graph=True)
    _assert_same(jac, tjac, differentiable=True)
    (jac * jac).sum().backward()
    (tjac * tjac).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_jacobian_does_not_touch_the_callers_graph():
    x = _e(X, True)
    jac = AF.jacobian(f_vec, x)
    assert not jac.requires_grad and x.grad is None
    y = x * 2
    jac = AF.jacobian(f_vec, y)  # a non-leaf input is detached inside
    assert not jac.requires_grad and x.grad is None


def test_jacobian_of_an_unused_input_is_zero():
    jac = AF.jacobian(lambda a, b: a * 2, (_e(X), _e(Y)))
    np.testing.assert_array_equal(jac[1].numpy(), np.zeros((3, 2, 3)))
    np.testing.assert_array_equal(jac[0].numpy(), 2 * np.eye(3))


def test_jacobian_of_an_output_without_grad_is_zero():
    jac = AF.jacobian(lambda a: (a * 2, ember.ones(2, dtype=ember.float64)), _e(X))
    np.testing.assert_array_equal(jac[1].numpy(), np.zeros((2, 3)))


def test_jacobian_of_an_empty_output():
    jac = AF.jacobian(lambda a: a.reshape(3, 1)[:, :0] * 1, _e(X))
    assert tuple(jac.shape) == (3, 0, 3)


def test_jacobian_strict_errors():
    with pytest.raises(RuntimeError, match="jacobian: output 0 of the function is independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (_e(X), _e(Y)), strict=True)
    with pytest.raises(RuntimeError, match="jacobian: output 1 of the function does not require grad"):
        AF.jacobian(lambda a: (a * 2, ember.ones(2)), _e(X), strict=True)
    with pytest.raises(RuntimeError, match="jacobian: the jacobian of output 0 does not depend on input 0"):
        AF.jacobian(lambda a: a * 2, _e(X), strict=True, create_graph=True)
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True are not supported together"):
        AF.jacobian(f_vec, _e(X), strict=True, vectorize=True)


def test_input_type_errors():
    with pytest.raises(TypeError, match="jacobian: the inputs must be a Tensor or a tuple of Tensors, but "
                       "the value at index 1 has type float"):
        AF.jacobian(f_two_in_two_out, (_e(X), 1.0))
    with pytest.raises(TypeError, match="vjp: the inputs must be a Tensor.*given inputs has type ndarray"):
        AF.vjp(f_scalar, X)
    with pytest.raises(TypeError, match="jvp: the outputs of the function must be a Tensor.*float"):
        AF.jvp(lambda a: 1.0, _e(X), _e(V3))


# ---- hessian ----
@needs_torch
@pytest.mark.parametrize("as_tuple", [False, True])
def test_hessian_matches_torch(as_tuple):
    e_in, t_in = (_e(X),), (_t(X),)
    if not as_tuple:
        e_in, t_in = e_in[0], t_in[0]
    _assert_same(AF.hessian(f_scalar, e_in), TF.hessian(f_scalar, t_in))


@needs_torch
def test_hessian_of_two_inputs_matches_torch():
    h = AF.hessian(f_two_in_scalar, (_e(X), _e(Y)))
    _assert_same(h, TF.hessian(f_two_in_scalar, (_t(X), _t(Y))))
    assert [[tuple(b.shape) for b in row] for row in h] == [[(3, 3), (3, 2, 3)], [(2, 3, 3), (2, 3, 2, 3)]]


@needs_torch
def test_hessian_create_graph():
    x, tx = _e(X, True), _t(X, True)
    h = AF.hessian(f_scalar, x, create_graph=True)
    th = TF.hessian(f_scalar, tx, create_graph=True)
    _assert_same(h, th, differentiable=True)
    h.sum().backward()
    th.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_hessian_of_a_quadratic_form_is_the_symmetric_matrix():
    a = RNG.standard_normal((3, 3))
    h = AF.hessian(lambda x: (x * (_e(a) @ x)).sum(), _e(X))
    np.testing.assert_allclose(h.numpy(), a + a.T, rtol=1e-12)


def test_hessian_errors():
    with pytest.raises(RuntimeError, match="hessian: the function should return a single Tensor, got a "
                       "tuple of 2"):
        AF.hessian(lambda a: (a.sum(), a.sum()), _e(X))
    with pytest.raises(RuntimeError, match=r"hessian: the function should return a single-element Tensor, "
                       r"got shape \(3,\).*\.sum\(\)"):
        AF.hessian(lambda a: a * a, _e(X))
    with pytest.raises(RuntimeError, match="hessian: the jacobian of the function with respect to input 0 is "
                       "independent of the input"):
        AF.hessian(lambda a: (a * 2).sum(), _e(X), strict=True)


# ---- vjp / jvp ----
@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp_matches_torch(create_graph):
    e_out = AF.vjp(f_vec, _e(X, True), _e(V3), create_graph=create_graph)
    t_out = TF.vjp(f_vec, _t(X, True), _t(V3), create_graph=create_graph)
    _assert_same(e_out, t_out, differentiable=create_graph)


@needs_torch
def test_vjp_of_several_inputs_and_outputs_matches_torch():
    v = (_e(RNG.standard_normal(2)), _e(V3))
    tv = tuple(torch.tensor(a.numpy()) for a in v)
    _assert_same(AF.vjp(f_two_in_two_out, (_e(X), _e(Y)), v),
                 TF.vjp(f_two_in_two_out, (_t(X), _t(Y)), tv))


@needs_torch
def test_vjp_of_a_scalar_output_needs_no_v():
    _assert_same(AF.vjp(f_scalar, _e(X)), TF.vjp(f_scalar, _t(X)))
    _assert_same(AF.vjp(f_scalar, (_e(X),)), TF.vjp(f_scalar, (_t(X),)))


def test_vjp_of_an_unused_input_is_zero_unless_strict():
    _, (ga, gb) = AF.vjp(lambda a, b: (a * a).sum(), (_e(X), _e(Y)))
    np.testing.assert_array_equal(gb.numpy(), np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="vjp: the gradient of the outputs with respect to input 1 is zero "
                       r"\(nothing connects them\); this is not allowed in strict mode"):
        AF.vjp(lambda a, b: (a * a).sum(), (_e(X), _e(Y)), strict=True)


def test_vjp_strict_create_graph_rejects_a_linear_function():
    with pytest.raises(RuntimeError, match="vjp: the gradient of the outputs with respect to input 0 is a "
                       "constant, so it can't be differentiated further"):
        AF.vjp(lambda a: (a * 2).sum(), _e(X), strict=True, create_graph=True)


def test_vjp_v_errors():
    with pytest.raises(RuntimeError, match="vjp: v can only be None if the output of the function is a "
                       "single Tensor with a single element"):
        AF.vjp(f_vec, _e(X))
    with pytest.raises(RuntimeError, match=r"vjp: v has shape \(2,\) but should have shape \(3,\)"):
        AF.vjp(f_vec, _e(X), _e([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="vjp: v should contain a single Tensor, got 2"):
        AF.vjp(f_vec, _e(X), (_e(V3), _e(V3)))
    with pytest.raises(RuntimeError, match="vjp: v is a tuple of length 1 but it should have length 2"):
        AF.vjp(f_two_in_two_out, (_e(X), _e(Y)), (_e(V3),))
    with pytest.raises(RuntimeError, match=r"vjp: entry 0 of v has shape \(3,\) but should have shape "
                       r"\(2,\)"):
        AF.vjp(f_two_in_two_out, (_e(X), _e(Y)), (_e(V3), _e(V3)))
    with pytest.raises(TypeError, match="vjp: the v must be a Tensor or a tuple of Tensors"):
        AF.vjp(f_vec, _e(X), [1.0, 2.0, 3.0])


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp_matches_torch(create_graph):
    e_out = AF.jvp(f_vec, _e(X, True), _e(V3), create_graph=create_graph)
    t_out = TF.jvp(f_vec, _t(X, True), _t(V3), create_graph=create_graph)
    _assert_same(e_out, t_out, differentiable=create_graph)


@needs_torch
def test_jvp_of_several_inputs_and_outputs_matches_torch():
    _assert_same(AF.jvp(f_two_in_two_out, (_e(X), _e(Y)), (_e(V3), _e(V23))),
                 TF.jvp(f_two_in_two_out, (_t(X), _t(Y)), (_t(V3), _t(V23))))
    _assert_same(AF.jvp(f_matrix, _e(Y), _e(V23)), TF.jvp(f_matrix, _t(Y), _t(V23)))


@needs_torch
def test_jvp_of_a_one_element_input_needs_no_v():
    _assert_same(AF.jvp(lambda a: a * a * 3, _e([2.0])), TF.jvp(lambda a: a * a * 3, _t([2.0])))


def test_jvp_equals_jacobian_times_v():
    jac = AF.jacobian(f_matrix, _e(Y)).numpy().reshape(4, 6)
    _, jv = AF.jvp(f_matrix, _e(Y), _e(V23))
    np.testing.assert_allclose(jv.numpy().ravel(), jac @ V23.ravel(), rtol=1e-10)


class Opaque(Function):
    """The identity, recorded in the graph, passing no gradient back (backward returns None)."""

    @staticmethod
    def forward(ctx, a):
        return a * 1

    @staticmethod
    def backward(ctx, gy):
        return None


class DetachedBackward(Function):
    """``2 a`` whose backward is not differentiable itself."""

    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    @once_differentiable
    def backward(ctx, gy):
        return gy * 2


def test_jvp_errors():
    with pytest.raises(RuntimeError, match="jvp: v can only be None if the input is a single Tensor with a "
                       "single element"):
        AF.jvp(f_vec, _e(X))
    with pytest.raises(RuntimeError, match="jvp: output 0 of the function does not require grad"):
        AF.jvp(lambda a: ember.ones(2), _e(X), _e(V3), strict=True)
    with pytest.raises(RuntimeError, match="jvp: the gradient with respect to input 0 is independent of the "
                       "function's inputs"):
        AF.jvp(DetachedBackward.apply, _e(X), _e(V3), strict=True)
    with pytest.raises(RuntimeError, match="jvp: the derivative of the input gradients with respect to the "
                       r"cotangent of output 1 \(double-vjp trick\) is zero"):
        AF.jvp(lambda a: (a * 2, Opaque.apply(a)), _e(X), _e(V3), strict=True)
    with pytest.raises(RuntimeError, match="jvp: the derivative of the input gradients with respect to the "
                       r"cotangent of output 0 \(double-vjp trick\) is a constant"):
        AF.jvp(lambda a: a * 2, _e(X), _e(V3), strict=True, create_graph=True)


def test_jvp_without_strict_gives_zeros_where_nothing_connects():
    _, (j0, j1) = AF.jvp(lambda a: (a * 2, Opaque.apply(a)), _e(X), _e(V3))
    np.testing.assert_allclose(j0.numpy(), 2 * V3)
    np.testing.assert_array_equal(j1.numpy(), np.zeros(3))


# ---- hvp / vhp ----
@needs_torch
@pytest.mark.parametrize("name", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_and_vhp_match_torch(name, create_graph):
    e_out = getattr(AF, name)(f_scalar, _e(X, True), _e(V3), create_graph=create_graph)
    t_out = getattr(TF, name)(f_scalar, _t(X, True), _t(V3), create_graph=create_graph)
    _assert_same(e_out, t_out, differentiable=create_graph)


@needs_torch
@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hvp_and_vhp_of_two_inputs_match_torch(name):
    _assert_same(getattr(AF, name)(f_two_in_scalar, (_e(X), _e(Y)), (_e(V3), _e(V23))),
                 getattr(TF, name)(f_two_in_scalar, (_t(X), _t(Y)), (_t(V3), _t(V23))))


def test_hvp_equals_hessian_times_v():
    h = AF.hessian(f_scalar, _e(X)).numpy()
    _, hv = AF.hvp(f_scalar, _e(X), _e(V3))
    _, vh = AF.vhp(f_scalar, _e(X), _e(V3))
    np.testing.assert_allclose(hv.numpy(), h @ V3, rtol=1e-10)
    np.testing.assert_allclose(vh.numpy(), V3 @ h, rtol=1e-10)


@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hvp_and_vhp_errors(name):
    fn = getattr(AF, name)
    with pytest.raises(RuntimeError, match=f"{name}: the function should return a single Tensor, got a "
                       "tuple"):
        fn(lambda a: (a.sum(), a.sum()), _e(X), _e(V3))
    with pytest.raises(RuntimeError, match=rf"{name}: the function should return a single-element Tensor, "
                       r"got shape \(3,\)"):
        fn(lambda a: a * a, _e(X), _e(V3))
    with pytest.raises(RuntimeError, match=f"{name}: v can only be None if the input is a single Tensor"):
        fn(f_scalar, _e(X))
    with pytest.raises(RuntimeError, match=f"{name}: the jacobian of the function with respect to input 0 is "
                       r"independent of the input \(a linear function\?\)"):
        fn(lambda a: (a * 2).sum(), _e(X), _e(V3), strict=True)
    with pytest.raises(RuntimeError, match=f"{name}: the output of the function is independent of input 1"):
        fn(lambda a, b: (a * a).sum(), (_e(X), _e(Y)), (_e(V3), _e(V23)), strict=True)


def test_hvp_of_a_quadratic_is_zero_for_an_unused_input_and_linear_parts():
    _, (ha, hb) = AF.hvp(lambda a, b: (a * a).sum(), (_e(X), _e(Y)), (_e(V3), _e(V23)))
    np.testing.assert_allclose(ha.numpy(), 2 * V3)
    np.testing.assert_array_equal(hb.numpy(), np.zeros((2, 3)))


@pytest.mark.parametrize("name, subject", [
    ("hvp", r"the hessian-vector product for entry 0 of v \(double-vjp trick\)"),
    ("vhp", "the derivative of the jacobian with respect to input 0"),
])
def test_hvp_and_vhp_strict_errors_for_a_hessian_that_is_zero_or_constant(name, subject):
    fn = getattr(AF, name)
    opaque_square = lambda a: (a * Opaque.apply(a)).sum()  # its jacobian has a graph, no gradient
    with pytest.raises(RuntimeError, match=f"{name}: {subject} is zero"):
        fn(opaque_square, _e(X), _e(V3), strict=True)
    _, zeros = fn(opaque_square, _e(X), _e(V3))
    np.testing.assert_array_equal(zeros.numpy(), np.zeros(3))
    with pytest.raises(RuntimeError, match=f"{name}: {subject} is a constant, so it can't be differentiated"):
        fn(lambda a: (a * a).sum(), _e(X), _e(V3), strict=True, create_graph=True)


def test_results_do_not_require_grad_without_create_graph():
    x = _e(X, True)
    for out in (AF.vjp(f_scalar, x), AF.jvp(f_vec, x, _e(V3)), AF.hvp(f_scalar, x, _e(V3)),
                AF.vhp(f_scalar, x, _e(V3))):
        assert not out[0].requires_grad and not out[1].requires_grad
    assert not AF.hessian(f_scalar, x).requires_grad
    assert x.grad is None


def test_grad_mode_is_restored():
    with ember.no_grad():
        _, g = AF.vjp(f_scalar, _e(X))
        assert not ember.is_grad_enabled()
    np.testing.assert_allclose(g.numpy(), 3 * X * X + np.sin(X) + X * np.cos(X), rtol=1e-10)
    assert ember.is_grad_enabled()
