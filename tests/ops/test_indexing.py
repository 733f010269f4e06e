import warnings

import numpy as np
import pytest

import ember
from ember.ops import unwrap_index
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

SHAPE = (3, 4, 5)
RNG = np.random.default_rng(0)
MASK_2D = RNG.uniform(size=(3, 4)) > 0.4
MASK_1D = np.array([True, False, True, True])

# name -> index with NumPy arrays standing for index tensors
INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice with step": slice(0, None, 2),
    "slice past the end": slice(1, 10),
    "None": None,
    "ellipsis": (Ellipsis, 2),
    "int, ellipsis, None": (0, Ellipsis, None, 1),
    "all ints": (1, 2, 3),
    "empty tuple": (),
    "bool mask": MASK_2D,
    "bool mask on dim 1": (slice(None), MASK_1D),
    "bool scalar": (0, True),
    "int list": [2, 0],
    "empty list": [],
    "int tensor": np.array([[0, 2], [1, 1]]),
    "negative int tensor": np.array([-1, -3]),
    "duplicate indices": [0, 0, 2, 0],
    "two tensors broadcasting": (np.array([[0], [2]]), slice(None), np.array([0, 4, 1])),
    "adjacent tensors": (slice(None), np.array([0, 3]), np.array([[1], [4]])),
    "slice and tensor": (slice(1, None), np.array([0, 3, 3])),
    "int, slice, tensor": (0, slice(None), np.array([0, 1])),  # (4, 2) in PyTorch, (2, 4) in NumPy
    "None, int, slice, list": (None, 0, slice(None), [4, 1]),
    "int and tensor apart": (slice(None), 1, np.array([1, 2])),
    "mask and tensor": (np.array([True, False, True]), np.array([1, 3])),
    "0-d int tensor": np.array(2),
}


def convert(index, make):
    """``index`` with its NumPy arrays turned into tensors by ``make``."""
    if isinstance(index, np.ndarray):
        return make(index)
    if isinstance(index, tuple):
        return tuple(convert(i, make) for i in index)
    return index


def ember_index(index):
    return convert(index, ember.tensor)


def torch_index(index):
    return convert(index, torch.tensor) if torch is not None else index


