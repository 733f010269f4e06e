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


# ---- reshape / view / flatten ----
@pytest.mark.parametrize("shape,new", [
    ((2, 3), (6,)), ((2, 3), (3, -1)), ((2, 3, 4), (-1, 4)), ((6,), (1, 2, 1, 3)), ((), (1, 1)),
    ((1,), ()), ((0, 3), (-1, 3)), ((2, 3), (-1,)),
])
def test_reshape(shape, new):
    check_op(lambda x: x.reshape(new), shapes=[shape])
    check_op(lambda x: _lib(x).reshape(x, new), shapes=[shape], gradgrad=False)


@pytest.mark.parametrize("shape,new", [((2, 3), (3, 2)), ((2, 3, 4), (6, -1)), ((4,), (2, 1, 2))])
def test_view(shape, new):
    check_op(lambda x: x.view(*new), shapes=[shape])


def test_reshape_of_a_transpose():
    check_op(lambda x: x.t().reshape(-1), shapes=[(2, 3)])
    check_op(lambda x: x.permute(2, 0, 1).reshape(4, 6), shapes=[(2, 3, 4)])


def test_view_on_a_compatible_non_contiguous_input():
    check_op(lambda x: x.transpose(0, 1).view(3, 2, 2), shapes=[(2, 3, 2)])


def test_reshape_and_view_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4, -1\) is invalid for a tensor of 6 "
                                           r"elements \(shape \(2, 3\)\)"):
        x.reshape(4, -1)
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4, 2\) is invalid for a tensor of 6 elements "
                                           r"\(shape \(2, 3\)\); the sizes must multiply to 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"view: only one dimension can be -1, got shape \(-1, -1\)"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match=r"reshape: invalid size -2 in shape \(-2, 3\)"):
        x.reshape(-2, 3)
    with pytest.raises(RuntimeError, match=r"reshape: shape \(-1, 0\) is invalid for a tensor of 0 elements"):
        ember.ones(0, 3).reshape(-1, 0)


def test_view_of_a_non_contiguous_input_suggests_reshape():
    with pytest.raises(RuntimeError, match=r"view: shape \(6,\) is not compatible with the input's "
                                           r"memory layout \(shape \(3, 2\), not contiguous.*"
                                           r"Use \.reshape\(\.\.\.\)"):
        ember.ones(2, 3).t().view(6)


@pytest.mark.parametrize("shape,start,end", [
    ((2, 3, 4), 0, -1), ((2, 3, 4), 1, 2), ((2, 3, 4), -2, -1), ((2, 3, 4), 0, 0), ((2, 3, 4, 2), 1, -2),
    ((), 0, -1), ((5,), 0, 0),
])
def test_flatten(shape, start, end):
    check_op(lambda x: x.flatten(start, end), shapes=[shape])


def test_flatten_error():
    with pytest.raises(RuntimeError, match=r"flatten: start_dim \(2\) comes after end_dim \(1\)"):
        ember.ones(2, 3, 4).flatten(2, 1)
    with pytest.raises(IndexError, match=r"flatten: dimension 3 is out of range for a tensor of 3"):
        ember.ones(2, 3, 4).flatten(3)


# ---- transpose / t / permute ----
@pytest.mark.parametrize("shape,d0,d1", [
    ((2, 3), 0, 1), ((2, 3, 4), -1, 0), ((2, 3, 4), 1, -2), ((4,), 0, -1), ((), 0, -1), ((2, 3), 1, 1),
])
def test_transpose(shape, d0, d1):
    check_op(lambda x: x.transpose(d0, d1), shapes=[shape])
    check_op(lambda x: _lib(x).swapaxes(x, d0, d1), shapes=[shape], gradgrad=False)


@pytest.mark.parametrize("shape", [(2, 3), (4,), ()])
def test_t(shape):
    check_op(lambda x: x.t(), shapes=[shape])


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4)])
def test_T_and_mT(shape):
    check_op(lambda x: x.mT, shapes=[shape])
    if len(shape) == 2:
        check_op(lambda x: x.T, shapes=[shape])


