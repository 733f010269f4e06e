"""In-place operations under autograd: leaf rule, rebasing, version counters (API.md §1-2)."""

import numpy as np
import pytest

import ember
from ember.autograd import Function
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _np(t):
    return t.detach().numpy()


def _leaf(values, dtype=None):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("op", [
    ("add_", lambda t: t.add_(1.0)),
    ("sub_", lambda t: t.sub_(1.0)),
    ("mul_", lambda t: t.mul_(2.0)),
    ("div_", lambda t: t.div_(2.0)),
    ("fill_", lambda t: t.fill_(0.0)),
    ("fill_", lambda t: t.zero_()),
    ("copy_", lambda t: t.copy_(ember.ones(2))),
])
def test_in_place_on_a_leaf_that_requires_grad_raises(op):
    name, fn = op
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError,
                       match=rf"{name}: a leaf tensor that requires grad \(shape \(2,\)\).*no_grad"):
        fn(x)
    np.testing.assert_array_equal(_np(x), [1.0, 2.0])  # nothing was written
    assert x._version_number == 0


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_on_a_leaf_raises(op):
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        exec(f"x {op} 2.0", {"x": x})


@pytest.mark.parametrize("op", ["uniform_", "normal_", "bernoulli_"])
def test_random_fill_of_a_tensor_that_requires_grad_raises(op):
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=rf"{op}: a tensor that requires grad .*no_grad"):
        getattr(x, op)()
    with ember.no_grad():
        getattr(x, op)()
    assert x._version_number == 1


def test_in_place_under_no_grad_on_a_leaf_works():
    w = _leaf([1.0, 2.0])
    (w * w).sum().backward()
    with ember.no_grad():
        w.sub_(w.grad, alpha=0.1)
        w.mul_(2.0)
    np.testing.assert_allclose(_np(w), [1.6, 3.2], rtol=1e-6)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    w.grad = None
    (w * 3).sum().backward()  # the graph starts afresh from the updated leaf
    np.testing.assert_allclose(_np(w.grad), [3.0, 3.0])


@needs_torch
def test_in_place_chain_on_a_non_leaf_matches_torch():
    def run(lib, x):
        y = x * 2
        y.add_(1)
        y.mul_(3)
        y.sub_(x)
        y.div_(2)
        y *= x
        y += 1
        (y * y).sum().backward()
        return y, x.grad

    x0 = [1.0, -2.0, 0.5]
    y, g = run(ember, _leaf(x0, dtype=ember.float64))
    ty, tg = run(torch, torch.tensor(x0, dtype=torch.float64, requires_grad=True))
    np.testing.assert_allclose(_np(y), ty.detach().numpy())
    np.testing.assert_allclose(_np(g), tg.numpy())


def test_in_place_on_a_non_leaf_rebases_grad_fn():
    x = _leaf([1.0, 2.0])
    y = x * 2
    first = y.grad_fn
    same = y.add_(1)
    assert same is y
    assert y.grad_fn is not first and y.grad_fn.name() == "AddBackward"
    assert not y.is_leaf and y.requires_grad


def test_in_place_with_an_operand_that_requires_grad():
    w = _leaf([2.0, 3.0])
    y = ember.ones(2)  # plain tensor, not a leaf requiring grad
    y.mul_(w)
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    np.testing.assert_allclose(_np(w.grad), [4.0, 6.0])


def test_augmented_assignment_keeps_the_object():
    a = ember.ones(2)
    alias = a
    a += 1
    a *= ember.tensor([2.0, 3.0])
    assert a is alias
    np.testing.assert_array_equal(_np(alias), [4.0, 6.0])


def test_modifying_a_saved_tensor_raises_at_backward():
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation.*MulBackward.*version 1; "
                       r"expected version 0.*modified by add_.*detect_anomaly"):
        z.sum().backward()


def test_modifying_a_saved_leaf_under_no_grad_raises_at_backward():
    w = _leaf([1.0, 2.0])
    z = (w * w).sum()
    with ember.no_grad():
        w.mul_(0.5)
    with pytest.raises(RuntimeError, match="modified by mul_"):
        z.backward()


def test_modifying_a_saved_tensor_through_a_view_raises():
    x = _leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 1
    v = y.view(-1)
    z = v * v
    y.add_(1)
    with pytest.raises(RuntimeError, match="MulBackward.*modified by add_"):
        z.sum().backward()


def test_modifying_the_base_of_a_saved_view_raises():
    x = _leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 1
    z = y * y
    y.reshape(4).mul_(2)  # reshape of a contiguous tensor is a view
    with pytest.raises(RuntimeError, match="MulBackward.*modified by mul_"):
        z.sum().backward()


def test_modifying_a_saved_output_raises_naming_the_output():
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * y

    x = _leaf([1.0, 2.0])
    y = Double.apply(x)
    z = y + 3  # add saves nothing: only Double's record of y can object
    y.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of DoubleBackward is at version 1; expected version 0"):
        z.sum().backward()


@pytest.mark.parametrize("other", [3.0, "tensor"])
def test_in_place_on_an_operand_mul_does_not_need(other):
    x = _leaf([1.0, 2.0])
    c = ember.tensor([3.0, 4.0]) if other == "tensor" else other
    y = x * 1
    z = y * c  # the gradient for y needs c only
    y.add_(1)
    z.sum().backward()  # torch: no error
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0] if other == 3.0 else [3.0, 4.0])