def values(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- getitem ----
@pytest.mark.parametrize("name", list(INDEXES))
def test_getitem_matches_torch(name):
    index = INDEXES[name]
    check_op(lambda x: x[ember_index(index)], lambda x: x[torch_index(index)], shapes=[SHAPE])


@pytest.mark.parametrize("name", ["int tensor", "two tensors broadcasting", "bool mask",
                                  "int, slice, tensor"])
def test_getitem_takes_numpy_arrays_as_index_tensors(name):
    index = INDEXES[name]
    x = ember.tensor(values(SHAPE))
    np.testing.assert_array_equal(x[index].numpy(), x[ember_index(index)].numpy())


def test_duplicate_indices_add_up_in_the_gradient():
    x = ember.ones(3, requires_grad=True)
    x[[0, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 0.0])
    x.grad = None
    x[ember.tensor([[2, 0], [2, 2]])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 3.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, picks", [(50, 4000), (4000, 50)])  # the dense and the sparse path
def test_gradient_at_many_repeated_indices(dtype, rows, picks):
    idx = RNG.integers(0, rows, picks)
    x = ember.zeros((rows, 8), dtype=ember.float32 if dtype == np.float32 else ember.float64,
                    requires_grad=True)
    g = values((picks, 8)).astype(dtype)
    x[idx].backward(ember.tensor(g))
    expected = np.zeros((rows, 8))
    np.add.at(expected, idx, g.astype(np.float64))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert x.grad.dtype == x.dtype


def test_gradient_at_repeated_pairs_of_indices():
    i, j = RNG.integers(0, 6, 500), RNG.integers(0, 7, 500)
    x = ember.zeros((6, 7), dtype=ember.float64, requires_grad=True)
    g = values(500)
    x[i, j].backward(ember.tensor(g))
    expected = np.zeros((6, 7))
    np.add.at(expected, (i, j), g)
    np.testing.assert_allclose(x.grad.numpy(), expected)


@pytest.mark.parametrize("index", [1, (slice(None), 2), (0, slice(1, None, 2)), None, (Ellipsis, 0),
                                   (1, 2, 3)])
def test_basic_indexing_is_a_view(index):
    x = ember.tensor(values(SHAPE))
    y = x[index]
    assert np.shares_memory(y.numpy(), x.numpy())
    assert y._version is x._version
    with ember.no_grad():
        x.add_(1.0)
    np.testing.assert_array_equal(y.numpy(), x.numpy()[index])


def test_writing_through_a_view_changes_the_base():
    x = ember.zeros(3, 4)
    x[1].fill_(2.0)
    x[:, 0].add_(1.0)
    np.testing.assert_array_equal(x.numpy()[:, 0], [1.0, 3.0, 1.0])
    np.testing.assert_array_equal(x.numpy()[1, 1:], [2.0, 2.0, 2.0])


@pytest.mark.parametrize("index", [[0, 1], (slice(None), [1]), MASK_2D])
def test_advanced_indexing_is_a_copy(index):
    x = ember.tensor(values(SHAPE))
    y = x[index]
    assert not np.shares_memory(y.numpy(), x.numpy())


def test_modified_view_saved_for_backward_raises():
    w = ember.ones(3, 4, requires_grad=True) * 1
    row = w[0]
    (row * row).sum()
    loss = (row * row).sum()
    w.mul_(2.0)  # row shares w's memory and version counter
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_getitem_without_grad_has_no_graph():
    x = ember.ones(3, 4)
    assert not x[0].requires_grad and x[[0, 1]].grad_fn is None


def test_getitem_keeps_integer_dtype():
    x = ember.tensor([[1, 2], [3, 4]])
    assert x[0].dtype == ember.int64 and x[x > 1].tolist() == [2, 3, 4]


def test_list_with_slices_is_read_as_a_tuple_with_a_warning():
    x = ember.tensor(values(SHAPE))
    with pytest.warns(UserWarning, match="reads the list as a tuple"):
        y = x[[0, slice(None)]]
    np.testing.assert_array_equal(y.numpy(), x.numpy()[0, :])


# ---- getitem errors ----
def test_index_out_of_range_names_the_index_dim_and_size():
    x = ember.zeros(SHAPE)
    with pytest.raises(IndexError, match=r"getitem: index 3 is out of bounds for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match=r"index -5 is out of bounds for dimension 1 with size 4 "
                                         r"\(valid indices are -4 to 3\)"):
        x[:, -5]
    with pytest.raises(IndexError, match=r"index 5 is out of bounds for dimension 2 with size 5"):
        x[0, 0, ember.tensor([0, 5])]
    with pytest.raises(IndexError, match=r"index 0 is out of bounds for dimension 0 with size 0 "
                                         r"\(the dimension is empty\)"):
        ember.zeros(0)[0]


def test_too_many_indices():
    with pytest.raises(IndexError, match=r"too many indices for a tensor of 3 dimension\(s\) "
                                         r"\(shape \(3, 4, 5\)\): the index addresses 4"):
        ember.zeros(SHAPE)[0, 0, 0, 0]
    with pytest.raises(IndexError, match=r"a 0-d tensor has no dimension to index: use .item\(\)"):
        ember.tensor(1.0)[0]


def test_mask_shape_mismatch():
    x = ember.zeros(SHAPE)
    with pytest.raises(IndexError, match=r"bool mask of shape \(4,\) indexes dimensions 0 to 0 of a "
                                         r"tensor of shape \(3, 4, 5\), whose sizes are \(3,\)"):
        x[ember.ones(4, dtype=ember.bool)]
    with pytest.raises(IndexError, match=r"mask of shape \(3, 5\) indexes dimensions 1 to 2"):
        x[:, np.ones((3, 5), dtype=bool)]


def test_float_index():
    x = ember.zeros(SHAPE)
    with pytest.raises(IndexError, match=r"getitem: float 1.5 is not a valid index; use ints, slices"):
        x[1.5]
    with pytest.raises(IndexError, match=r"tensors used as indices must be integer .* got "
                                         r"float32 .* \.long\(\)"):
        x[ember.tensor([1.0])]
    with pytest.raises(IndexError, match=r"tensors used as indices must be integer"):
        x[ember.tensor([1, 2], dtype=ember.int16).float()]
    with pytest.raises(TypeError, match=r"slice bounds must be ints or None, got slice\(0.5, 2, None\)"):
        x[0.5:2]
    with pytest.raises(IndexError, match=r"the list \['a'\] can't be used as an index"):
        x[(["a"],)]


def test_slice_steps_must_be_positive():
    x = ember.zeros(SHAPE)
    with pytest.raises(ValueError, match=r"step must be greater than zero.*use .flip\(dim\)"):
        x[::-1]
    with pytest.raises(ValueError, match=r"slice step cannot be zero"):
        x[:, ::0]


def test_index_tensors_that_do_not_broadcast():
    with pytest.raises(IndexError, match=r"shape mismatch: the index tensors of shapes \(2,\), \(3,\) "
                                         r"can't be broadcast together"):
        ember.zeros(SHAPE)[[0, 1], [0, 1, 2]]


# ---- setitem and index_put ----
SET_CASES = ["int", "negative int", "slice with step", "ellipsis", "all ints", "bool mask",
             "bool mask on dim 1", "int list", "int tensor", "two tensors broadcasting",
             "adjacent tensors", "slice and tensor", "int, slice, tensor", "None, int, slice, list",
             "int and tensor apart"]


def _region_shape(index):
    return np.zeros(SHAPE)[unwrap_index(index, np.zeros(SHAPE))].shape


@needs_torch
@pytest.mark.parametrize("value_kind", ["number", "tensor", "broadcast tensor"])
@pytest.mark.parametrize("name", SET_CASES)
def test_setitem_gradients_match_torch(name, value_kind):
    index = INDEXES[name]
    region = _region_shape(index)
    x_data, g = values(SHAPE), values(SHAPE, seed=2)
    x, tx = ember.tensor(x_data, requires_grad=True), torch.tensor(x_data, requires_grad=True)
    y, ty = x * 1, tx * 1
    if value_kind == "number":
        v = tv = 7.5
    else:
        v_data = values(region if value_kind == "tensor" else region[-1:])
        v, tv = ember.tensor(v_data, requires_grad=True), torch.tensor(v_data, requires_grad=True)
    y[ember_index(index)] = v
    ty[torch_index(index)] = tv
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    (y * ember.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    if value_kind != "number":
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


@needs_torch
@pytest.mark.parametrize("name", SET_CASES)
def test_setitem_without_grad_matches_torch(name):
    index = INDEXES[name]
    v_data = values(_region_shape(index))
    x, tx = ember.tensor(values(SHAPE)), torch.tensor(values(SHAPE))
    x[ember_index(index)] = ember.tensor(v_data)
    tx[torch_index(index)] = torch.tensor(v_data)
    np.testing.assert_allclose(x.numpy(), tx.numpy())


@needs_torch
def test_setitem_of_a_value_that_requires_grad_into_a_plain_tensor():
    v_data = values((2, 4))
    v, tv = ember.tensor(v_data, requires_grad=True), torch.tensor(v_data, requires_grad=True)
    z, tz = ember.zeros(3, 4, dtype=ember.float64), torch.zeros(3, 4, dtype=torch.float64)
    z[[2, 0]] = v
    tz[[2, 0]] = tv
    assert z.requires_grad and not z.is_leaf
    (z * z).sum().backward()
    (tz * tz).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


def test_setitem_casts_the_value_and_keeps_leading_ones():
    x = ember.zeros(3, 4, dtype=ember.int64)
    x[0] = 2.7
    x[1] = ember.ones(1, 1, 4, dtype=ember.float64)
    assert x.dtype == ember.int64 and x.tolist()[:2] == [[2, 2, 2, 2], [1, 1, 1, 1]]


def test_setitem_on_a_leaf_that_requires_grad_raises():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x[0] = 1.0
    with ember.no_grad():
        x[0] = 1.0
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_setitem_through_a_view_bumps_the_version():
    x = ember.zeros(3, 4)
    before = x._version_number
    x[1:, 0] = 5.0
    assert x._version_number > before and x.numpy()[1:, 0].tolist() == [5.0, 5.0]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_gradients(accumulate):
    idx = (np.array([0, 2, 0]), np.array([1, 1, 3]))
    check_op(lambda x, v: ember.index_put(x, ember_index(idx), v, accumulate=accumulate),
             lambda x, v: torch.index_put(x, torch_index(idx), v, accumulate=accumulate),
             shapes=[(3, 4), (3,)])
    check_op(lambda x, v: ember.index_put(x, ember_index(idx), v, accumulate=accumulate),
             lambda x, v: torch.index_put(x, torch_index(idx), v.expand(3), accumulate=accumulate),
             shapes=[(3, 4), ()])


def test_index_put_accumulates_repeats_and_leaves_its_input_alone():
    x = ember.zeros(4)
    y = ember.index_put(x, ember.tensor([0, 0, 3]), ember.tensor([1.0, 2.0, 5.0]), accumulate=True)
    assert y.tolist() == [3.0, 0.0, 0.0, 5.0] and x.tolist() == [0.0] * 4
    z = ember.index_put(ember.zeros(4, dtype=ember.int64), [1, 1], 2, accumulate=True)  # np.add.at path
    assert z.tolist() == [0, 4, 0, 0]
    assert ember.index_put(x, slice(1, 3), 1.0, accumulate=True).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_index_put_value_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"index_put: a value of shape \(2, 4\) can't be written to "
                                           r"the indexed region of shape \(4,\)"):
        ember.index_put(x, 0, ember.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"value of shape \(5,\) can't be written .* \(2, 4\)"):
        y = x.requires_grad_() * 1
        y[[0, 1]] = ember.ones(5)
    with pytest.raises(TypeError, match=r"index_put: the value must be a Tensor or a number, got list"):
        ember.index_put(x, 0, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(IndexError, match=r"index_put: index 7 is out of bounds for dimension 1 with size 4"):
        ember.index_put(x, (0, 7), 1.0)


# ---- unwrap_index ----
def test_unwrap_index_turns_tensors_into_arrays():
    key = unwrap_index((ember.tensor([0, 1]), slice(None), [ember.tensor(1), 2], ember.tensor(2), None))
    assert isinstance(key[0], np.ndarray) and key[0].tolist() == [0, 1]
    assert key[2].tolist() == [1, 2] and key[3] == 2 and key[1] == slice(None) and key[4] is None
    assert unwrap_index(ember.tensor([True, False]))[0].dtype == np.bool_
    with pytest.raises(ValueError, match="step must be greater than zero"):
        unwrap_index(slice(None, None, -1))


@pytest.mark.parametrize("name", list(INDEXES))
def test_unwrap_index_with_the_array_is_exactly_getitem(name):
    index = INDEXES[name]
    a = values(SHAPE)
    np.testing.assert_array_equal(a[unwrap_index(ember_index(index), a)], ember.tensor(a)[index].numpy())


# ---- gather, scatter, scatter_add ----
GATHER_INDEX = np.array([[0, 2, 1], [2, 2, 0]])  # (2, 3): smaller than the input (3, 4) in dim 1


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim):
    idx = GATHER_INDEX if dim == 0 else np.array([[3, 0], [1, 1], [0, 2]])
    check_op(lambda x: x.gather(dim, ember.tensor(idx)), lambda x: x.gather(dim, torch.tensor(idx)),
             shapes=[(3, 4)])
    check_op(lambda x: ember.gather(x, dim, ember.tensor(idx, dtype=ember.int32)),
             lambda x: torch.gather(x, dim, torch.tensor(idx, dtype=torch.int32)), shapes=[(3, 4)])


def test_gather_0d_and_empty():
    check_op(lambda x: x.gather(0, ember.tensor(0)), lambda x: x.gather(0, torch.tensor(0)), shapes=[()])
    check_op(lambda x: x.gather(0, ember.tensor([0, 0])), lambda x: x.gather(0, torch.tensor([0, 0])),
             shapes=[()])
    assert ember.zeros(3, 4).gather(1, ember.zeros((3, 0), dtype=ember.int64)).shape == (3, 0)


def test_gather_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"gather: expected an index of dtype int64 or int32, "
                                           r"got ember.float32"):
        x.gather(0, ember.zeros(1, 2))
    with pytest.raises(RuntimeError, match=r"gather: index of shape \(2,\) must have as many dimensions "
                                           r"as the input, of shape \(3, 4\)"):
        x.gather(0, ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"index of shape \(4, 2\) must be no larger than the input "
                                           r"\(3, 4\) apart from dimension 1 \(size 4 at dimension 0\)"):
        x.gather(1, ember.zeros((4, 2), dtype=ember.int64))
    with pytest.raises(RuntimeError, match=r"gather: index 3 is out of bounds for dimension 0 with size 3 "
                                           r"\(valid indices are 0 to 2\)"):
        x.gather(0, ember.tensor([[3]]))
    with pytest.raises(RuntimeError, match=r"index -1 is out of bounds for dimension 1"):
        x.gather(1, ember.tensor([[-1]]))
    with pytest.raises(TypeError, match=r"gather: index must be an integer Tensor, got list"):
        x.gather(1, [[0]])


SCATTER_INDEX = np.array([[0, 2, 1], [1, 0, 2]])  # no repeats along dim 0: PyTorch is deterministic


def test_scatter_src_tensor():
    check_op(lambda x, s: x.scatter(0, ember.tensor(SCATTER_INDEX), s),
             lambda x, s: x.scatter(0, torch.tensor(SCATTER_INDEX), s), shapes=[(3, 4), (2, 3)])
    check_op(lambda x, s: ember.scatter(x, 1, ember.tensor([[3], [0]]), s),
             lambda x, s: torch.scatter(x, 1, torch.tensor([[3], [0]]), s), shapes=[(2, 4), (2, 1)])


def test_scatter_number():
    check_op(lambda x: x.scatter(0, ember.tensor(SCATTER_INDEX), 2.5),
             lambda x: x.scatter(0, torch.tensor(SCATTER_INDEX), 2.5), shapes=[(3, 4)])
    assert ember.zeros(3, dtype=ember.int64).scatter(0, ember.tensor([1]), 2.7).tolist() == [0, 2, 0]
    assert ember.tensor(5.0).scatter(0, ember.tensor(0), 2.0).tolist() == 2.0


def test_scatter_src_larger_than_index():
    # PyTorch's own backward fails here ("invalid gradient"); the gradient of the unused part is 0
    check_op(lambda x, s: x.scatter(0, ember.tensor([[0, 1]]), s),
             lambda x, s: x.scatter(0, torch.tensor([[0, 1]]), s), shapes=[(3, 4), (2, 3)], grad=False)
    x = ember.zeros(3, 4, dtype=ember.float64, requires_grad=True)
    src = ember.ones(2, 3, dtype=ember.float64, requires_grad=True)
    g = values((3, 4))
    x.scatter(0, ember.tensor([[0, 1]]), src).backward(ember.tensor(g))
    np.testing.assert_allclose(src.grad.numpy(), [[g[0, 0], g[1, 1], 0.0], [0.0, 0.0, 0.0]])
    expected = g.copy()
    expected[0, 0] = expected[1, 1] = 0.0
    np.testing.assert_allclose(x.grad.numpy(), expected)
    assert ember.autograd.gradcheck(lambda x, s: x.scatter(0, ember.tensor([[0, 1]]), s), (x, src))
    assert ember.autograd.gradgradcheck(lambda x, s: x.scatter(0, ember.tensor([[0, 1]]), s), (x, src))


@needs_torch
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce(reduce):
    x_data, s_data = values((3, 4)), values((2, 3), seed=5)
    idx = np.array([[0, 0, 1], [0, 2, 1]])
    out = ember.scatter(ember.tensor(x_data), 0, ember.tensor(idx), ember.tensor(s_data), reduce=reduce)
    with warnings.catch_warnings():  # PyTorch deprecates reduce= with a tensor src
        warnings.simplefilter("ignore")
        expected = torch.tensor(x_data).scatter(0, torch.tensor(idx), torch.tensor(s_data), reduce=reduce)
    np.testing.assert_allclose(out.numpy(), expected.numpy())
    out = ember.scatter(ember.tensor(x_data), 0, ember.tensor(idx), 3.0, reduce=reduce)
    expected = torch.tensor(x_data).scatter(0, torch.tensor(idx), 3.0, reduce=reduce)
    np.testing.assert_allclose(out.numpy(), expected.numpy())


def test_tensor_scatter_passes_reduce():
    out = ember.zeros(3).scatter(0, ember.tensor([1, 1]), ember.ones(2), reduce="add")
    assert out.tolist() == [0.0, 2.0, 0.0]


def test_scatter_errors():
    x = ember.zeros(3, 4)
    idx = ember.tensor([[0, 1]])
    with pytest.raises(RuntimeError, match=r"scatter: the gradient of scatter with reduce='add' is not "
                                           r"implemented"):
        ember.scatter(x.requires_grad_(), 0, idx, ember.ones(1, 2), reduce="add")
    with pytest.raises(RuntimeError, match=r"scatter: reduce must be 'add' or 'multiply', got 'mean'"):
        ember.scatter(ember.zeros(3, 4), 0, idx, 1.0, reduce="mean")
    with pytest.raises(RuntimeError, match=r"scatter: src has dtype ember.float64 but the input "
                                           r"has ember.float32"):
        ember.zeros(3, 4).scatter(0, idx, ember.ones(1, 2, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"index of shape \(1, 2\) must have as many dimensions as "
                                           r"src, of shape \(\)"):
        ember.zeros(3, 4).scatter(0, idx, ember.tensor(1.0))
    with pytest.raises(RuntimeError, match=r"must be no larger than the input \(3, 4\) apart from "
                                           r"dimension 0 and no larger than src \(1, 1\)"):
        ember.zeros(3, 4).scatter(0, idx, ember.ones(1, 1))
    with pytest.raises(RuntimeError, match=r"scatter: index 3 is out of bounds for dimension 0"):
        ember.zeros(3, 4).scatter(0, ember.tensor([[3]]), 1.0)


def test_scatter_add():
    idx = np.array([[0, 0, 2], [2, 0, 2]])  # repeats add up
    check_op(lambda x, s: x.scatter_add(0, ember.tensor(idx), s),
             lambda x, s: x.scatter_add(0, torch.tensor(idx), s), shapes=[(3, 4), (2, 3)])
    check_op(lambda x, s: ember.scatter_add(x, 1, ember.tensor([[1, 1, 1, 0]]), s),
             lambda x, s: torch.scatter_add(x, 1, torch.tensor([[1, 1, 1, 0]]), s), shapes=[(2, 3), (1, 4)])
    # a src larger than the index (PyTorch's backward fails there): the unused part gets 0
    src = ember.ones(2, 5, dtype=ember.float64, requires_grad=True)
    ember.zeros(2, 3, dtype=ember.float64).scatter_add(1, ember.tensor([[1, 1, 1, 0]]), src).sum().backward()
    assert src.grad.tolist() == [[1.0] * 4 + [0.0], [0.0] * 5]
    with pytest.raises(TypeError, match=r"scatter_add: src must be a Tensor, got float"):
        ember.zeros(3).scatter_add(0, ember.tensor([0]), 1.0)


def test_scatter_add_many_repeats():
    idx = RNG.integers(0, 5, (400, 6))
    src = values((400, 6))
    out = ember.zeros(5, 6, dtype=ember.float64).scatter_add(0, ember.tensor(idx), ember.tensor(src))
    expected = np.zeros((5, 6))
    np.add.at(expected, (idx, np.arange(6)), src)
    np.testing.assert_allclose(out.numpy(), expected)


# ---- index_select, index_add, take_along_dim ----
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    idx = np.array([2, 0, 2, 1])
    check_op(lambda x: x.index_select(dim, ember.tensor(idx)),
             lambda x: x.index_select(dim, torch.tensor(idx)), shapes=[(3, 3, 2)] if dim != -1 else [(2, 3)])


def test_index_select_0d_index_and_input():
    check_op(lambda x: x.index_select(1, ember.tensor(1)), lambda x: x.index_select(1, torch.tensor(1)),
             shapes=[(2, 3)])
    check_op(lambda x: x.index_select(0, ember.tensor(0, dtype=ember.int32)),
             lambda x: x.index_select(0, torch.tensor(0, dtype=torch.int32)), shapes=[()])


def test_index_select_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(IndexError, match=r"index_select: index must be a vector \(1 dimension\), got "
                                         r"shape \(1, 1\)"):
        x.index_select(0, ember.tensor([[0]]))
    with pytest.raises(IndexError, match=r"index_select: index 5 is out of bounds for dimension 1 with "
                                         r"size 4"):
        x.index_select(1, ember.tensor([0, 5]))
    with pytest.raises(IndexError, match=r"index -1 is out of bounds for dimension 0"):
        x.index_select(0, ember.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"index_select: expected an index of dtype int64 or int32"):
        x.index_select(0, ember.tensor([1.0]))
    with pytest.raises(IndexError, match=r"index_select: a 0-d input takes an index of one value, got 2"):
        ember.tensor(1.0).index_select(0, ember.tensor([0, 0]))
    with pytest.raises(IndexError, match=r"index_select: dimension 2 is out of range"):
        x.index_select(2, ember.tensor([0]))


@pytest.mark.parametrize("alpha", [1, 0.5])
def test_index_add(alpha):
    check_op(lambda x, s: ember.index_add(x, 0, ember.tensor([2, 0, 2]), s, alpha=alpha),
             lambda x, s: torch.index_add(x, 0, torch.tensor([2, 0, 2]), s, alpha=alpha),
             shapes=[(3, 4), (3, 4)])
    check_op(lambda x, s: ember.index_add(x, 1, ember.tensor([1, 1]), s, alpha=alpha),
             lambda x, s: torch.index_add(x, 1, torch.tensor([1, 1]), s, alpha=alpha),
             shapes=[(3, 4), (3, 2)])


def test_index_add_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(TypeError, match=r"index_add: source must be a Tensor, got float"):
        ember.index_add(x, 0, ember.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match=r"index_add: source of shape \(2, 3\) must have shape \(2, 4\)"):
        ember.index_add(x, 0, ember.tensor([0, 0]), ember.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"index_add: source has dtype ember.float64 but the "
                                           r"input has ember.float32"):
        ember.index_add(x, 0, ember.tensor([0]), ember.ones(1, 4, dtype=ember.float64))


@pytest.mark.parametrize("dim, idx", [
    (1, np.array([[0], [3], [2]])),
    (0, np.array([[2, 0, 1, -1]])),                 # negative indices count from the end
    (1, np.array([[1, 0]])),                        # broadcasts against the input
    (None, np.array([11, 0, 2])),
])
def test_take_along_dim(dim, idx):
    check_op(lambda x: ember.take_along_dim(x, ember.tensor(idx), dim),
             lambda x: torch.take_along_dim(x, torch.tensor(idx), dim), shapes=[(3, 4)])


def test_take_along_dim_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"take_along_dim: expected an index of dtype int64, "
                                           r"got ember.int32"):
        ember.take_along_dim(x, ember.tensor([[0]], dtype=ember.int32), 1)
    with pytest.raises(RuntimeError, match=r"take_along_dim: input and indices must have the same number "
                                           r"of dimensions"):
        ember.take_along_dim(x, ember.tensor([0]), 1)
    with pytest.raises(RuntimeError, match=r"take_along_dim: index 4 is out of bounds for dimension 1 "
                                           r"with size 4 \(valid indices are -4 to 3\)"):
        ember.take_along_dim(x, ember.tensor([[4]]), 1)
    with pytest.raises(RuntimeError, match=r"take_along_dim: the shapes of input \(3, 4\) and indices "
                                           r"\(2, 1\) don't broadcast apart from dimension 1"):
        ember.take_along_dim(x, ember.tensor([[0], [1]]), 1)


# ---- masked_fill, masked_select ----
MASK_34 = RNG.uniform(size=(3, 4)) > 0.5


@pytest.mark.parametrize("x_shape, mask", [((3, 4), MASK_34), ((3, 4), MASK_34[0]), ((4,), MASK_34),
                                           ((2, 1, 4), MASK_34)])
def test_masked_fill_number(x_shape, mask):
    check_op(lambda x: x.masked_fill(ember.tensor(mask), -1.5),
             lambda x: x.masked_fill(torch.tensor(mask), -1.5), shapes=[x_shape])


def test_masked_fill_with_a_0d_tensor_value_that_requires_grad():
    check_op(lambda x, v: ember.masked_fill(x, ember.tensor(MASK_34), v),
             lambda x, v: torch.masked_fill(x, torch.tensor(MASK_34), v), shapes=[(3, 4), ()])
    check_op(lambda x, v: ember.masked_fill(x, ember.tensor(MASK_34), v),
             lambda x, v: torch.masked_fill(x, torch.tensor(MASK_34), v), shapes=[(4,), ()])


def test_masked_fill_keeps_the_input_dtype():
    x = ember.tensor([1, 2, 3])
    assert x.masked_fill(ember.tensor([True, False, True]), 2.7).tolist() == [2, 2, 2]
    y = ember.ones(2).masked_fill(ember.tensor([True, False]), ember.tensor(5.0, dtype=ember.float64))
    assert y.dtype == ember.float32 and y.tolist() == [5.0, 1.0]


def test_masked_fill_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"masked_fill: expected a bool mask, got ember.int64"):
        x.masked_fill(ember.tensor([1, 0, 1, 0]), 1.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: the mask of shape \(3,\) doesn't broadcast "
                                           r"with the input of shape \(3, 4\)"):
        x.masked_fill(ember.tensor([True, False, True]), 1.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: value must be a number or a 0-d tensor, got a "
                                           r"tensor of shape \(1,\)"):
        x.masked_fill(ember.tensor(MASK_34), ember.tensor([1.0]))
    with pytest.raises(TypeError, match=r"masked_fill: value must be a number or a 0-d tensor, got str"):
        x.masked_fill(ember.tensor(MASK_34), "a")