@pytest.mark.parametrize("shape,dims", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (-1, -3, 1)),
                                        ((3,), (0,)), ((), ())])
def test_permute(shape, dims):
    check_op(lambda x: x.permute(*dims) if dims else x.permute(dims), shapes=[shape])
    check_op(lambda x: _lib(x).permute(x, dims), shapes=[shape], gradgrad=False)


def test_transpose_t_permute_errors():
    x = ember.ones(2, 3, 4)
    with pytest.raises(IndexError, match=r"transpose: dimension 3 is out of range"):
        x.transpose(0, 3)
    with pytest.raises(RuntimeError, match=r"t: expects a tensor of at most 2 dimensions, got shape "
                                           r"\(2, 3, 4\); use transpose"):
        x.t()
    with pytest.raises(RuntimeError, match=r"permute: the tensor has 3 dimensions \(shape \(2, 3, 4\)\) but "
                                           r"2 were given: \(0, 1\)"):
        x.permute(0, 1)
    with pytest.raises(RuntimeError, match=r"permute: dims \(0, 1, -3\) repeat a dimension"):
        x.permute(0, 1, -3)
    with pytest.raises(IndexError, match=r"permute: dimension 3 is out of range"):
        x.permute(0, 1, 3)


# ---- expand / broadcast_to ----
@pytest.mark.parametrize("shape,sizes", [
    ((3, 1), (3, 4)), ((3, 1), (-1, 4)), ((1,), (2, 3, 5)), ((2, 1), (4, 2, -1)), ((), (2, 2)),
    ((2, 3), (2, 3)),
])
def test_expand(shape, sizes):
    check_op(lambda x: x.expand(*sizes), shapes=[shape])


def test_expand_as():
    check_op(lambda x, y: x.expand_as(y), shapes=[(3, 1), (2, 3, 4)])


@pytest.mark.parametrize("shape,target", [((3, 1), (3, 4)), ((4,), (2, 3, 4)), ((1, 1), (1, 1)), ((), (3,))])
def test_broadcast_to(shape, target):
    check_op(lambda x: x.broadcast_to(target), shapes=[shape])
    check_op(lambda x: _lib(x).broadcast_to(x, target), shapes=[shape], gradgrad=False)


def test_expand_is_a_view():
    x = ember.zeros(3, 1)
    y = x.expand(3, 4)
    assert _shares(y, x)
    x.data.add_(1.0)
    np.testing.assert_array_equal(y.numpy(), np.ones((3, 4)))


def test_expand_and_broadcast_to_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"expand: the size of dimension 0 of shape \(2, 3\) is 2, which "
                                           r"can't be expanded to 4 \(only size-1 dimensions expand\); "
                                           r"target \(4, 3\)"):
        x.expand(4, 3)
    with pytest.raises(RuntimeError, match=r"expand: the number of sizes \(1\) must be at least the number "
                                           r"of dimensions of the tensor \(2, shape \(2, 3\)\)"):
        x.expand(3)
    with pytest.raises(RuntimeError, match=r"broadcast_to: shape \(2, 3\) can't be broadcast to \(3, 3\)"):
        x.broadcast_to((3, 3))
    with pytest.raises(RuntimeError, match=r"broadcast_to: shape \(2, 3\) can't be broadcast to \(3,\)"):
        x.broadcast_to((3,))


