import copy
import pickle

import numpy as np
import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
needs_gpu = pytest.mark.skipif(not ember.backend.cuda_is_available(), reason="needs a CUDA GPU and CuPy")


def test_attributes():
    t = ember.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.dtype is ember.float32 and t.device == ember.device("cpu")
    assert t.numel() == 24 and ember.zeros(()).numel() == 1 and ember.zeros(0, 3).numel() == 0
    assert not t.requires_grad and t.grad is None and t.grad_fn is None and t.is_leaf
    assert t.is_floating_point() and not ember.tensor([1]).is_floating_point()
    assert t.element_size() == 4


def test_size_with_and_without_dim():
    t = ember.zeros(2, 3, 4)
    assert t.size() == (2, 3, 4)
    assert t.size(0) == 2 and t.size(-1) == 4 and t.size(-3) == 2
    with pytest.raises(IndexError, match=r"size: dimension 3 is out of range for a tensor of 3 "
                                         r"dimension\(s\) \(expected a value in \[-3, 2\]\)"):
        t.size(3)
    assert ember.tensor(1.0).size() == ()


def test_item_returns_python_numbers():
    assert ember.tensor(2.5).item() == 2.5 and type(ember.tensor(2.5).item()) is float
    assert ember.tensor([[7]]).item() == 7 and type(ember.tensor([[7]]).item()) is int
    assert ember.tensor([True]).item() is True
    with pytest.raises(RuntimeError, match=r"item\(\) needs a tensor with one element, got shape \(2,\)"):
        ember.ones(2).item()


def test_tolist():
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(1.5).tolist() == 1.5
    assert ember.tensor([True, False]).tolist() == [True, False]
    assert type(ember.tensor([1.5]).tolist()[0]) is float


def test_numpy_shares_memory():
    t = ember.zeros(3)
    a = t.numpy()
    a[0] = 4.0
    assert t.tolist() == [4.0, 0.0, 0.0]
    assert np.asarray(t).tolist() == [4.0, 0.0, 0.0]


def test_numpy_of_a_tensor_that_requires_grad_suggests_detach():
    t = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*tensor.detach\(\).numpy\(\)"):
        t.numpy()
    assert t.detach().numpy().tolist() == [1.0, 1.0]


@needs_gpu
def test_numpy_of_a_gpu_tensor_suggests_cpu():
    with pytest.raises(TypeError, match=r"cuda:0.*tensor.cpu\(\).numpy\(\)"):
        ember.ones(2, device="cuda").numpy()


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 3, 4)])
def test_T_reverses_dimensions(shape):
    # as numpy's .T (PyTorch deprecates .T beyond 2-D but still reverses every dimension)
    a = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    got = ember.tensor(a).T
    assert got.shape == a.T.shape
    np.testing.assert_array_equal(got.numpy(), a.T)


def test_mT_transposes_the_last_two_dimensions():
    a = np.arange(24.0).reshape(2, 3, 4)
    got = ember.tensor(a).mT
    assert got.shape == (2, 4, 3)
    np.testing.assert_array_equal(got.numpy(), a.swapaxes(-1, -2))


