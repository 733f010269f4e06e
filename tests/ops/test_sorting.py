import math

import numpy as np
import pytest

import ember
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

SHAPES_DIMS = [((6,), 0), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((), 0)]
TIES = np.array([[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [5.0, 5.0, 5.0, -1.0, -1.0, 3.0]])


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
@pytest.mark.parametrize("descending", [False, True])
def test_sort(shape, dim, descending):
    # values and indices compared with torch; the gradient flows back to the source positions
    check_op(lambda x: x.sort(dim, descending), shapes=[shape])
    check_op(lambda x: ember.sort(x, dim=dim, descending=descending).values,
             lambda t: torch.sort(t, dim=dim, descending=descending).values, shapes=[shape])


@needs_torch
@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_with_ties_and_nan(descending):
    a = np.concatenate([TIES, [[math.nan, 1.0, math.nan, -math.inf, math.inf, 1.0]]])
    for arr in (a, TIES.astype(np.int64), TIES > 1):
        r = ember.tensor(arr).sort(dim=1, descending=descending, stable=True)
        tr = torch.tensor(arr).sort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(r.values.numpy(), tr.values.numpy())
        np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
        idx = ember.argsort(ember.tensor(arr), 1, descending, stable=True)
        np.testing.assert_array_equal(idx.numpy(), tr.indices.numpy())
        assert r.indices.dtype == ember.int64 and idx.dtype == ember.int64


@needs_torch
def test_sort_gradient_with_ties_matches_torch():
    x = ember.tensor(TIES, requires_grad=True)
    t = torch.tensor(TIES, requires_grad=True)
    seed = np.arange(TIES.size, dtype=np.float64).reshape(TIES.shape)
    x.sort(dim=1, stable=True).values.backward(ember.tensor(seed))
    t.sort(dim=1, stable=True).values.backward(torch.tensor(seed))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_sort_result_is_a_named_tuple():
    r = ember.tensor([3.0, 1.0, 2.0]).sort()
    values, indices = r
    assert type(r).__name__ == "sort" and values is r.values and indices is r.indices
    assert r.values.tolist() == [1.0, 2.0, 3.0] and r.indices.tolist() == [1, 2, 0]
    assert ember.argsort(ember.tensor(5.0)).shape == ()


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS[:4])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 2])
def test_topk(shape, dim, largest, k):
    check_op(lambda x: x.topk(k, dim, largest), shapes=[shape])


@needs_torch
@pytest.mark.parametrize("largest", [True, False])
def test_topk_all_none_and_unsorted(largest):
    a = np.random.default_rng(0).standard_normal((3, 7))
    for k in (0, 7):
        r = ember.tensor(a).topk(k, largest=largest)
        tr = torch.tensor(a).topk(k, largest=largest)
        assert r.values.shape == tuple(tr.values.shape)
        np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
    r = ember.topk(ember.tensor(a), 3, dim=1, largest=largest, sorted=False)
    tr = torch.topk(torch.tensor(a), 3, dim=1, largest=largest)
    # unsorted: the same set of elements, in some order
    np.testing.assert_array_equal(np.sort(r.indices.numpy(), 1), np.sort(tr.indices.numpy(), 1))
    np.testing.assert_array_equal(np.take_along_axis(a, r.indices.numpy(), 1), r.values.numpy())
    assert type(r).__name__ == "topk"


@needs_torch
def test_topk_counts_nan_as_largest():
    a = np.array([1.0, math.nan, 3.0, 2.0])
    r, tr = ember.tensor(a).topk(2), torch.tensor(a).topk(2)
    np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
    r, tr = ember.tensor(a).topk(2, largest=False), torch.tensor(a).topk(2, largest=False)
    np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())


def test_topk_k_out_of_range():
    with pytest.raises(RuntimeError, match=r"topk: k=4 is out of range for dimension 1 of size 3 "
                                           r"\(input shape \(2, 3\)\); k must be in \[0, 3\]"):
        ember.ones(2, 3).topk(4)


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS[:4])
@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue(shape, dim, keepdim):
    check_op(lambda x: ember.kthvalue(x, 2, dim, keepdim), lambda t: torch.kthvalue(t, 2, dim, keepdim),
             shapes=[shape])


def test_kthvalue_k_out_of_range():
    with pytest.raises(RuntimeError, match=r"kthvalue: k=0 is out of range for dimension 0 of size 4 "
                                           r"\(input shape \(4,\)\); k must be in \[1, 4\]"):
        ember.kthvalue(ember.ones(4), 0)


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS[:4])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_with_dim(shape, dim, keepdim):
    check_op(lambda x: ember.median(x, dim, keepdim), lambda t: torch.median(t, dim, keepdim),
             shapes=[shape])


@pytest.mark.parametrize("shape", [(7,), (3, 4), ()])
def test_median_of_all(shape):
    check_op(lambda x: ember.median(x), lambda t: torch.median(t), shapes=[shape])


@needs_torch
def test_median_ties_nan_and_empty():
    x = ember.tensor(TIES, requires_grad=True)
    t = torch.tensor(TIES, requires_grad=True)
    ember.median(x).backward()
    torch.median(t).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())  # split among the tied medians
    a = np.array([[1.0, math.nan, 3.0, math.nan], [4.0, 2.0, 0.5, 1.0]])
    r, tr = ember.median(ember.tensor(a), 1), torch.median(torch.tensor(a), 1)
    np.testing.assert_array_equal(r.values.numpy(), tr.values.numpy())
    np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
    assert math.isnan(ember.median(ember.tensor(a)).item())
    assert math.isnan(ember.median(ember.zeros(0)).item())
    with pytest.raises(IndexError, match=r"median: expected reduction dim 1 to have non-zero size, "
                                         r"but the input has shape \(2, 0\)"):
        ember.median(ember.zeros(2, 0), 1)


def test_double_backward_through_topk():
    x = ember.tensor([0.3, -1.2, 2.0, 0.7], dtype=ember.float64, requires_grad=True)
    y = (x.topk(2).values ** 3).sum()
    g, = ember.autograd.grad(y, x, create_graph=True)
    h, = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [0.0, 0.0, 12.0, 4.2])
