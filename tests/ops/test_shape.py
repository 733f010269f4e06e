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


def _same_as_torch(y, ty):
    assert tuple(y.shape) == tuple(ty.shape)
    assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


# ---- movedim ----
@pytest.mark.parametrize("shape,src,dst", [
    ((2, 3, 4), 0, -1), ((2, 3, 4), -1, 0), ((2, 3, 4), (0, 1), (2, 0)),
    ((2, 1, 3, 2), (-1, 0), (1, -2)), ((2, 3, 4), (0, 1, 2), (2, 1, 0)), ((5,), 0, -1),
])
def test_movedim(shape, src, dst):
    check_op(lambda x: x.movedim(src, dst), shapes=[shape])
    check_op(lambda x: _lib(x).moveaxis(x, src, dst), shapes=[shape], gradgrad=False)


def test_movedim_is_a_view_and_accepts_0d():
    x = ember.randn(2, 3, 4)
    assert _shares(ember.movedim(x, 0, 2), x)
    s = ember.tensor(2.0)
    assert ember.movedim(s, 0, -1).shape == () and ember.movedim(s, 0, 0).item() == 2.0


def test_movedim_errors():
    x = ember.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"movedim: source \(0, 1\) and destination \(0,\).*same number"):
        x.movedim((0, 1), (0,))
    with pytest.raises(RuntimeError, match=r"movedim: source \(0, -3\) repeats a dimension.*\(2, 3, 4\)"):
        x.movedim((0, -3), (1, 2))
    with pytest.raises(RuntimeError, match=r"movedim: destination \(2, 2\) repeats a dimension"):
        x.movedim((0, 1), (2, 2))
    with pytest.raises(IndexError, match=r"movedim: dimension 3 is out of range"):
        x.movedim(3, 0)


# ---- unflatten ----
@pytest.mark.parametrize("shape,dim,sizes", [
    ((2, 6), 1, (2, 3)), ((2, 6), -1, (3, -1)), ((6, 2), 0, (-1, 2, 1)), ((4, 3, 2), -2, (1, 3)),
    ((2, 0), 1, (0, 3)),
])
def test_unflatten(shape, dim, sizes):
    check_op(lambda x: x.unflatten(dim, sizes), shapes=[shape])


def test_unflatten_is_a_view():
    x = ember.randn(2, 6)
    assert _shares(x.unflatten(1, (2, 3)), x)


def test_unflatten_errors():
    x = ember.ones(2, 6)
    with pytest.raises(RuntimeError, match=r"unflatten: sizes must be non-empty.*\(6,\)"):
        x.unflatten(1, ())
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(-1, -1\) are invalid.*one -1"):
        x.unflatten(1, (-1, -1))
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(2, -3\) are invalid"):
        x.unflatten(1, (2, -3))
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(2, 2\) multiply to 4, not to the size 6 "
                                           r"of dim 1 \(size 6\) of a tensor of shape \(2, 6\)"):
        x.unflatten(1, (2, 2))
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(-1, 4\) can't be completed.*6"):
        x.unflatten(-1, (-1, 4))
    with pytest.raises(RuntimeError, match=r"unflatten: sizes \(-1, 0\) can't be completed"):
        ember.ones(2, 0).unflatten(1, (-1, 0))
    with pytest.raises(RuntimeError, match=r"unflatten: a 0-dim tensor"):
        ember.tensor(1.0).unflatten(0, (1,))
    with pytest.raises(IndexError, match=r"unflatten: dimension 2 is out of range"):
        x.unflatten(2, (1,))


# ---- repeat / tile ----
@pytest.mark.parametrize("shape,sizes", [
    ((2, 3), (2, 1)), ((2, 3), (1, 2, 3)), ((3,), (2, 2)), ((), (2, 3)), ((2, 1, 3), (1, 4, 1)),
    ((2, 3), (1, 1)), ((3,), (2, 0)),
])
def test_repeat(shape, sizes):
    check_op(lambda x: x.repeat(*sizes), shapes=[shape])


@pytest.mark.parametrize("shape,dims", [((2, 3), (2,)), ((2, 3), (2, 1, 2)), ((3,), (3,)), ((2, 2), (1, 2))])
def test_tile(shape, dims):
    check_op(lambda x: x.tile(dims), shapes=[shape])
    check_op(lambda x: _lib(x).tile(x, dims), shapes=[shape], gradgrad=False)