def test_T_and_mT_are_differentiable():
    x = ember.ones(2, 3, requires_grad=True)
    (x.T * ember.tensor([[1.0, 2.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3, [2.0] * 3]
    y = ember.ones(2, 3, requires_grad=True)
    y.mT.sum().backward()
    assert y.grad.tolist() == [[1.0] * 3] * 2


def test_clone_copies_memory_and_keeps_the_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.grad_fn is not None and y.grad_fn.name() == "CloneBackward" and not y.is_leaf
    assert not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_detach_shares_memory_and_leaves_the_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0).detach()
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    d = x.detach()
    d.numpy()[0] = 9.0
    assert x.tolist() == [9.0, 2.0]
    z = x * 2.0
    assert z.detach_() is z and z.is_leaf and not z.requires_grad


def test_requires_grad_flag():
    x = ember.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="only tensors of floating point dtype can require gradients"):
        ember.tensor([1]).requires_grad_()
    y = ember.ones(2, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf tensors.*\.detach\(\)"):
        y.requires_grad = False


def test_data_shares_storage_outside_the_graph():
    p = ember.ones(3, requires_grad=True)
    d = p.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(0.5)
    assert p.tolist() == [0.5, 0.5, 0.5] and p.requires_grad
    p.data = ember.zeros(3)
    assert p.tolist() == [0.0, 0.0, 0.0] and p.requires_grad
    with pytest.raises(TypeError, match="Tensor.data must be set to a Tensor, got list"):
        p.data = [1.0, 2.0, 3.0]


def test_contiguous():
    t = ember.zeros(2, 3).T
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c.shape == (3, 2)
    assert c.contiguous() is c


def test_conversions():
    t = ember.tensor([1.5, -2.7, 0.0])
    assert t.double().dtype is ember.float64 and t.half().dtype is ember.float16
    assert t.long().tolist() == [1, -2, 0] and t.long().dtype is ember.int64
    assert t.int().dtype is ember.int32 and t.bool().tolist() == [True, True, False]
    assert t.float() is t and t.to(ember.float32) is t
    assert t.type_as(ember.zeros(1, dtype=ember.float64)).dtype is ember.float64
    assert t.to(ember.float64).dtype is ember.float64 and t.to(dtype=ember.int32).dtype is ember.int32
    assert t.to("cpu", ember.float64).dtype is ember.float64
    assert t.to(ember.zeros(1, dtype=ember.float16)).dtype is ember.float16
    assert t.to("float64").dtype is ember.float64
    assert t.to(ember.float32, copy=True) is not t


@needs_torch
@pytest.mark.parametrize("method", ["long", "int", "bool", "half", "double", "float"])
def test_conversions_match_pytorch(method):
    values = [1.5, -2.7, 0.0, 255.9, -0.4]
    got = getattr(ember.tensor(values), method)()
    want = getattr(torch.tensor(values), method)()
    assert repr(got.dtype) == repr(want.dtype).replace("torch.", "ember.")
    assert got.tolist() == want.tolist()


def test_conversions_are_differentiable():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn is not None
    (y * 2.0).sum().backward()
    assert x.grad.dtype is ember.float32 and x.grad.tolist() == [2.0, 2.0]


def test_len_and_iter():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and rows[1].tolist() == [3.0, 4.0]
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_iteration_keeps_the_graph():
    x = ember.ones(2, 2, requires_grad=True)
    a, b = x
    (a * 2.0 + b).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [1.0, 1.0]]


def test_truth_value_and_python_numbers():
    assert bool(ember.tensor([1.0])) and not bool(ember.tensor(0))
    with pytest.raises(RuntimeError, match="the truth value of a tensor with 2 elements is ambiguous"):
        bool(ember.ones(2))
    assert int(ember.tensor([2.7])) == 2 and float(ember.tensor([[2]])) == 2.0
    assert [10, 20, 30][ember.tensor(1)] == 20
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted"):
        [1, 2][ember.tensor(1.0)]
    assert f"{ember.tensor(2.5):.2f}" == "2.50"


def test_pickling_is_refused_with_a_pointer_to_ember_save():
    with pytest.raises(TypeError, match=r"not pickled.*ember.save\(obj, path\)"):
        pickle.dumps(ember.ones(2))


def test_deepcopy_of_a_leaf_copies_data_and_flags():
    p = ember.ones(2, requires_grad=True)
    q = copy.deepcopy(p)
    assert q is not p and q.requires_grad and q.tolist() == [1.0, 1.0]
    q.data.mul_(3.0)
    assert p.tolist() == [1.0, 1.0]


def test_hash_is_identity():
    a, b = ember.ones(1), ember.ones(1)
    assert len({a, b, a}) == 2

