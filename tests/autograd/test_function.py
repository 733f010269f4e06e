"""Custom ``ember.autograd.Function`` subclasses: ctx, saved tensors, several outputs (API.md §2)."""

import numpy as np
import pytest

import ember
from ember.autograd import Function, gradcheck, gradgradcheck, once_differentiable
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _np(t):
    return t.detach().numpy()


def _leaf(values, dtype=ember.float64):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


class ScaledCube(Function):
    """``k * x**3`` with a non-tensor argument ``k``; backward written with ember ops."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * x * k

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * ctx.k * x * x, None


class MulAdd(Function):
    """``a * b + c``: three tensor inputs; uses needs_input_grad to skip work."""

    calls = []

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        return a * b + c

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        MulAdd.calls.append(ctx.needs_input_grad)
        ga = gy * b if ctx.needs_input_grad[0] else None
        gb = gy * a if ctx.needs_input_grad[1] else None
        gc = gy if ctx.needs_input_grad[2] else None
        return ga, gb, gc


class SumAndDiff(Function):
    """Two outputs: ``(a + b, a - b)``."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b, a - b

    @staticmethod
    def backward(ctx, g_sum, g_diff):
        return g_sum + g_diff, g_sum - g_diff


class Exp(Function):
    """``exp(x)``, computed in NumPy; backward reads the saved output (d exp = exp)."""

    @staticmethod
    def forward(ctx, x):
        y = ember.from_numpy(np.exp(x.detach().numpy()))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, gy):
        (y,) = ctx.saved_tensors
        return gy * y


