"""The backward engine: backward/grad semantics, higher order, hooks, retain_grad, leaves (API.md §2)."""

import numpy as np
import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _np(t):
    return t.detach().numpy()


def _leaf(values, dtype=None):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


# ---- backward ----
def test_backward_on_a_scalar_fills_leaf_grads():
    x = _leaf([1.0, 2.0, 3.0])
    w = _leaf([0.5, -1.0, 2.0])
    (x * w).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [0.5, -1.0, 2.0])
    np.testing.assert_allclose(_np(w.grad), [1.0, 2.0, 3.0])
    assert x.grad.dtype == ember.float32 and x.grad.shape == x.shape
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_on_a_one_element_tensor_needs_no_gradient():
    x = _leaf([3.0])
    (x * 2).backward()
    np.testing.assert_allclose(_np(x.grad), [2.0])


def test_backward_on_a_non_scalar_without_gradient_raises():
    x = _leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 2\).*\.sum\(\).*gradient="):
        (x * 2).backward()


def test_gradient_argument_is_the_upstream_gradient():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(ember.tensor([1.0, 0.1, 0.01]))
    np.testing.assert_allclose(_np(x.grad), [2.0, 0.4, 0.06], rtol=1e-6)


def test_gradient_argument_with_the_wrong_shape_raises():
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\).*output has shape \(3,\)"):
        (x * 2).backward(ember.ones(2))


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad.*no_grad"):
        ember.ones(3).sum().backward()


def test_functional_backward_with_several_roots():
    x = _leaf([1.0, 2.0])
    ember.autograd.backward([(x * 2).sum(), x * x], [None, ember.ones(2)])
    np.testing.assert_allclose(_np(x.grad), [4.0, 6.0])
    with pytest.raises(RuntimeError, match="2 outputs but 1 gradients"):
        ember.autograd.backward([(x * 2).sum(), x * x], [None])
    with pytest.raises(TypeError, match="outputs must be Tensors"):
        ember.autograd.backward([1.0])


def test_gradients_accumulate_across_backward_calls():
    x = _leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3 + 2.0, 3 + 4.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


def test_user_gradient_is_not_aliased_by_grad():
    """The tensor passed as ``gradient=`` must not become (or be changed through) ``.grad``."""
    x = _leaf([1.0, 2.0, 3.0])
    g = ember.ones(3)
    (x + 1).backward(g)
    (x + 1).backward(g)
    np.testing.assert_array_equal(_np(g), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(_np(x.grad), [2.0, 2.0, 2.0])


def test_user_gradient_is_not_modified_by_a_diamond():
    x = _leaf([1.0, 2.0, 3.0])
    g = ember.ones(3)
    (x + x).backward(g)
    np.testing.assert_array_equal(_np(g), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(_np(x.grad), [2.0, 2.0, 2.0])


def test_retain_graph_allows_a_second_backward():
    x = _leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(_np(x.grad), [4.0, 8.0])


def test_second_backward_through_a_freed_graph_raises():
    x = _leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError,
                       match=r"MulBackward.*second time.*freed.*\.detach\(\).*retain_graph=True"):
        z.backward()


def test_freed_message_names_the_line_of_the_first_backward():
    x = _leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match=r"freed by the backward\(\) called at .*test_engine\.py:\d+"):
        z.backward()


def test_freed_graph_raises_through_autograd_grad_too():
    x = _leaf([1.0, 2.0])
    z = (x * x).sum()
    ember.autograd.grad(z, x)
    with pytest.raises(RuntimeError, match="freed"):
        ember.autograd.grad(z, x)


def test_graph_of_ops_that_save_nothing_backwards_twice():
    """As in PyTorch: add and sum save no tensors, so nothing is freed."""
    x = _leaf([1.0, 2.0])
    z = (x + 1).sum()
    z.backward()
    z.backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0])


@needs_torch
def test_graph_of_ops_that_save_nothing_matches_torch():
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tz = (tx + 1).sum()
    tz.backward()
    tz.backward()  # no error in torch either
    x = _leaf([1.0, 2.0])
    z = (x + 1).sum()
    z.backward()
    z.backward()
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy())


def test_inputs_restricts_which_leaves_get_grad():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[x])
    np.testing.assert_allclose(_np(x.grad), [3.0, 4.0])
    assert w.grad is None
    (x * w).sum().backward(inputs=w)
    np.testing.assert_allclose(_np(w.grad), [1.0, 2.0])
    np.testing.assert_allclose(_np(x.grad), [3.0, 4.0])


