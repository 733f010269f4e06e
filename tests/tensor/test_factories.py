import numpy as np
import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def torch_name(d):
    return str(d).split(".")[-1]


DATA = [
    [1.0, 2.0], [1, 2], [True, False], [1, 2.5], [True, 2], [[1, 2], [3, 4]], [[1.5], [2.5]],
    3, 3.5, True, [], np.float64(1.5), np.uint8(3), np.array([1, 2], dtype=np.int32),
    np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32), np.array([1.0], dtype=np.float16),
    np.array(2.0), np.array([True]), np.array([[1, 2]], dtype=np.int8),
    np.int32(3), [np.float64(1.5)], [np.int32(1)],
]


@needs_torch
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_infers_dtype_and_shape_as_pytorch(data):
    e, t = ember.tensor(data), torch.tensor(data)
    assert repr(e.dtype) == "ember." + torch_name(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert e.tolist() == t.tolist()


def test_tensor_defaults_without_torch():
    assert ember.tensor([1.0, 2.0]).dtype is ember.float32  # Python floats: the default dtype
    assert ember.tensor(np.array([1.0, 2.0])).dtype is ember.float64  # NumPy keeps its dtype
    assert ember.tensor([1, 2]).dtype is ember.int64
    assert ember.tensor([True]).dtype is ember.bool
    assert ember.tensor(3).shape == () and ember.tensor(3).item() == 3


def test_tensor_copies_its_data():
    a = np.zeros(3)
    t = ember.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [0.0, 0.0, 0.0]
    u = ember.tensor(t)
    t.numpy()[1] = 7.0
    assert u.tolist() == [0.0, 0.0, 0.0]


def test_tensor_dtype_and_requires_grad_arguments():
    t = ember.tensor([1, 2], dtype=ember.float64, requires_grad=True)
    assert t.dtype is ember.float64 and t.requires_grad and t.is_leaf and t.grad_fn is None
    assert ember.tensor([1.7, -2.2], dtype=ember.int32).tolist() == [1, -2]


def test_tensor_from_a_list_of_zero_dim_tensors():
    t = ember.tensor([ember.tensor(1.0), ember.tensor(2.0, requires_grad=True)])
    assert t.tolist() == [1.0, 2.0] and not t.requires_grad


def test_tensor_refuses_non_numeric_data():
    with pytest.raises(TypeError, match="can't make a tensor from str data"):
        ember.tensor("abc")
    with pytest.raises(TypeError, match="can't make a tensor from NoneType data"):
        ember.tensor(None)


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(4.0)
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64
    a[0] = 10.0
    assert t.tolist()[0] == 10.0
    t.numpy()[1] = 20.0
    assert a[1] == 20.0
    assert ember.from_numpy(np.zeros(2, dtype=np.int16)).dtype is ember.int16


def test_from_numpy_refuses_other_objects():
    with pytest.raises(TypeError, match="from_numpy expects a numpy.ndarray, got list"):
        ember.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="does not support arrays of dtype complex128"):
        ember.from_numpy(np.zeros(2, dtype=np.complex128))


def test_as_tensor_shares_when_it_can():
    a = np.zeros(3)
    t = ember.as_tensor(a)
    a[0] = 1.0
    assert t.tolist()[0] == 1.0
    assert ember.as_tensor(t) is t
    converted = ember.as_tensor(t, dtype=ember.float32)
    assert converted.dtype is ember.float32 and converted is not t
    assert ember.as_tensor([1, 2]).dtype is ember.int64


@pytest.mark.parametrize("factory, value", [(ember.zeros, 0.0), (ember.ones, 1.0)])
def test_zeros_ones_sizes_as_varargs_tuple_or_list(factory, value):
    for t in (factory(2, 3), factory((2, 3)), factory([2, 3])):
        assert t.shape == (2, 3) and t.dtype is ember.float32
        assert np.all(t.numpy() == value)
    assert factory(()).shape == () and factory(0).shape == (0,)
    assert factory(2, dtype=ember.int32).dtype is ember.int32


def test_empty_full_and_their_dtypes():
    assert ember.empty(2, 3).shape == (2, 3) and ember.empty((4,), dtype=ember.float64).dtype is ember.float64
    assert ember.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert ember.full((2,), 1.5).dtype is ember.float32
    assert ember.full((2,), 7).dtype is ember.int64
    assert ember.full((2,), True).dtype is ember.bool
    assert ember.full([2, 3], 0, dtype=ember.float64).dtype is ember.float64
    assert ember.full(3, 2.0).shape == (3,)


@needs_torch
@pytest.mark.parametrize("value", [1.5, 7, True])
def test_full_infers_dtype_as_pytorch(value):
    assert repr(ember.full((2,), value).dtype) == "ember." + torch_name(torch.full((2,), value).dtype)


def test_sizes_must_be_non_negative_integers():
    with pytest.raises(ValueError, match=r"sizes must be non-negative integers, got \(-1,\)"):
        ember.zeros(-1)
    with pytest.raises(ValueError, match=r"got \(2, 2.5\)"):
        ember.ones(2, 2.5)


