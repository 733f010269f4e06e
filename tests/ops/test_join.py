import numpy as np
import pytest

import ember
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _lib(x):
    """The module (ember or torch) that ``x`` belongs to, so one lambda serves both."""
    return ember if isinstance(x, ember.Tensor) else torch


def _shares(view, base):
    """``view`` shares memory and the version counter with ``base``."""
    return np.shares_memory(view._data, base._data) and view._version is base._version


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


class _FakeCudaTensor(ember.Tensor):
    """A CPU tensor that reports a CUDA device, to test device checks on a machine without a GPU."""

    __slots__ = ()

    @property
    def device(self):
        return ember.device("cuda", 0)


# ---- cat ----
@pytest.mark.parametrize("shapes,dim", [
    ([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], -1), ([(2, 1, 4), (2, 3, 4)], 1),
    ([(3, 2)], 0), ([(2, 2, 1), (2, 2, 2)], -1), ([(1, 2), (0, 2), (2, 2)], -2),
])
def test_cat(shapes, dim):
    check_op(lambda *xs: _lib(xs[0]).cat(xs, dim), shapes=shapes)


def test_cat_aliases():
    assert ember.concat is ember.cat and ember.concatenate is ember.cat
    check_op(lambda a, b: _lib(a).concatenate([a, b], dim=1), shapes=[(2, 1), (2, 3)], gradgrad=False)


def test_cat_is_a_copy():
    x = ember.ones(2, 3)
    y = ember.cat([x])
    x.add_(1.0)
    assert not np.shares_memory(y._data, x._data) and float(y.sum().item()) == 6.0


@needs_torch
@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("bool", "int32"), ("uint8", "int8"),
                                    ("float32", "float64"), ("int64", "float16", "bool")])
def test_cat_and_stack_promote_as_torch(dtypes):
    ours = [ember.ones(2, dtype=getattr(ember, d)) for d in dtypes]
    theirs = [torch.ones(2, dtype=getattr(torch, d)) for d in dtypes]
    assert _dtype_name(ember.cat(ours)) == _dtype_name(torch.cat(theirs))
    assert _dtype_name(ember.stack(ours)) == _dtype_name(torch.stack(theirs))


def test_cat_of_mixed_float_dtypes_gives_each_input_its_dtype_of_gradient():
    a = ember.randn(2, requires_grad=True)
    b = ember.randn(3, dtype=ember.float64, requires_grad=True)
    y = ember.cat([a, b])
    assert y.dtype == ember.float64
    y.sum().backward()
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64
    np.testing.assert_array_equal(a.grad.numpy(), [1, 1])


def test_cat_gives_no_gradient_to_inputs_that_need_none():
    a = ember.randn(2, 3, requires_grad=True)
    b = ember.randn(1, 3)
    y = ember.cat([b, a])
    (y * ember.arange(3.0)).sum().backward()
    assert b.grad is None
    np.testing.assert_array_equal(a.grad.numpy(), np.tile([0.0, 1.0, 2.0], (2, 1)))


@needs_torch
def test_cat_skips_1d_empty_tensors_as_torch():
    check_op(lambda a, b: _lib(a).cat([a, b], 1), shapes=[(0,), (2, 3)])
    check_op(lambda a, b: _lib(a).cat([a, b], -2), shapes=[(2, 3), (0,)])
    e = ember.zeros(0, dtype=ember.float64, requires_grad=True)
    x = ember.ones(2, 3, requires_grad=True)
    y = ember.cat([e, x], dim=1)
    assert y.shape == (2, 3) and y.dtype == ember.float64  # the skipped tensor still promotes
    y.sum().backward()
    assert e.grad.shape == (0,) and e.grad.dtype == ember.float64
    assert ember.cat([ember.zeros(0), ember.zeros(0)], dim=3).shape == (0,)