def test_inputs_may_be_a_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_allclose(_np(y.grad), [4.0, 8.0])
    assert x.grad is None


def test_inputs_errors():
    x = _leaf([1.0, 2.0])
    z = (x * x).sum()
    with pytest.raises(RuntimeError, match="'inputs' was given but is empty"):
        z.backward(inputs=[], retain_graph=True)
    with pytest.raises(RuntimeError,
                       match=r"input 0 \(shape \(2,\)\) does not require grad.*requires_grad=True"):
        z.backward(inputs=[ember.ones(2)], retain_graph=True)
    with pytest.raises(TypeError, match="inputs must be Tensors.*position 0"):
        z.backward(inputs=[1.0])


# ---- autograd.grad ----
def test_grad_returns_gradients_without_touching_dot_grad():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    gx, gw = ember.autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(_np(gx), [3.0, 4.0])
    np.testing.assert_allclose(_np(gw), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_of_a_single_tensor_is_a_one_tuple():
    x = _leaf([1.0, 2.0])
    result = ember.autograd.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_allclose(_np(result[0]), [2.0, 4.0])


def test_grad_with_grad_outputs():
    x = _leaf([1.0, 2.0])
    (g,) = ember.autograd.grad(x * x, x, grad_outputs=ember.tensor([1.0, -1.0]))
    np.testing.assert_allclose(_np(g), [2.0, -4.0])


def test_grad_of_a_leaf_with_respect_to_itself_is_one():
    x = _leaf(2.0)
    (g,) = ember.autograd.grad(x, x)
    assert g.item() == 1.0


def test_grad_of_a_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 3
    (gy,) = ember.autograd.grad((y * y).sum(), y)
    np.testing.assert_allclose(_np(gy), [6.0, 12.0])


def test_grad_unused_input_raises_or_gives_none():
    x, unused = _leaf([1.0, 2.0]), _leaf([5.0])
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*allow_unused=True"):
        ember.autograd.grad((x * x).sum(), [x, unused])
    gx, gu = ember.autograd.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(_np(gx), [2.0, 4.0])


def test_grad_materialize_grads_gives_zeros_for_unused():
    x, unused = _leaf([1.0, 2.0]), _leaf([5.0, 6.0, 7.0])
    _, gu = ember.autograd.grad((x * x).sum(), [x, unused], allow_unused=True, materialize_grads=True)
    np.testing.assert_array_equal(_np(gu), np.zeros(3))


def test_grad_errors():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="autograd.grad: element 0 of the outputs does not require grad"):
        ember.autograd.grad(ember.ones(2).sum(), x)
    with pytest.raises(RuntimeError, match=r"autograd.grad: input 0 .*does not require grad"):
        ember.autograd.grad((x * x).sum(), ember.ones(2))
    with pytest.raises(RuntimeError, match=r"autograd.grad: grad can be implicitly created only for scalar"):
        ember.autograd.grad(x * x, x)


# ---- higher order ----
def test_third_derivative_of_x_to_the_fourth():
    x = _leaf(1.5, dtype=ember.float64)
    y = x ** 4
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x, create_graph=True)
    (g3,) = ember.autograd.grad(g2, x)
    assert g1.requires_grad and g2.requires_grad and not g3.requires_grad
    np.testing.assert_allclose([g1.item(), g2.item(), g3.item()], [4 * 1.5 ** 3, 12 * 1.5 ** 2, 24 * 1.5])


def test_third_derivative_with_products_only():
    x = _leaf([1.5, -2.0], dtype=ember.float64)
    y = (x * x * x * x).sum()
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
    g2.sum().backward()
    np.testing.assert_allclose(_np(g1), 4 * _np(x) ** 3)
    np.testing.assert_allclose(_np(g2), 12 * _np(x) ** 2)
    np.testing.assert_allclose(_np(x.grad), 24 * _np(x))