def test_like_factories_copy_shape_dtype_and_device():
    base = ember.ones(2, 3, dtype=ember.int32)
    made = ember.zeros_like(base), ember.ones_like(base), ember.empty_like(base), ember.full_like(base, 4)
    for t in made:
        assert t.shape == (2, 3) and t.dtype is ember.int32 and t.device == base.device
    assert ember.zeros_like(base).tolist() == [[0] * 3] * 2
    assert ember.full_like(base, 4).tolist() == [[4] * 3] * 2
    assert ember.ones_like(base, dtype=ember.float64).dtype is ember.float64
    f = ember.ones(4)
    assert ember.rand_like(f).shape == (4,) and ember.randn_like(f).dtype is ember.float32
    assert ember.randn_like(f, dtype=ember.float64).dtype is ember.float64
    assert not ember.zeros_like(ember.ones(2, requires_grad=True)).requires_grad
    assert ember.zeros_like(f, requires_grad=True).requires_grad


@needs_torch
@pytest.mark.parametrize("args", [(5,), (5.0,), (0, 1, 0.25), (1, 10, 3), (10, 0, -2), (0.5, 3),
                                  (-1, 1, 0.3), (0, 1, 0.1), (1, 2.5, 0.5)])
def test_arange_matches_pytorch(args):
    e, t = ember.arange(*args), torch.arange(*args)
    assert repr(e.dtype) == "ember." + torch_name(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


def test_arange_dtype_argument_and_zero_step():
    assert ember.arange(4, dtype=ember.float64).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert ember.arange(4, dtype=ember.float64).dtype is ember.float64
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        ember.arange(0, 1, 0)


@needs_torch
@pytest.mark.parametrize("args", [(0, 1, 5), (0, 1, 1), (-1, 1, 4), (2, 10, 5), (0, 1, 0)])
def test_linspace_matches_pytorch(args):
    e, t = ember.linspace(*args), torch.linspace(*args)
    assert e.dtype is ember.float32 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


def test_linspace_and_eye():
    assert ember.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert ember.linspace(0, 1, 3, dtype=ember.float64).dtype is ember.float64
    assert ember.eye(3).tolist() == np.eye(3).tolist() and ember.eye(3).dtype is ember.float32
    assert ember.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert ember.eye(2, dtype=ember.int64).dtype is ember.int64


def test_random_factories_shapes_dtypes_and_ranges():
    u = ember.rand(200, 5)
    assert u.shape == (200, 5) and u.dtype is ember.float32
    assert 0.0 <= u.numpy().min() and u.numpy().max() < 1.0
    assert ember.rand((3, 2)).shape == (3, 2) and ember.rand(2, dtype=ember.float64).dtype is ember.float64
    n = ember.randn(2, 3)
    assert n.shape == (2, 3) and n.dtype is ember.float32
    assert ember.randn(2, dtype=ember.float16).dtype is ember.float16
    r = ember.randint(3, 10, (50,))
    assert r.dtype is ember.int64 and r.shape == (50,) and 3 <= r.numpy().min() and r.numpy().max() < 10
    r = ember.randint(5, (4, 4))  # randint(high, size) starts at 0
    assert r.shape == (4, 4) and 0 <= r.numpy().min() and r.numpy().max() < 5
    assert ember.randint(0, 2, (3,), dtype=ember.int32).dtype is ember.int32
    p = ember.randperm(10)
    assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(10))
    assert ember.randperm(5, dtype=ember.int32).dtype is ember.int32
    assert ember.randperm(0).shape == (0,)


def test_randint_needs_a_size():
    with pytest.raises(TypeError, match=r"randint needs a size, e.g. ember.randint\(0, 10, \(3,\)\)"):
        ember.randint(10)


@pytest.mark.parametrize("make", [
    lambda **kw: ember.zeros(2, **kw), lambda **kw: ember.ones((2,), **kw), lambda **kw: ember.empty(2, **kw),
    lambda **kw: ember.full((2,), 1.0, **kw), lambda **kw: ember.arange(3.0, **kw),
    lambda **kw: ember.linspace(0, 1, 3, **kw), lambda **kw: ember.eye(2, **kw),
    lambda **kw: ember.rand(2, **kw), lambda **kw: ember.randn(2, **kw),
    lambda **kw: ember.tensor([1.0], **kw), lambda **kw: ember.ones_like(ember.ones(2), **kw),
])
def test_factories_make_leaves_that_require_grad(make):
    t = make(requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    assert not make().requires_grad


@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2, dtype=ember.int64, requires_grad=True),
    lambda: ember.tensor([1, 2], requires_grad=True),
    lambda: ember.arange(3, requires_grad=True),
    lambda: ember.randperm(3, requires_grad=True),
    lambda: ember.full((2,), True, requires_grad=True),
])
def test_requires_grad_on_an_integer_dtype_is_refused(make):
    with pytest.raises(RuntimeError, match="only tensors of floating point dtype can require gradients, "
                                           "got ember.(int64|bool); convert first with .float()"):
        make()


def test_factories_accept_the_cpu_device():
    for t in (ember.zeros(2, device="cpu"), ember.rand(2, device=ember.device("cpu")),
              ember.arange(2, device="cpu"), ember.tensor([1], device="cpu")):
        assert t.device == "cpu"
