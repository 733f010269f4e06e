import math
import warnings

import numpy as np
import pytest

import ember
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# (shape, dim) pairs: full reductions, single dims, negative dims, tuples
DIMS = [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 1)),
        ((5,), 0), ((), None)]


def _tie_inputs():
    # ties inside rows and columns: the gradient of max/amax is split among them
    return [np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.5, 2.0], [-4.0, 0.0, 1.0, 0.0]])]


def _compare_with_torch(fn, a, torch_fn=None):
    """Forward and gradient against torch at a point where finite differences don't apply
    (ties, zeros of a norm): gradcheck is skipped there."""
    if torch is None:
        pytest.skip("torch is not installed")
    x = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = fn(x), (torch_fn or fn)(t)
    y, ty = (y[0], ty[0]) if isinstance(y, tuple) else (y, ty)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    seed = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(ember.tensor(seed))
    ty.backward(torch.tensor(seed))
    if t.grad is None:
        assert x.grad is None
        return
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)


# ---- sum and mean ----
@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean(shape, dim, keepdim):
    check_op(lambda x: x.sum(dim, keepdim=keepdim), shapes=[shape])
    check_op(lambda x: x.mean(dim, keepdim=keepdim), shapes=[shape])


def test_sum_empty_dims_means_all_and_dtype():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.sum(()).item() == 10.0 and x.mean(()).item() == 2.5
    y = x.sum(dtype=ember.float64)
    assert y.dtype == ember.float64
    y.backward()
    assert x.grad.dtype == ember.float32  # the gradient has the input's dtype
    assert ember.tensor([True, True, False]).sum().dtype == ember.int64


def test_mean_rejects_integers_without_dtype():
    with pytest.raises(RuntimeError, match="mean: input dtype should be floating point, got ember.int64"):
        ember.tensor([1, 2]).mean()
    assert ember.tensor([1, 2]).mean(dtype=ember.float64).item() == 1.5


# ---- var and std ----
@pytest.mark.parametrize("shape,dim", DIMS[:-1])
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std(shape, dim, correction):
    check_op(lambda x: x.var(dim, correction=correction), shapes=[shape])
    check_op(lambda x: x.std(dim, correction=correction, keepdim=True), shapes=[shape])


@needs_torch
def test_var_legacy_unbiased_and_var_mean():
    a = np.random.default_rng(0).standard_normal((3, 4))
    x, t = ember.tensor(a), torch.tensor(a)
    np.testing.assert_allclose(x.var(1, unbiased=False).numpy(), t.var(1, unbiased=False).numpy())
    np.testing.assert_allclose(ember.var(x, True).numpy(), torch.var(t, True).numpy())
    np.testing.assert_allclose(ember.std(x, False).numpy(), torch.std(t, False).numpy())
    v, m = ember.var_mean(x, 0, correction=0)
    tv, tm = torch.var_mean(t, 0, correction=0)
    np.testing.assert_allclose(v.numpy(), tv.numpy())
    np.testing.assert_allclose(m.numpy(), tm.numpy())
    s, m = ember.std_mean(x, (0, 1), keepdim=True)
    ts, tm = torch.std_mean(t, (0, 1), keepdim=True)
    np.testing.assert_allclose(s.numpy(), ts.numpy())
    assert m.shape == tm.shape