def test_ops_that_do_not_save_tolerate_later_in_place():
    x = _leaf([1.0, 2.0])
    y = x * 1
    z = (y + 2).sum()  # add saves nothing
    y.mul_(10)
    z.backward()
    np.testing.assert_allclose(_np(x.grad), [1.0, 1.0])


def test_version_counter():
    t = ember.ones(3)
    assert t._version_number == 0
    t.add_(1)
    t.mul_(2)
    t.sub_(1)
    assert t._version_number == 3
    _ = t * 2  # out-of-place ops leave it alone
    assert t._version_number == 3
    v = t.view(3)
    v.add_(1)
    assert t._version_number == 4 and v._version_number == 4  # views share it
    d = t.detach()
    d.zero_()
    assert t._version_number == 5


def test_setitem_is_differentiable():
    x = _leaf([1.0, 2.0, 3.0])
    v = _leaf([10.0])
    y = x * 1
    y[1] = v[0] * 2
    (y * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [1.0, 0.0, 3.0])
    np.testing.assert_allclose(_np(v.grad), [4.0])


def test_setitem_on_a_leaf_requires_no_grad():
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        x[0] = 5.0
    with ember.no_grad():
        x[0] = 5.0
    np.testing.assert_array_equal(_np(x), [5.0, 2.0, 3.0])
    assert x._version_number == 1


@needs_torch
def test_setitem_matches_torch():
    def run(lib, x, v):
        y = x * 2
        y[0, 1:] = v
        y[:, 0] = y[:, 1] + 1
        (y * y).sum().backward()
        return x.grad, v.grad

    x0, v0 = np.arange(6.0).reshape(2, 3), [5.0, -1.0]
    g = run(ember, _leaf(x0), _leaf(v0))
    tg = run(torch, torch.tensor(x0, requires_grad=True), torch.tensor(v0, dtype=torch.float64,
                                                                         requires_grad=True))
    for a, b in zip(g, tg):
        np.testing.assert_allclose(_np(a), b.numpy())


@pytest.mark.parametrize("case", [
    ("add_", lambda: ember.tensor([1, 2]).add_(1.5)),
    ("mul_", lambda: ember.tensor([1, 2]).mul_(ember.tensor([1.5, 2.0]))),
    ("div_", lambda: ember.tensor([4, 2]).div_(2)),
    ("add_", lambda: ember.tensor([True, False]).add_(1)),
])
def test_in_place_that_would_change_the_dtype_raises(case):
    op, fn = case
    with pytest.raises(RuntimeError, match=rf"{op}: the result type .*can't be cast to the tensor's dtype"):
        fn()


def test_in_place_that_would_change_the_dtype_raises_when_recording():
    w = _leaf([1.5, 2.0])
    with pytest.raises(RuntimeError, match=r"mul_: the result type float\d+ can't be cast to the "
                       r"tensor's dtype"):
        ember.tensor([1, 2]).mul_(w)


def test_in_place_with_a_lower_dtype_operand_keeps_the_dtype():
    t = ember.tensor([1.0, 2.0])
    t.add_(ember.tensor([1, 1]))
    t.mul_(ember.tensor([2.0, 2.0], dtype=ember.float64))
    assert t.dtype == ember.float32
    np.testing.assert_array_equal(_np(t), [4.0, 6.0])


def test_in_place_that_would_change_the_shape_raises():
    y = ember.ones(3)
    with pytest.raises(RuntimeError, match=r"add_: the other operand of shape \(2, 3\) does not broadcast "
                       r"to the shape \(3,\)"):
        y.add_(ember.ones(2, 3))
    x = _leaf([1.0, 2.0, 3.0])
    z = x * 1
    with pytest.raises(RuntimeError, match=r"add_: the result has shape \(2, 3\) but the tensor modified in "
                       r"place has shape \(3,\)"):
        z.add_(ember.ones(2, 3))


def test_in_place_on_a_view_of_a_leaf_raises():
    x = _leaf([1.0, 2.0])
    v = x.view(-1)
    with pytest.raises(RuntimeError, match="leaf"):
        v.add_(1)


# ember does not rebase views (PyTorch's CopySlices): where a view and its base would need it,
# using the stale one raises a clear error instead of giving a wrong gradient.
def test_using_a_base_after_an_in_place_op_on_its_view_raises():
    x = _leaf([1.0, 2.0])
    y = x * 1
    v = y.view(-1)
    v.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place by mul_ after this one was computed"):
        y.sum()


def test_using_a_view_after_an_in_place_op_on_its_base_raises():
    x = _leaf([1.0, 2.0])
    y = x * 1
    v = y.view(2, 1)
    y.mul_(3)
    with pytest.raises(RuntimeError, match="shares memory with a tensor that was modified in place"):
        v.sum()


def test_a_view_used_before_the_in_place_op_on_its_base_is_fine():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 2
    y[0] = y[1] + 1  # reads a view of y, then writes y in place (PyTorch's common pattern)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [0.0, 4.0, 2.0])


def test_in_place_on_a_non_tensor_raises():
    with pytest.raises(TypeError, match="add_: expected a Tensor, got float"):
        ember.ops.add_(1.0, 2.0)