def test_repeat_is_a_copy():
    x = ember.ones(2, 3)
    y = x.repeat(1, 1)
    x.add_(1.0)
    assert not np.shares_memory(y._data, x._data) and float(y.sum().item()) == 6.0


def test_repeat_and_tile_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"repeat: 1 sizes \(2,\) were given for a tensor of 2 "
                                           r"dimensions \(shape \(2, 3\)\)"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match=r"repeat: the number of copies can't be negative, got \(2, -1\)"):
        x.repeat(2, -1)
    with pytest.raises(RuntimeError, match=r"tile: the number of copies can't be negative, got \(-1,\)"):
        x.tile(-1)


# ---- flip ----
@pytest.mark.parametrize("shape,dims", [
    ((5,), (0,)), ((2, 3), (-1,)), ((2, 3, 4), (0, 2)), ((2, 3), ()), ((2, 3, 2), (-3, -2, -1)),
])
def test_flip(shape, dims):
    check_op(lambda x: x.flip(dims), shapes=[shape])
    check_op(lambda x: _lib(x).flip(x, dims), shapes=[shape], gradgrad=False)


def test_flip_is_a_copy_and_takes_int_dims():
    x = ember.arange(6.0).reshape(2, 3)
    y = ember.flip(x, 1)
    np.testing.assert_array_equal(y.numpy(), [[2, 1, 0], [5, 4, 3]])
    x.add_(10.0)
    np.testing.assert_array_equal(y.numpy(), [[2, 1, 0], [5, 4, 3]])
    assert y._data.flags.c_contiguous


def test_flip_error():
    with pytest.raises(RuntimeError, match=r"flip: dim \(0, -2\) names a dimension more than once"):
        ember.ones(2, 3).flip(0, -2)


# ---- roll ----
@pytest.mark.parametrize("shape,shifts,dims", [
    ((6,), 2, None), ((2, 3), -1, None), ((2, 3), 1, 0), ((2, 3), (1, -1), (0, 1)), ((3, 4), 5, -1),
    ((2, 3), (1, 2), (1, 1)), ((2, 3, 2), [1], [-2]),
])
def test_roll(shape, shifts, dims):
    check_op(lambda x: x.roll(shifts, dims), shapes=[shape])


@needs_torch
def test_roll_matches_torch_on_ints_and_0d():
    _same_as_torch(ember.arange(6).reshape(2, 3).roll(1), torch.arange(6).reshape(2, 3).roll(1))
    _same_as_torch(ember.tensor(3.0).roll(1), torch.tensor(3.0).roll(1))
    _same_as_torch(ember.ones(0, 3).roll(1, 0), torch.ones(0, 3).roll(1, 0))


def test_roll_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"roll: without dims, shifts must be a single number, "
                                           r"got \(1, 2\)"):
        x.roll((1, 2))
    with pytest.raises(RuntimeError, match=r"roll: shifts \(1, 2\) and dims \(0,\) must have the "
                                           r"same length"):
        x.roll((1, 2), (0,))
    with pytest.raises(IndexError, match=r"roll: a 0-dim tensor has no dimension 0"):
        ember.tensor(1.0).roll(1, 0)
    with pytest.raises(IndexError, match=r"roll: dimension 2 is out of range"):
        x.roll(1, 2)


# ---- narrow ----
@pytest.mark.parametrize("shape,dim,start,length", [
    ((5,), 0, 1, 3), ((3, 4), 1, 0, 2), ((3, 4), -1, -2, 2), ((3, 4), -2, 2, 1), ((2, 3, 4), 1, 3, 0),
    ((2, 3, 4), 2, -4, 4),
])
def test_narrow(shape, dim, start, length):
    check_op(lambda x: x.narrow(dim, start, length), shapes=[shape])


def test_narrow_is_a_view_and_accepts_tensor_start():
    x = ember.arange(12.0).reshape(3, 4)
    v = x.narrow(1, ember.tensor(1), 2)
    assert _shares(v, x)
    with ember.no_grad():
        x.add_(1.0)
    np.testing.assert_array_equal(v.numpy(), [[2, 3], [6, 7], [10, 11]])