@needs_torch
def test_std_gradient_is_zero_where_deviation_is_zero():
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    x = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    x.std(1).sum().backward()
    t.std(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    assert np.all(x.grad.numpy()[0] == 0)


def test_var_with_no_degrees_of_freedom_warns_and_is_nan():
    x = ember.tensor([3.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"var: degrees of freedom is <= 0 .*shape \(1,\)"):
        y = x.var()
    assert math.isnan(y.item())
    with pytest.warns(UserWarning, match="std: degrees of freedom"):
        assert math.isnan(x.std().item())


def test_var_rejects_integers():
    with pytest.raises(RuntimeError, match="var: input dtype should be floating point, got ember.int64"):
        ember.tensor([1, 2, 3]).var()


# ---- prod ----
@pytest.mark.parametrize("shape,dim", [((3, 4), None), ((3, 4), 1), ((2, 3, 4), -2), ((), None)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(shape, dim, keepdim):
    fn = (lambda x: x.prod()) if dim is None else (lambda x: x.prod(dim, keepdim=keepdim))
    check_op(fn, shapes=[shape], low=0.5, high=1.5)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros(dim):
    # one zero in some slices, two in another, none in the rest
    a = np.array([[0.0, 2.0, 3.0, -1.5], [1.5, 0.0, 0.0, 2.0], [0.7, -1.2, 1.1, 0.9]])
    check_op((lambda x: x.prod()) if dim is None else (lambda x: x.prod(dim)), inputs=[a])


def test_prod_dtypes():
    assert ember.tensor([1, 2, 3], dtype=ember.int32).prod().dtype == ember.int64
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.prod(dtype=ember.float64)
    assert y.dtype == ember.float64
    y.backward()
    assert x.grad.dtype == ember.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])


# ---- max, min, amax, amin, argmax, argmin ----
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_full_splits_ties(op):
    _compare_with_torch(lambda x: getattr(x, op)(), _tie_inputs()[0])
    check_op(lambda x: getattr(x, op)(), shapes=[(2, 3, 4)])


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("shape,dim", [((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1), ((), 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim(op, shape, dim, keepdim):
    # values and indices both compared with torch; the gradient goes to the index
    check_op(lambda x: getattr(x, op)(dim, keepdim=keepdim), shapes=[shape])
    check_op(lambda x: getattr(x, op)(dim=dim, keepdim=keepdim).values, shapes=[shape])


@needs_torch
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_with_dim_on_ties_matches_torch(op):
    a = _tie_inputs()[0]
    _compare_with_torch(lambda x: getattr(x, op)(1), a)
    _compare_with_torch(lambda x: getattr(x, op)(0, True), a)
    tr = getattr(torch.tensor(a), op)(1)
    np.testing.assert_array_equal(getattr(ember.tensor(a), op)(1).indices.numpy(), tr.indices.numpy())
    r = getattr(ember.tensor(a), op)(1)
    assert r.indices.dtype == ember.int64 and r.values is r[0] and r.indices is r[1]


def test_max_of_integers_and_named_fields():
    x = ember.tensor([[1, 5, 2], [7, 0, 7]])
    values, indices = ember.max(x, 1)
    assert values.tolist() == [5, 7] and indices.tolist() == [1, 0]
    assert values.dtype == ember.int64 and not values.requires_grad
    assert ember.min(x).item() == 0 and type(ember.max(x, 0)).__name__ == "max"


def test_max_min_of_two_tensors_is_elementwise():
    a = ember.tensor([1.0, 5.0, -2.0])
    b = ember.tensor([3.0, 4.0, -1.0])
    assert ember.max(a, b).tolist() == [3.0, 5.0, -1.0]
    assert ember.min(a, b).tolist() == [1.0, 4.0, -2.0]


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(op, dim, keepdim):
    _compare_with_torch(lambda x: getattr(x, op)(dim, keepdim), _tie_inputs()[0])
    check_op(lambda x: getattr(x, op)(dim, keepdim), shapes=[(3, 4)])


def test_amax_default_is_all_dims():
    x = ember.tensor([[1.0, 9.0], [3.0, 4.0]])
    assert x.amax().item() == 9.0 and x.amin().item() == 1.0


@needs_torch
@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (0, False), (-1, True)])
def test_argmax_argmin(op, dim, keepdim):
    a = _tie_inputs()[0]
    r = getattr(ember.tensor(a), op)(dim, keepdim)
    tr = getattr(torch.tensor(a), op)(dim, keepdim)
    assert r.dtype == ember.int64 and r.shape == tuple(tr.shape)
    np.testing.assert_array_equal(r.numpy(), tr.numpy())


def test_reducing_no_elements_is_an_error():
    with pytest.raises(RuntimeError, match=r"max: the input has no elements \(shape \(0, 3\)\); "
                                           "specify the reduction dim"):
        ember.zeros(0, 3).max()
    with pytest.raises(IndexError, match=r"amax: expected reduction dim 0 to have non-zero size.*"
                                         r"shape \(0, 3\)"):
        ember.zeros(0, 3).amax(0)
    with pytest.raises(IndexError, match="min: expected reduction dim 0 to have non-zero size"):
        ember.zeros(0, 3).min(0)
    with pytest.raises(RuntimeError, match="argmax: the input has no elements"):
        ember.zeros(0).argmax()
    assert ember.zeros(0, 3).amax(1).shape == (0,)


# ---- all, any, count_nonzero ----
@needs_torch
@pytest.mark.parametrize("op", ["all", "any"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (-1, True), ((0, 1), False), ((), False)])
def test_all_any(op, dim, keepdim):
    a = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    for arr in (a, a > 0, a.astype(np.uint8)):
        r = getattr(ember, op)(ember.tensor(arr), dim, keepdim)
        tr = getattr(torch, op)(torch.tensor(arr), dim, keepdim) if dim is not None else \
            getattr(torch, op)(torch.tensor(arr))
        assert str(r.dtype).split(".")[-1] == str(tr.dtype).split(".")[-1]
        np.testing.assert_array_equal(r.numpy(), tr.numpy())


@needs_torch
@pytest.mark.parametrize("dim", [None, 0, (0, 1), -1])
def test_count_nonzero(dim):
    a = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 5.0]])
    r = ember.count_nonzero(ember.tensor(a), dim)
    tr = torch.count_nonzero(torch.tensor(a), dim)
    assert r.dtype == ember.int64
    np.testing.assert_array_equal(r.numpy(), tr.numpy())


# ---- logsumexp and the softmax family ----
@pytest.mark.parametrize("shape,dim", [((3, 4), 1), ((3, 4), -2), ((2, 3, 4), (0, 2)), ((5,), 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(shape, dim, keepdim):
    check_op(lambda x: x.logsumexp(dim, keepdim), shapes=[shape])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -2), ((5,), -1), ((), 0)])
def test_softmax_family(op, shape, dim):
    check_op(lambda x: getattr(x, op)(dim), shapes=[shape], low=-3.0, high=3.0)


@needs_torch
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_dtype_argument(op):
    a = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    x = ember.tensor(a, requires_grad=True)
    y = getattr(ember, op)(x, 1, dtype=ember.float64)
    ty = getattr(torch, op)(torch.tensor(a), 1, dtype=torch.float64)
    assert y.dtype == ember.float64
    np.testing.assert_allclose(y.detach().numpy(), ty.numpy())
    y.sum().backward()
    assert x.grad.dtype == ember.float32
    y = getattr(ember, op)(ember.tensor([1, 2, 3]), 0, dtype=ember.float32)
    np.testing.assert_allclose(y.numpy(), getattr(torch, op)(torch.tensor([1, 2, 3]), 0,
                                                             dtype=torch.float32).numpy(), rtol=1e-6)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_large_magnitudes(dtype):
    a = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4, -1e4 + 2.0, -1e4]], dtype=dtype)
    rng = np.random.default_rng(0)
    seed = rng.standard_normal(a.shape).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for op in ("softmax", "log_softmax", "logsumexp"):
            x = ember.tensor(a, requires_grad=True)
            t = torch.tensor(a, requires_grad=True)
            y, ty = getattr(x, op)(1), getattr(t, op)(1)
            g = seed if op != "logsumexp" else seed[:, 0]
            y.backward(ember.tensor(g))
            ty.backward(torch.tensor(g))
            assert np.all(np.isfinite(y.detach().numpy())), op
            assert np.all(np.isfinite(x.grad.numpy())), op
            np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, err_msg=op)
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=op)