def test_without_create_graph_the_gradient_is_a_constant():
    x = _leaf([1.0, 2.0])
    (g,) = ember.autograd.grad((x * x).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_hessian_vector_product_by_double_backward():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    A = ember.tensor(a + a.T)  # f(x) = x^T A x / 2 has Hessian A
    x = _leaf(rng.standard_normal(3))
    v = ember.tensor(rng.standard_normal(3))
    f = (x * (A @ x)).sum() * 0.5
    (g,) = ember.autograd.grad(f, x, create_graph=True)
    (hv,) = ember.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(_np(hv), (a + a.T) @ _np(v), rtol=1e-10)


def test_hessian_vector_product_of_a_quadratic_form_with_dot():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = _leaf([1.0, -1.0], dtype=ember.float64)
    (g,) = ember.autograd.grad(x @ (ember.tensor(a) @ x) * 0.5, x, create_graph=True)
    (hv,) = ember.autograd.grad((g * ember.tensor([1.0, 0.0])).sum(), x)
    np.testing.assert_allclose(_np(hv), a @ [1.0, 0.0])


@needs_torch
def test_gradient_penalty_matches_torch():
    """A WGAN-GP style penalty: the squared norm of an input gradient, itself backwarded."""
    rng = np.random.default_rng(1)
    w0, x0 = rng.standard_normal((4, 3)), rng.standard_normal((5, 4))

    def run(lib, w, x):
        out = ((x @ w) * (x @ w) * (x @ w)).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = ((gx * gx).sum(1) - 1.0) * ((gx * gx).sum(1) - 1.0)
        penalty.mean().backward()
        return w.grad

    gw = run(ember, _leaf(w0), _leaf(x0))
    tgw = run(torch, torch.tensor(w0, requires_grad=True), torch.tensor(x0, requires_grad=True))
    np.testing.assert_allclose(_np(gw), tgw.numpy(), rtol=1e-10)


def test_create_graph_backward_builds_a_differentiable_grad():
    x = _leaf([1.0, 2.0], dtype=ember.float64)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = ember.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(_np(g2), 6 * _np(x))


# ---- retain_grad and hooks ----
def test_retain_grad_on_a_non_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    y.retain_grad()  # twice is harmless
    assert y.retains_grad and not y.is_leaf
    (y * y).sum().backward()
    np.testing.assert_allclose(_np(y.grad), [4.0, 8.0])
    np.testing.assert_allclose(_np(x.grad), [8.0, 16.0])


def test_non_leaf_grad_is_none_without_retain_grad():
    x = _leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward()
    assert y.grad is None


def test_retain_grad_accumulates_and_on_leaf_is_a_no_op():
    x = _leaf([1.0, 2.0])
    x.retain_grad()
    assert not x.retains_grad
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(_np(y.grad), [6.0, 6.0])


def test_retain_grad_errors():
    with pytest.raises(RuntimeError, match="can't retain_grad on a tensor that doesn't require gradient"):
        ember.ones(2).retain_grad()


def test_hook_on_a_leaf_replaces_the_gradient_and_is_removable():
    x = _leaf([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(_np(g).copy()) or g * 10)
    (x * 3).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [30.0, 30.0])
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    handle.remove()
    handle.remove()  # a second remove is harmless
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])
    assert len(seen) == 1


def test_hook_returning_none_keeps_the_gradient():
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * 3).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


def test_hook_on_a_non_leaf_changes_what_flows_upstream():
    x = _leaf([1.0, 2.0])
    y = x * 2
    seen = []
    handle = y.register_hook(lambda g: seen.append(_np(g).copy()) or g * 0)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], [4.0, 8.0])
    np.testing.assert_array_equal(_np(x.grad), [0.0, 0.0])
    handle.remove()
    x.grad = None
    y = x * 2
    (y * y).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [8.0, 16.0])


def test_hooks_run_in_registration_order():
    x = _leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [20.0])


def test_retain_grad_sees_the_gradient_after_hooks():
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    (y * 1).sum().backward()
    np.testing.assert_allclose(_np(y.grad), [10.0, 10.0])  # torch: tensor([10., 10.])
    np.testing.assert_allclose(_np(x.grad), [20.0, 20.0])


def test_retain_grad_registered_after_a_hook_sees_the_hooked_gradient():
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    (y * 1).sum().backward()
    np.testing.assert_allclose(_np(y.grad), [10.0, 10.0])


def test_register_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="cannot register a hook.*requires_grad_"):
        ember.ones(2).register_hook(lambda g: g)


def test_node_prehook_and_post_hook():
    x = _leaf([1.0, 2.0])
    y = x * 3
    handle = y.grad_fn.register_prehook(lambda grads: (grads[0] * 2,))
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [6.0, 6.0])
    handle.remove()
    with pytest.raises(RuntimeError, match="Function.register_hook is not supported.*tensor.register_hook"):
        y.grad_fn.register_hook(lambda gi, go: None)