def test_narrow_errors():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match=r"narrow: start 4 is out of range for dim 1 of size 3 "
                                         r"\(shape \(2, 3\)\); expected a value in \[-3, 3\]"):
        x.narrow(1, 4, 0)
    with pytest.raises(IndexError, match=r"narrow: start -4 is out of range"):
        x.narrow(1, -4, 0)
    with pytest.raises(RuntimeError, match=r"narrow: length must be non-negative, got -1"):
        x.narrow(1, 0, -1)
    with pytest.raises(RuntimeError, match=r"narrow: start \(1\) \+ length \(3\) exceeds the size 3 of "
                                           r"dim -1 \(shape \(2, 3\)\); use a length of at most 2"):
        x.narrow(-1, 1, 3)
    with pytest.raises(RuntimeError, match=r"narrow: can't be applied to a 0-dim tensor"):
        ember.tensor(1.0).narrow(0, 0, 1)


# ---- tril / triu ----
@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (2, 4, 3), (2, 1, 3, 3)])
@pytest.mark.parametrize("k", [0, 1, -1, 7])
@pytest.mark.parametrize("op", ["tril", "triu"])
def test_tril_triu(op, k, shape):
    check_op(lambda x: getattr(x, op)(k), shapes=[shape], gradgrad=shape == (3, 5))


@needs_torch
@pytest.mark.parametrize("op", ["tril", "triu"])
def test_tril_triu_on_ints_and_bools(op):
    a = np.arange(12).reshape(3, 4)
    _same_as_torch(getattr(ember.tensor(a), op)(-1), getattr(torch.tensor(a), op)(-1))
    _same_as_torch(getattr(ember.tensor(a > 3), op)(1), getattr(torch.tensor(a > 3), op)(1))


def test_tril_triu_error():
    with pytest.raises(RuntimeError, match=r"tril: expects a tensor of at least 2 dimensions.*\(3,\)"):
        ember.ones(3).tril()
    with pytest.raises(RuntimeError, match=r"triu: expects a tensor of at least 2 dimensions.*\(\)"):
        ember.tensor(1.0).triu()


# ---- diag / diagonal ----
@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 2), ((2,), -1), ((3, 3), 0), ((3, 4), 1),
                                     ((4, 3), -2), ((3, 4), -5)])
def test_diag(shape, k):
    check_op(lambda x: x.diag(k), shapes=[shape])


def test_diag_of_a_matrix_is_a_copy():
    x = ember.arange(9.0).reshape(3, 3)
    d = ember.diag(x)
    x.add_(1.0)
    np.testing.assert_array_equal(d.numpy(), [0, 4, 8])


@needs_torch
def test_diag_on_ints():
    _same_as_torch(ember.tensor([1, 2, 3]).diag(1), torch.tensor([1, 2, 3]).diag(1))


def test_diag_errors():
    with pytest.raises(RuntimeError, match=r"diag: expects a 1-D or 2-D tensor, got shape \(2, 2, 2\)"):
        ember.ones(2, 2, 2).diag()
    with pytest.raises(RuntimeError, match=r"diag: expects a 1-D or 2-D tensor, got shape \(\)"):
        ember.tensor(1.0).diag()


@pytest.mark.parametrize("shape,offset,dim1,dim2", [
    ((3, 4), 0, 0, 1), ((3, 4), 1, 1, 0), ((2, 3, 4), -1, -1, 0), ((2, 3, 4, 2), 2, 1, 2),
    ((3, 3), 5, 0, 1), ((2, 3, 3), 0, -2, -1),
])
def test_diagonal(shape, offset, dim1, dim2):
    check_op(lambda x: x.diagonal(offset, dim1, dim2), shapes=[shape])


def test_diagonal_is_a_writable_view():
    x = ember.zeros(3, 3)
    d = x.diagonal()
    assert _shares(d, x)
    with ember.no_grad():
        d.fill_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3))
    x.data.mul_(3.0)
    np.testing.assert_array_equal(d.numpy(), [3, 3, 3])


def test_diagonal_of_a_broadcast_view_stays_read_only():
    d = ember.ones(3).expand(3, 3).diagonal()
    assert not d._data.flags.writeable


def test_diagonal_error():
    with pytest.raises(RuntimeError, match=r"diagonal: dim1 \(1\) and dim2 \(-1\) are the same dimension "
                                           r"of shape \(3, 3\)"):
        ember.ones(3, 3).diagonal(0, 1, -1)
    with pytest.raises(IndexError, match=r"diagonal: dimension 1 is out of range"):
        ember.ones(3).diagonal()


def test_inplace_on_base_after_diagonal_was_saved_makes_backward_raise():
    x = ember.randn(3, 3, requires_grad=True)
    b = x * 1.0
    d = b.diagonal()
    y = (d * d).sum()
    with ember.no_grad():
        b.add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation"):
        y.backward()