@needs_torch
def test_minus_infinity_inputs():
    inf = math.inf
    a = np.array([[-inf, 0.0, 1.0], [-inf, -inf, -inf]])
    x = ember.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.logsumexp(1)
        y.sum().backward()
        s = ember.tensor(a[:1]).softmax(1)
        ls = ember.tensor(a[:1]).log_softmax(1)
        full = ember.tensor(a).softmax(1)
    ty = torch.tensor(a).logsumexp(1)
    np.testing.assert_allclose(y.detach().numpy(), ty.numpy())
    assert y[1].item() == -inf
    # PyTorch gives NaN for the gradient of an all -inf slice; ember gives 0
    np.testing.assert_allclose(x.grad.numpy()[0], torch.tensor(a[0]).softmax(0).numpy())
    assert np.all(x.grad.numpy()[1] == 0)
    np.testing.assert_allclose(s.numpy(), torch.tensor(a[:1]).softmax(1).numpy())
    np.testing.assert_allclose(ls.numpy(), torch.tensor(a[:1]).log_softmax(1).numpy())
    assert np.all(np.isnan(full.numpy()[1]))  # 0/0, as in PyTorch


def test_logsumexp_of_integers_is_float():
    y = ember.tensor([[1, 2], [3, 4]]).logsumexp(1)
    assert y.dtype == ember.float32
    np.testing.assert_allclose(y.numpy(), np.log(np.exp([1, 3]) + np.exp([2, 4])), rtol=1e-6)