# ---- leaves, requires_grad, detach, .data ----
def test_requires_grad_propagates():
    x = _leaf([1.0, 2.0])
    c = ember.tensor([3.0, 4.0])
    assert (x * c).requires_grad and (c + x).requires_grad
    assert not (c * c).requires_grad and (c * c).grad_fn is None
    y = x * c
    assert y.grad_fn is not None and y.grad_fn.name() == "MulBackward"
    assert not y.is_leaf and x.is_leaf and c.is_leaf


def test_next_functions_links_to_the_inputs():
    x = _leaf([1.0, 2.0])
    y = x * 2
    z = y + x
    (fn_y, nr), (leaf, leaf_nr) = z.grad_fn.next_functions
    assert fn_y is y.grad_fn and nr == 0
    assert leaf.name() == "AccumulateGrad" and leaf.variable is x and leaf_nr == 0
    assert y.grad_fn.next_functions == ((leaf, 0), (None, 0))  # 2 is no tensor: (None, 0)


def test_requires_grad_can_only_be_cleared_on_leaves():
    x = _leaf([1.0])
    y = x * 2
    with pytest.raises(RuntimeError,
                       match=r"only change requires_grad flags of leaf tensors.*MulBackward.*\.detach\(\)"):
        y.requires_grad = False
    x.requires_grad_(False)
    assert not x.requires_grad
    assert ember.ones(2).requires_grad_().requires_grad


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_requires_grad_on_an_integer_tensor_raises(dtype):
    t = ember.zeros(2, dtype=getattr(ember, dtype))
    with pytest.raises(RuntimeError,
                       match=f"only tensors of floating point dtype can require gradients.*{dtype}"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1, 2], dtype=getattr(ember, dtype), requires_grad=True)


def test_detach_shares_memory_and_cuts_the_graph():
    x = _leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.numpy(), y.detach().numpy())
    z = (d * x).sum()
    z.backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 4.0])  # d is a constant


def test_detach_shares_the_version_counter():
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = (y * y).sum()
    y.detach().add_(1)
    np.testing.assert_allclose(_np(y), [2.0, 3.0])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.backward()


def test_detach_in_place_makes_a_leaf():
    x = _leaf([1.0, 2.0])
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad


def test_data_changes_the_tensor_without_touching_the_graph():
    p = _leaf([1.0, 2.0])
    (p * 3).sum().backward()
    p.data.mul_(0.5)
    np.testing.assert_allclose(_np(p), [0.5, 1.0])
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not p.data.requires_grad
    np.testing.assert_allclose(_np(p.grad), [3.0, 3.0])


def test_data_modification_is_invisible_to_saved_tensor_checks():
    p = _leaf([1.0, 2.0])
    y = p * p
    p.data.mul_(0.5)
    y.sum().backward()  # torch: no error; the gradient uses the new values
    np.testing.assert_allclose(_np(p.grad), [1.0, 2.0])
    assert p._version_number == 0


def test_data_setter_swaps_the_array():
    p = _leaf([1.0, 2.0])
    p.data = ember.tensor([5.0, 6.0])
    np.testing.assert_allclose(_np(p), [5.0, 6.0])
    assert p.requires_grad
    with pytest.raises(TypeError, match="Tensor.data must be set to a Tensor, got list"):
        p.data = [1.0]


def test_grad_is_none_before_backward_and_assignable():
    x = _leaf([1.0, 2.0])
    assert x.grad is None
    g = ember.ones(2)
    x.grad = g
    (x * 2).sum().backward()
    assert x.grad is g  # accumulated in place, as PyTorch's AccumulateGrad does
    np.testing.assert_allclose(_np(g), [3.0, 3.0])


# ---- graph shapes ----
def test_long_chain_has_no_recursion_error():
    x = _leaf(1.0, dtype=ember.float64)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 10_000, rel=1e-9)
    x.grad = None
    y = x
    for _ in range(10_000):
        y = y + 1
    y.backward()
    assert x.grad.item() == 1.0


def test_long_chain_with_create_graph():
    x = _leaf(1.5, dtype=ember.float64)
    y = x
    for _ in range(2_000):
        y = y * 1.001
    c = 1.001 ** 2_000
    (g,) = ember.autograd.grad(y * y, x, create_graph=True)  # 2 c^2 x
    (g2,) = ember.autograd.grad(g, x)
    assert g.item() == pytest.approx(2 * c * c * 1.5)
    assert g2.item() == pytest.approx(2 * c * c)