@pytest.mark.parametrize("x_shape, mask", [((3, 4), MASK_34), ((3, 4), MASK_34[1]), ((4,), MASK_34),
                                           ((), np.array(True))])
def test_masked_select(x_shape, mask):
    check_op(lambda x: x.masked_select(ember.tensor(mask)),
             lambda x: x.masked_select(torch.tensor(mask)), shapes=[x_shape])


def test_masked_select_errors():
    with pytest.raises(RuntimeError, match=r"masked_select: expected a bool mask, got ember.float32"):
        ember.zeros(3).masked_select(ember.ones(3))


# ---- the in-place forms (ember/ops/inplace.py) built on these ops ----
@needs_torch
def test_inplace_masked_fill_and_scatter_gradients_match_torch():
    x_data, mask, idx = values((3, 4)), MASK_34, np.array([[2, 0, 1, 1]])
    x, tx = ember.tensor(x_data, requires_grad=True), torch.tensor(x_data, requires_grad=True)
    s_data = values((1, 4), seed=3)
    src, tsrc = ember.tensor(s_data, requires_grad=True), torch.tensor(s_data, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.masked_fill_(ember.tensor(mask), 0.5).scatter_(0, ember.tensor(idx), src)
    ty.masked_fill_(torch.tensor(mask), 0.5).scatter_(0, torch.tensor(idx), tsrc)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(src.grad.numpy(), tsrc.grad.numpy())