def test_softmax_errors():
    with pytest.raises(RuntimeError, match=r"softmax: expected a floating point input, got ember.int64 "
                                           r"\(shape \(3,\)\)"):
        ember.tensor([1, 2, 3]).softmax(0)
    with pytest.raises(TypeError, match=r"log_softmax: dim is required"):
        ember.log_softmax(ember.ones(3), None)
    with pytest.raises(IndexError, match="softmax: dimension 2 is out of range"):
        ember.ones(3, 4).softmax(2)


# ---- cumulative ops ----
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1), ((), 0)])
def test_cumulative(op, shape, dim):
    check_op(lambda x: getattr(x, op)(dim), shapes=[shape], low=0.5, high=1.5)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_with_zeros(dim):
    a = np.array([[0.5, 0.0, 2.0, 0.0, 1.5], [1.2, -0.8, 0.0, 0.9, 1.1], [0.0, 1.3, 0.7, -1.1, 0.6]])
    check_op(lambda x: x.cumprod(dim), inputs=[a])


@needs_torch
def test_cumulative_dtypes():
    for op in ("cumsum", "cumprod"):
        for a in (np.array([True, True, False]), np.array([1, 2, 3], dtype=np.int32)):
            r = getattr(ember.tensor(a), op)(0)
            tr = getattr(torch.tensor(a), op)(0)
            assert r.dtype == ember.int64
            np.testing.assert_array_equal(r.numpy(), tr.numpy())
        x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = getattr(x, op)(0, dtype=ember.float64)
        assert y.dtype == ember.float64
        y.sum().backward()
        assert x.grad.dtype == ember.float32


# ---- norms ----
@pytest.mark.parametrize("p", ["fro", 2, 1, math.inf, -math.inf, 3, 1.5, 0.5])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (-1, True), ((0, 1), False)])
def test_norm(p, dim, keepdim):
    check_op(lambda x: x.norm(p, dim, keepdim), shapes=[(3, 4)])