def test_cat_errors():
    a = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"cat: tensor 2 has shape \(3, 3\) but tensor 0 has shape "
                                           r"\(2, 3\); all sizes must match except along dim 1"):
        ember.cat([a, ember.ones(2, 1), ember.ones(3, 3)], dim=1)
    with pytest.raises(RuntimeError, match=r"cat: tensor 1 has shape \(3,\) but tensor 0 has shape \(2, 3\)"):
        ember.cat([a, ember.ones(3)])
    with pytest.raises(RuntimeError, match=r"cat: tensor 1 is zero-dimensional.*use stack\(\)"):
        ember.cat([ember.ones(1), ember.tensor(1.0)])
    with pytest.raises(ValueError, match=r"cat: expected a non-empty list of tensors"):
        ember.cat([])
    with pytest.raises(TypeError, match=r"cat: expected a list or tuple of tensors, got a single Tensor "
                                        r"of shape \(2, 3\)"):
        ember.cat(a)
    with pytest.raises(TypeError, match=r"cat: expected a Tensor at position 1, got int"):
        ember.cat([a, 3])
    with pytest.raises(IndexError, match=r"cat: dimension 2 is out of range"):
        ember.cat([a, a], dim=2)


def test_cat_device_mismatch_names_both_devices():
    gpu = _FakeCudaTensor._make(np.ones((1, 3), np.float32), False, None, 0)
    with pytest.raises(RuntimeError, match=r"cat: expected all tensors on the same device, but tensor 0 "
                                           r"\(shape \(2, 3\)\) is on cpu and tensor 1 \(shape \(1, 3\)\) "
                                           r"is on cuda:0; move them to one device first"):
        ember.cat([ember.ones(2, 3), gpu])


# ---- stack ----
@pytest.mark.parametrize("shapes,dim", [
    ([(2, 3), (2, 3)], 0), ([(2, 3), (2, 3), (2, 3)], -1), ([(3,), (3,)], 1), ([(2, 3)], -3),
    ([(), ()], 0), ([(2, 1, 2), (2, 1, 2)], 2),
])
def test_stack(shapes, dim):
    check_op(lambda *xs: _lib(xs[0]).stack(xs, dim), shapes=shapes)


def test_stack_errors():
    with pytest.raises(RuntimeError, match=r"stack: expects tensors of one shape, but tensor 0 has shape "
                                           r"\(2,\) and tensor 2 has shape \(3,\) \(all shapes: \(2,\), "
                                           r"\(2,\), \(3,\)\)"):
        ember.stack([ember.ones(2), ember.ones(2), ember.ones(3)])
    with pytest.raises(ValueError, match=r"stack: expected a non-empty list of tensors"):
        ember.stack([])
    with pytest.raises(IndexError, match=r"stack: dimension 2 is out of range"):
        ember.stack([ember.ones(2)], dim=2)


# ---- hstack / vstack ----
@pytest.mark.parametrize("shapes", [[(2,), (3,)], [(), (2,)], [(2, 1), (2, 3)], [(2, 3, 1), (2, 1, 1)]])
def test_hstack(shapes):
    check_op(lambda *xs: _lib(xs[0]).hstack(xs), shapes=shapes, gradgrad=False)


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(), (1,)], [(1, 2), (3, 2)], [(2, 3), (3,)]])
def test_vstack(shapes):
    check_op(lambda *xs: _lib(xs[0]).vstack(xs), shapes=shapes, gradgrad=False)


def test_hstack_vstack_errors():
    with pytest.raises(ValueError, match=r"hstack: expected a non-empty list"):
        ember.hstack([])
    with pytest.raises(RuntimeError, match=r"cat: tensor 1 has shape \(1, 2\) but tensor 0 has "
                                           r"shape \(1, 3\)"):
        ember.vstack([ember.ones(3), ember.ones(2)])


# ---- split ----
@pytest.mark.parametrize("shape,split,dim", [
    ((6,), 2, 0), ((5, 2), 2, 0), ((2, 7), 3, -1), ((4, 3), 10, 0), ((2, 6), [1, 2, 3], 1),
    ((6, 2), (0, 6), -2), ((2, 3, 4), [4], -1),
])
def test_split(shape, split, dim):
    check_op(lambda x: x.split(split, dim), shapes=[shape])
    check_op(lambda x: _lib(x).split(x, split, dim=dim), shapes=[shape], gradgrad=False)


@pytest.mark.parametrize("pick", [(0,), (1,), (0, 2)])
def test_split_gradient_when_some_pieces_are_unused(pick):
    check_op(lambda x: tuple(x.split([1, 2, 3], -1)[i] for i in pick), shapes=[(2, 6)])