# ---- squeeze / unsqueeze ----
@pytest.mark.parametrize("shape,dim", [
    ((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1), ((1, 3, 1), 1), ((1, 3, 1), (0, 2)),
    ((2, 1, 1, 3), (-2, 1)), ((1,), None), ((), 0), ((1, 1), None),
])
def test_squeeze(shape, dim):
    check_op(lambda x: x.squeeze(dim) if dim is not None else x.squeeze(), shapes=[shape])


@pytest.mark.parametrize("shape,dim", [((3,), 0), ((3,), 1), ((3,), -1), ((2, 3), -2), ((2, 3), 1), ((), 0)])
def test_unsqueeze(shape, dim):
    check_op(lambda x: x.unsqueeze(dim), shapes=[shape])


def test_squeeze_unsqueeze_errors():
    with pytest.raises(IndexError, match=r"squeeze: dimension 3 is out of range for a tensor of 2"):
        ember.ones(1, 3).squeeze(3)
    with pytest.raises(RuntimeError, match=r"squeeze: dim \(0, -2\) names a dimension more than once"):
        ember.ones(1, 3).squeeze((0, -2))
    with pytest.raises(IndexError, match=r"unsqueeze: dimension 3 is out of range for the result of 3 "
                                         r"dimension\(s\) \(expected a value in \[-3, 2\]\)"):
        ember.ones(1, 3).unsqueeze(3)
    with pytest.raises(IndexError, match=r"unsqueeze: dimension -4 is out of range"):
        ember.ones(1, 3).unsqueeze(-4)


# ---- view semantics: shared memory and shared version counter ----
VIEWS = {
    "reshape": lambda x: x.reshape(6, 2),
    "view": lambda x: x.view(-1),
    "flatten": lambda x: x.flatten(1),
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(1, 2, 0),
    "expand": lambda x: x.expand(2, 2, 3, 2),
    "broadcast_to": lambda x: x.broadcast_to((4, 2, 3, 2)),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(-1),
    "mT": lambda x: x.mT,
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_and_version_counter(name):
    x = ember.arange(12.0).reshape(2, 3, 2)
    v = VIEWS[name](x)
    assert _shares(v, x)
    x.data.mul_(2.0)  # through .data: visible, but (as in PyTorch) not counted as a version
    with ember.no_grad():
        x.add_(1.0)  # in place, outside the graph
    expected = VIEWS[name](ember.arange(12.0).reshape(2, 3, 2) * 2.0 + 1.0)
    np.testing.assert_array_equal(v.numpy(), expected.numpy())
    assert v._version_number == x._version_number == 1


def test_writing_through_a_view_changes_the_base():
    x = ember.zeros(2, 3)
    with ember.no_grad():
        x.view(-1).fill_(1.0)
        x.t().mul_(3.0)
    np.testing.assert_array_equal(x.numpy(), np.full((2, 3), 3.0))
    assert x._version_number == 2


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_inplace_on_base_after_view_was_saved_makes_backward_raise(name):
    leaf = ember.randn(2, 3, 2, requires_grad=True)
    base = leaf * 1.0
    v = VIEWS[name](base)
    y = (v * v).sum()  # saves v
    with ember.no_grad():
        base.add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation.*version 1; expected "
                                           r"version 0"):
        y.backward()


def test_inplace_on_view_after_base_was_saved_makes_backward_raise():
    leaf = ember.randn(2, 3, requires_grad=True)
    base = leaf * 1.0
    y = (base * base).sum()  # saves base
    with ember.no_grad():
        base.view(-1).add_(1.0)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation"):
        y.backward()


def test_views_propagate_gradients_to_the_base():
    x = ember.randn(2, 3, requires_grad=True)
    (x.view(3, 2) * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_reshape_that_copies_does_not_share_memory():
    x = ember.arange(6.0).reshape(2, 3)
    y = x.t().reshape(6)
    assert not np.shares_memory(y._data, x._data)
    x.add_(1.0)
    np.testing.assert_array_equal(y.numpy(), [0, 3, 1, 4, 2, 5])


def test_reshape_that_copies_has_its_own_version_counter():
    leaf = ember.randn(2, 3, requires_grad=True)
    base = leaf * 1.0
    y = base.t().reshape(6)  # a copy, as in PyTorch
    assert y._version is not base._version
    z = (y * y).sum()
    with ember.no_grad():
        base.add_(1.0)
    z.backward()  # the saved copy was not modified: PyTorch allows this
    np.testing.assert_allclose(leaf.grad.numpy(), 2.0 * leaf.detach().numpy())