class ValuesAndMask(Function):
    """``(2 x, x > 0 as float)``; the mask output is marked non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        mask = ember.tensor((x.detach().numpy() > 0).astype(x.detach().numpy().dtype))
        ctx.mark_non_differentiable(mask)
        return x * 2, mask

    @staticmethod
    def backward(ctx, gy, gmask):
        ValuesAndMask.seen = gmask
        return gy * 2


def test_forward_receives_tensors_under_no_grad():
    seen = {}

    class Probe(Function):
        @staticmethod
        def forward(ctx, x, k):
            seen["type"], seen["requires_grad"] = type(x), x.requires_grad
            seen["grad_enabled"], seen["k"] = ember.is_grad_enabled(), k
            return x * k

        @staticmethod
        def backward(ctx, gy):
            return gy * 2, None

    x = _leaf([1.0, 2.0])
    y = Probe.apply(x, 2)
    assert seen == {"type": ember.Tensor, "requires_grad": True, "grad_enabled": False, "k": 2}
    assert y.requires_grad and y.grad_fn is not None and y.grad_fn.name() == "ProbeBackward"
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0])


def test_save_for_backward_and_non_tensor_arguments():
    x = _leaf([1.0, -2.0])
    y = ScaledCube.apply(x, 2.0)
    np.testing.assert_allclose(_np(y), [2.0, -16.0])
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [6.0, 24.0])


@needs_torch
def test_custom_function_matches_the_same_function_in_torch():
    class TorchScaledCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * x * x * k

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 3 * ctx.k * x * x, None

    x0 = [0.5, -1.5, 2.0]
    x, tx = _leaf(x0), torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (ScaledCube.apply(x, 1.5) * ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)).sum().backward()
    (TorchScaledCube.apply(tx, 1.5) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy())


def test_without_inputs_requiring_grad_no_graph_is_recorded():
    y = ScaledCube.apply(ember.tensor([1.0, 2.0]), 2.0)
    assert not y.requires_grad and y.grad_fn is None
    with ember.no_grad():
        y = ScaledCube.apply(_leaf([1.0]), 2.0)
    assert not y.requires_grad


def test_needs_input_grad():
    MulAdd.calls.clear()
    a, b, c = _leaf([1.0]), ember.tensor([2.0], dtype=ember.float64), _leaf([3.0])
    MulAdd.apply(a, b, c).sum().backward()
    assert MulAdd.calls == [(True, False, True)]
    np.testing.assert_allclose(_np(a.grad), [2.0])
    np.testing.assert_allclose(_np(c.grad), [1.0])


def test_several_outputs_each_get_their_gradient():
    a, b = _leaf([1.0, 2.0]), _leaf([5.0, 7.0])
    s, d = SumAndDiff.apply(a, b)
    np.testing.assert_allclose(_np(s), [6.0, 9.0])
    np.testing.assert_allclose(_np(d), [-4.0, -5.0])
    assert s.grad_fn is d.grad_fn
    (s * 2 + d * 3).sum().backward()
    np.testing.assert_allclose(_np(a.grad), [5.0, 5.0])
    np.testing.assert_allclose(_np(b.grad), [-1.0, -1.0])
    assert gradcheck(SumAndDiff.apply, (_leaf([1.0, 2.0]), _leaf([-0.5, 0.25])))
    assert gradgradcheck(SumAndDiff.apply, (_leaf([1.0, 2.0]), _leaf([-0.5, 0.25])))


def test_several_outputs_with_one_unused_get_zeros_for_it():
    a, b = _leaf([1.0, 2.0]), _leaf([5.0, 7.0])
    s, _ = SumAndDiff.apply(a, b)
    s.sum().backward()  # backward receives zeros for the difference (materialize_grads)
    np.testing.assert_allclose(_np(a.grad), [1.0, 1.0])
    np.testing.assert_allclose(_np(b.grad), [1.0, 1.0])


def test_set_materialize_grads_false_passes_none():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            Two.seen = (g1 is None, g2 is None)
            return g1 if g2 is None else g1 + 2 * g2

    x = _leaf([1.0])
    a, _ = Two.apply(x)
    a.sum().backward()
    assert Two.seen == (False, True)
    np.testing.assert_allclose(_np(x.grad), [1.0])


def test_mark_non_differentiable():
    x = _leaf([-1.0, 2.0])
    y, mask = ValuesAndMask.apply(x)
    assert y.requires_grad
    assert not mask.requires_grad and mask.grad_fn is None
    np.testing.assert_array_equal(_np(mask), [0.0, 1.0])
    (y * mask).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [0.0, 2.0])
    np.testing.assert_array_equal(_np(ValuesAndMask.seen), [0.0, 0.0])


def test_saving_an_output():
    x = _leaf([0.0, 1.0])
    y = Exp.apply(x)
    (y * 1).sum().backward()
    np.testing.assert_allclose(_np(x.grad), np.exp([0.0, 1.0]))
    assert gradcheck(Exp.apply, (_leaf([0.1, -0.7]),))


def test_saved_output_keeps_its_graph_for_double_backward():
    x = _leaf([0.0, 1.0])
    (g,) = ember.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)  # g = exp(x), with graph
    assert g.requires_grad
    (gg,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(gg), np.exp([0.0, 1.0]))
    assert gradgradcheck(Exp.apply, (_leaf([0.1, -0.7]),))


def test_saving_an_intermediate_keeps_a_constant():
    class Inter(Function):
        @staticmethod
        def forward(ctx, x):
            t = x * 3
            ctx.save_for_backward(t, None)
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            t, nothing = ctx.saved_tensors
            Inter.seen = (t.requires_grad, nothing)
            return gy * 2

    x = _leaf([1.0])
    Inter.apply(x).sum().backward()
    assert Inter.seen == (False, None)


def test_saved_tensors_after_backward_raise_the_freed_error():
    x = _leaf([1.0])
    y = ScaledCube.apply(x, 1.0)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="ScaledCubeBackward a second time.*freed"):
        _ = node.saved_tensors


def test_gradcheck_and_gradgradcheck_of_custom_functions():
    x = _leaf([0.3, -1.2, 2.0])
    assert gradcheck(lambda t: ScaledCube.apply(t, 1.5), (x,))
    assert gradgradcheck(lambda t: ScaledCube.apply(t, 1.5), (x,))
    a, b, c = _leaf([1.0, 2.0]), _leaf([-0.5, 0.25]), _leaf([3.0, 4.0])
    assert gradcheck(MulAdd.apply, (a, b, c))
    assert gradgradcheck(MulAdd.apply, (a, b, c))


def test_once_differentiable_runs_backward_without_a_graph():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            Square.grad_enabled = ember.is_grad_enabled()
            return 2 * x * gy

    x = _leaf([1.0, 2.0])
    (g,) = ember.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(_np(g), [2.0, 4.0])
    assert Square.grad_enabled is False
    assert not g.requires_grad  # as in PyTorch for this graph
    with pytest.raises(RuntimeError, match="does not require grad"):
        g.sum().backward()


def test_forward_and_backward_must_be_defined():
    class NoForward(Function):
        pass

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with pytest.raises(NotImplementedError, match="must define forward"):
        NoForward.apply(_leaf([1.0]))
    y = NoBackward.apply(_leaf([1.0]))
    with pytest.raises(NotImplementedError, match="must define backward"):
        y.sum().backward()


def test_custom_function_in_a_larger_graph_matches_closed_form():
    x = _leaf([0.5, 1.0, 1.5])
    w = _leaf([2.0, -1.0, 0.5])
    y = ScaledCube.apply(x * w, 1.0)  # (x w)^3
    (y.sum() + (y * x).sum()).backward()
    xw = _np(x) * _np(w)
    # d/dx [(xw)^3 + x (xw)^3] = 3 (xw)^2 w + (xw)^3 + 3 x (xw)^2 w
    np.testing.assert_allclose(_np(x.grad), 3 * xw ** 2 * _np(w) + xw ** 3 + 3 * _np(x) * xw ** 2 * _np(w))


class SumWithScalarGrad(Function):
    """A broken op: its backward returns the gradient of the (0-d) output, not of the input."""

    @staticmethod
    def forward(ctx, a):
        return a.sum()

    @staticmethod
    def backward(ctx, gy):
        return gy


def test_backward_returning_a_wrong_shape_for_a_leaf_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"SumWithScalarGradBackward returned an invalid gradient at "
                       r"index 0: got shape \(\) but expected \(2,\)"):
        SumWithScalarGrad.apply(x).backward()


def test_backward_returning_a_wrong_shape_for_a_non_leaf_raises_naming_the_op():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"SumWithScalarGradBackward.*gradient.*\(\).*\(2,\)"):
        SumWithScalarGrad.apply(x * 3).backward()


def test_backward_returning_too_few_gradients_raises():
    class Forgetful(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, gy):
            return gy  # forgot b

    a, b = _leaf([1.0]), _leaf([2.0])
    with pytest.raises(RuntimeError, match="ForgetfulBackward returned an incorrect number "
                       "of gradients .expected 2, got 1"):
        Forgetful.apply(a, b).sum().backward()


def test_set_tracer_sees_every_op_after_its_forward_and_is_restored():
    from ember.autograd.function import set_tracer
    from ember.ops.arithmetic import Add, Mul

    seen = []
    a, b = ember.ones(2), _leaf([1.0, 2.0], ember.float32)
    previous = set_tracer(lambda cls, ctx, args, kwargs, out: seen.append((cls, args, out)))
    try:
        y = ScaledCube.apply(a + b, 2.0)  # a user Function: its ops are seen, then itself (on tensors)
    finally:
        assert set_tracer(previous) is not None
    assert previous is None
    assert [cls for cls, _, _ in seen] == [Add, Mul, Mul, Mul, ScaledCube]
    assert seen[0][1] == (a, b) and np.array_equal(seen[0][2], [2.0, 3.0])
    ember.ones(2) + 1  # no tracer: nothing recorded
    assert len(seen) == 5 and _np(y).tolist() == [16.0, 54.0]