def test_split_returns_views_made_by_one_node():
    x = ember.randn(4, 6, requires_grad=True)
    pieces = x.split(2, 1)
    assert isinstance(pieces, tuple) and len(pieces) == 3
    assert all(_shares(p, x) for p in pieces)
    assert pieces[0].grad_fn is pieces[2].grad_fn


def test_inplace_on_base_after_split_piece_was_saved_makes_backward_raise():
    x = ember.randn(4, requires_grad=True)
    b = x * 1.0
    first, _ = b.split(2)
    y = (first * first).sum()
    with ember.no_grad():
        b.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation"):
        y.backward()


@needs_torch
def test_split_of_empty_dimensions_as_torch():
    for args in [(0,), (3,), ([],)]:
        ours, theirs = ember.ones(0, 2).split(*args), torch.ones(0, 2).split(*args)
        assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


def test_split_errors():
    x = ember.ones(4, 2)
    with pytest.raises(RuntimeError, match=r"split: split_size must be positive \(0 only for an empty "
                                           r"dimension\), got 0 for dim 0 of size 4 \(shape \(4, 2\)\)"):
        x.split(0)
    with pytest.raises(RuntimeError, match=r"split: split_size must be positive.*got -1"):
        x.split(-1)
    with pytest.raises(RuntimeError, match=r"split: split sizes \[1, 2\] must be non-negative and sum to 4, "
                                           r"the size of dim 0 of size 4 \(shape \(4, 2\)\); they sum to 3"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match=r"split: split sizes \[5, -1\] must be non-negative"):
        x.split([5, -1])
    with pytest.raises(RuntimeError, match=r"split: expects a tensor of at least 1 dimension"):
        ember.tensor(1.0).split(1)
    with pytest.raises(IndexError, match=r"split: dimension 2 is out of range"):
        x.split(1, 2)


# ---- chunk ----
@pytest.mark.parametrize("shape,chunks,dim", [
    ((6,), 3, 0), ((5, 2), 3, 0), ((2, 6), 4, -1), ((2, 3), 5, 1), ((3, 2), 1, -2),
])
def test_chunk(shape, chunks, dim):
    check_op(lambda x: x.chunk(chunks, dim), shapes=[shape])


@needs_torch
def test_chunk_sizes_as_torch():
    for n in range(0, 9):
        for chunks in range(1, 6):
            ours = [p.shape for p in ember.ones(n).chunk(chunks)]
            assert ours == [tuple(p.shape) for p in torch.ones(n).chunk(chunks)], (n, chunks)


def test_chunk_errors():
    with pytest.raises(RuntimeError, match=r"chunk: chunks must be a positive int, got 0"):
        ember.ones(3).chunk(0)
    with pytest.raises(RuntimeError, match=r"chunk: expects a tensor of at least 1 dimension"):
        ember.tensor(1.0).chunk(1)


# ---- unbind ----
@pytest.mark.parametrize("shape,dim", [((3,), 0), ((2, 3), 0), ((2, 3), -1), ((2, 3, 2), 1), ((1, 2), -2)])
def test_unbind(shape, dim):
    check_op(lambda x: x.unbind(dim), shapes=[shape])
    check_op(lambda x: _lib(x).unbind(x, dim), shapes=[shape], gradgrad=False)


def test_unbind_gradient_when_some_slices_are_unused():
    check_op(lambda x: x.unbind(1)[1] * 2.0, shapes=[(2, 3)])
    check_op(lambda x: (x.unbind(-1)[0], x.unbind(-1)[2]), shapes=[(2, 3)])


def test_unbind_returns_views_and_iteration_uses_it():
    x = ember.arange(6.0).reshape(2, 3)
    rows = x.unbind()
    assert all(_shares(r, x) for r in rows)
    items = list(ember.arange(3.0))
    assert all(t.shape == () for t in items) and [t.item() for t in items] == [0.0, 1.0, 2.0]
    x.add_(1.0)
    np.testing.assert_array_equal([r.numpy() for r in rows], [[1, 2, 3], [4, 5, 6]])
    assert ember.ones(0, 2).unbind() == ()


def test_unbind_error():
    with pytest.raises(IndexError, match=r"unbind: a 0-dim tensor has no dimension to unbind"):
        ember.tensor(1.0).unbind()
    with pytest.raises(IndexError, match=r"unbind: dimension 2 is out of range"):
        ember.ones(2, 2).unbind(2)