@needs_torch
def test_norm_p0_and_ties():
    a = np.array([[3.0, -3.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    _compare_with_torch(lambda x: x.norm(0, 1), a)
    _compare_with_torch(lambda x: x.norm(math.inf, 1), a)
    check_op(lambda x: ember.norm(x, p=-math.inf), lambda t: torch.norm(t, p=-math.inf),
             inputs=[np.array([2.0, -1.0, 1.5, 3.0])])
    _compare_with_torch(lambda x: x.norm(-math.inf), np.array([2.0, -1.0, 1.0, 3.0]))


@needs_torch
@pytest.mark.parametrize("p", [2, "fro", 1.5, 3])
def test_norm_gradient_at_zero_is_zero(p):
    a = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    x = ember.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.norm(p, 1).sum().backward()
    torch.norm(t, p, 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    assert np.all(x.grad.numpy()[0] == 0)


@needs_torch
def test_norm_dtype_and_default():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    y = ember.tensor(a).norm(dtype=ember.float64)
    assert y.dtype == ember.float64
    np.testing.assert_allclose(y.numpy(), torch.tensor(a).norm(dtype=torch.float64).numpy())
    np.testing.assert_allclose(ember.norm(ember.tensor(a), dim=0).numpy(),
                               torch.norm(torch.tensor(a), dim=0).numpy(), rtol=1e-6)


def test_norm_errors():
    with pytest.raises(RuntimeError, match=r"norm: p='nuc' is not supported.*nuclear norm"):
        ember.ones(2, 2).norm("nuc")
    with pytest.raises(RuntimeError, match=r"norm: p='fro' takes at most 2 dims, got dim=\(0, 1, 2\)"):
        ember.ones(2, 2, 2).norm("fro", (0, 1, 2))
    with pytest.raises(RuntimeError, match="norm: input dtype should be floating point, got ember.int64"):
        ember.tensor([1, 2]).norm()


def test_double_backward_through_softmax_and_logsumexp():
    # Hessian-vector products: the backward passes are ember ops
    x = ember.tensor([[0.3, -1.2, 2.0]], dtype=ember.float64, requires_grad=True)
    for f in (lambda t: t.softmax(1)[0, 0], lambda t: t.logsumexp(1).sum(),
              lambda t: t.log_softmax(1)[0, 2]):
        g, = ember.autograd.grad(f(x), x, create_graph=True)
        h, = ember.autograd.grad(g.sum(), x)
        assert h.shape == x.shape and np.all(np.isfinite(h.numpy()))
    assert ember.autograd.gradgradcheck(lambda t: t.logsumexp(1), (x,))


@needs_torch
def test_zero_dim_and_empty_inputs_match_torch():
    # a 0-d tensor accepts dim 0 / -1; empty slices reduce to the identity (or -inf, nan)
    cases = [
        (2.5, lambda x: x.sum(0, keepdim=True)), (2.5, lambda x: x.amax(-1)), (2.5, lambda x: x.logsumexp(0)),
        (2.5, lambda x: x.var(0, correction=0)), (2.5, lambda x: x.prod(0)), (2.5, lambda x: x.norm(1, 0)),
        (np.zeros((0, 3)), lambda x: x.softmax(1)), (np.zeros((0, 3)), lambda x: x.logsumexp(0)),
        (np.zeros((3, 0)), lambda x: x.logsumexp(1)), (np.zeros((3, 0)), lambda x: x.prod(1)),
        (np.zeros((3, 0)), lambda x: x.norm(dim=1)), (np.zeros((0, 3)), lambda x: x.cumprod(0)),
        (np.zeros((0, 3)), lambda x: x.amax(1)),
    ]
    for a, fn in cases:
        x = ember.tensor(np.asarray(a), requires_grad=True)
        t = torch.tensor(np.asarray(a), requires_grad=True)
        y, ty = fn(x), fn(t)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_softmax_family_with_infinities_and_nan_matches_torch():
    rows = np.array([[0.0, -np.inf, 1.0], [np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf],
                     [np.inf, np.inf, 0.0], [np.nan, 1.0, 2.0]])
    for name in ("softmax", "log_softmax"):
        got = getattr(ember.tensor(rows), name)(1).numpy()
        if torch is not None:
            np.testing.assert_allclose(got, getattr(torch.tensor(rows), name)(1).numpy(), rtol=1e-12)
        assert np.isnan(got[1:]).all() and np.isfinite(got[0, [0, 2]]).all()


@pytest.mark.parametrize("shape, axis", [((64, 10), 1), ((1024, 10), -1), ((8, 8, 16), 2), ((300, 3), 1),
                                         ((64, 100), 1), ((4, 10), 1)])
def test_kept_max_equals_numpy_with_nan_and_inf(shape, axis):
    from ember.ops._util import kept_max

    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1)
    flat[[3, 37]] = [np.nan, np.inf]
    x.reshape(-1, shape[-1])[1] = -np.inf  # a whole row of -inf
    got, want = kept_max(x, axis), x.max(axis=axis, keepdims=True)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_log_softmax_and_cross_entropy_of_a_batch_of_logits_match_torch():
    # (64, 10): large enough for kept_max's transposed pass
    logits = np.random.default_rng(1).standard_normal((64, 10))
    target = np.random.default_rng(2).integers(0, 10, 64)
    check_op(lambda x: x.log_softmax(1), inputs=[logits])
    check_op(lambda x: ember.nn.functional.cross_entropy(x, ember.tensor(target, device=x.device)),
             (lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target))) if torch else None,
             inputs=[logits])