def test_gradients_are_deterministic():
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((8, 8)), rng.standard_normal((16, 8))

    def run():
        w, x = _leaf(w0), ember.tensor(x0)
        h = x @ w
        for _ in range(3):
            h = (h @ w) * h + h
        (h * h).mean().backward()
        return _np(w.grad)

    first = run()
    for _ in range(3):
        np.testing.assert_array_equal(run(), first)


@needs_torch
def test_diamond_graph_accumulates_like_torch():
    def run(lib, x):
        a = x * 2
        b = x * 3
        c = a * b + a       # x reaches c through a (twice) and b
        d = c * x - b       # and x directly again
        (d.sum() + (a * a).sum()).backward()
        return x.grad

    x0 = [0.5, -1.0, 2.0]
    g = run(ember, _leaf(x0, dtype=ember.float64))
    tg = run(torch, torch.tensor(x0, dtype=torch.float64, requires_grad=True))
    np.testing.assert_allclose(_np(g), tg.numpy(), rtol=1e-12)


def test_tensor_used_twice_by_one_op():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 4.0])
    x.grad = None
    (x + x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0])
    y = x * 1
    x.grad = None
    (y + y + y).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


def test_broadcast_gradient_is_summed_to_the_input_shape():
    x = _leaf([[1.0], [2.0]])  # (2, 1)
    b = _leaf([1.0, 2.0, 3.0])  # (3,)
    (x * b).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [[6.0], [6.0]])
    np.testing.assert_allclose(_np(b.grad), [3.0, 3.0, 3.0])


def test_mixed_dtype_gradients_come_back_in_each_inputs_dtype():
    a = _leaf([1.0, 2.0], dtype=ember.float64)
    b = _leaf([3.0, 4.0], dtype=ember.float32)
    c = a * b + b
    assert c.dtype == ember.float64
    c.sum().backward()
    assert a.grad.dtype == ember.float64
    assert b.grad.dtype == ember.float32
    np.testing.assert_allclose(_np(b.grad), [2.0, 3.0])


def test_float64_gradients_stay_float64():
    a = _leaf([1.0, 2.0], dtype=ember.float64)
    (a * 2.5).sum().backward()
    assert a.grad.dtype == ember.float64


def test_gradient_through_dtype_conversion():
    a = _leaf([1.0, 2.0], dtype=ember.float32)
    y = a.double() * ember.tensor([3.0, 4.0], dtype=ember.float64)
    y.sum().backward()
    assert a.grad.dtype == ember.float32
    np.testing.assert_allclose(_np(a.grad), [3.0, 4.0])


@needs_torch
def test_matmul_chain_gradients_match_torch():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(4, 5), (5, 3), (3,)]]
    xs = [_leaf(a) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for a, b, c in (xs, txs):
        h = (a @ b + c).permute(1, 0).reshape(-1)
        (h * h).mean().backward()
    for x, tx in zip(xs, txs):
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10)


def test_grad_walks_only_the_part_of_the_graph_that_leads_to_its_inputs():
    x = ember.ones(2, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(1))
    y = x * 2
    (gy,) = ember.autograd.grad((y * 3).sum(), y)
    np.testing.assert_allclose(gy.numpy(), [3.0, 3.0])
    assert calls == []  # x's hook does not fire: x was not asked for (as in PyTorch)
    assert x.grad is None


def test_queue_callback_runs_once_after_the_pass_with_every_gradient_delivered():
    from ember.autograd.engine import queue_callback

    w = ember.ones(3, requires_grad=True)
    seen = []
    w.register_hook(lambda g: queue_callback(lambda: seen.append(w.grad.tolist())))
    (w * w).sum().backward()  # w is used twice: the hook runs twice, each callback after the pass
    assert seen == [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)


def test_queue_callback_of_a_failed_pass_does_not_run():
    from ember.autograd.engine import queue_callback

    class Boom(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    w = ember.ones(2, requires_grad=True)
    ran = []
    w.register_hook(lambda g: queue_callback(lambda: ran.append(1)))
    loss = Boom.apply(w).sum() + (w * 2).sum()  # the product's gradient reaches w first, then boom
    with pytest.raises(ValueError, match="boom"):
        loss.backward()
    assert ran == []
    (w * 2).sum().backward()
    assert ran == [1]  # this pass's callback only: the failed pass's was dropped
