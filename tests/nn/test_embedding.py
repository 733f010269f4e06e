import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _np(t):
    return t.detach().numpy()


def _pair(num=10, dim=4, seed=0, **kwargs):
    """An ember and a torch Embedding with the same weights."""
    layer, t_layer = nn.Embedding(num, dim, **kwargs), torch.nn.Embedding(num, dim, **kwargs)
    w = np.random.default_rng(seed).standard_normal((num, dim)).astype(np.float32)
    if kwargs.get("padding_idx") is not None:
        w[kwargs["padding_idx"]] = 0
    layer.load_state_dict({"weight": w})
    t_layer.load_state_dict({"weight": torch.tensor(w)})
    return layer, t_layer


@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}, {"padding_idx": -1},
                                    {"scale_grad_by_freq": True},
                                    {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding_matches_torch_forward_and_weight_gradient(kwargs):
    layer, t_layer = _pair(**kwargs)
    idx = np.array([[1, 2, 2, 9], [0, 1, 1, 1]])
    y, ty = layer(ember.tensor(idx)), t_layer(torch.tensor(idx))
    assert tuple(y.shape) == (2, 4, 4)
    np.testing.assert_array_equal(_np(y), _np(ty))
    g = np.random.default_rng(1).standard_normal((2, 4, 4)).astype(np.float32)
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(layer.weight.grad), _np(t_layer.weight.grad), rtol=1e-6, atol=1e-7)
    assert repr(layer) == repr(t_layer)


def test_padding_row_gets_no_gradient_and_repeated_indices_add_up():
    layer = nn.Embedding(5, 3, padding_idx=1)
    layer(ember.tensor([1, 3, 3, 1, 0])).sum().backward()
    grad = _np(layer.weight.grad)
    np.testing.assert_array_equal(grad[:, 0], [1.0, 0.0, 0.0, 2.0, 0.0])


def test_embedding_default_init_is_standard_normal_with_a_zero_padding_row():
    layer = nn.Embedding(1000, 200, padding_idx=3)
    w = _np(layer.weight)
    assert (w[3] == 0).all()
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01
    assert layer.weight.requires_grad and layer.weight.dtype == ember.float32


@needs_torch
def test_embedding_max_norm_renormalises_looked_up_rows_as_torch():
    for norm_type in (2.0, 1.0):
        layer, t_layer = _pair(max_norm=1.5, norm_type=norm_type, seed=2)
        idx = np.array([0, 3, 3, 7])
        y, ty = layer(ember.tensor(idx)), t_layer(torch.tensor(idx))
        np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6)
        np.testing.assert_allclose(_np(layer.weight), _np(t_layer.weight), rtol=1e-6)
        untouched = [i for i in range(10) if i not in idx]
        norms = np.linalg.norm(_np(layer.weight)[idx], ord=norm_type, axis=1)
        assert (norms <= 1.5 + 1e-5).all()
        assert (np.linalg.norm(_np(layer.weight)[untouched], ord=norm_type, axis=1) > 0).all()
        assert repr(layer) == repr(t_layer)


def test_embedding_double_backward_and_gradcheck():
    w = ember.randn(6, 3, dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[0, 5], [5, 2]])
    assert ember.autograd.gradcheck(lambda w: F.embedding(idx, w), [w])
    assert ember.autograd.gradgradcheck(lambda w: F.embedding(idx, w) ** 2, [w])


def test_from_pretrained_is_frozen_by_default():
    weights = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    table = nn.Embedding.from_pretrained(weights)
    assert not table.weight.requires_grad
    assert table(ember.tensor([1, 0])).tolist() == [[3.0, 4.0], [1.0, 2.0]]
    trainable = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    with pytest.raises(ValueError, match=r"Embedding.from_pretrained: embeddings must be a 2-D "
                                         r"tensor \(num_embeddings, embedding_dim\), got \(2,\)"):
        nn.Embedding.from_pretrained(ember.ones(2))


@needs_torch
def test_embedding_state_dict_loads_from_torch():
    t_layer = torch.nn.Embedding(7, 3)
    layer = nn.Embedding(7, 3)
    layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    np.testing.assert_array_equal(_np(layer.weight), t_layer.weight.detach().numpy())


def test_embedding_errors_name_the_layer():
    layer = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\) got index 12 in an input of shape "
                                         r"\(2,\); valid indices are 0 to 9"):
        layer(ember.tensor([1, 12]))
    with pytest.raises(IndexError, match=r"got index -1"):
        layer(ember.tensor([-1]))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\) expects integer indices \(an int64 "
                                        r"tensor\), got ember.float32; convert them with .long\(\)"):
        layer(ember.tensor([1.0]))
    with pytest.raises(ValueError, match=r"Embedding\(10, 3\): padding_idx=10 must be within "
                                         r"num_embeddings"):
        nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(ValueError, match=r"Embedding: sparse=True is not supported"):
        nn.Embedding(10, 3, sparse=True)
    with pytest.raises(IndexError, match=r"embedding: index 4 is out of range for a weight of 4 rows"):
        F.embedding(ember.tensor([4]), ember.ones(4, 2))
    with pytest.raises(ValueError, match=r"embedding: weight must be 2-D"):
        F.embedding(ember.tensor([0]), ember.ones(4))


# ---------------------------------------------------------------- one_hot
@needs_torch
def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 6):
        y, ty = F.one_hot(ember.tensor(idx), n), torch.nn.functional.one_hot(torch.tensor(idx), n)
        assert y.dtype == ember.int64 and not y.requires_grad
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"one_hot: class value 3 is not smaller than num_classes=3"):
        F.one_hot(ember.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match=r"one_hot: class values must be non-negative, got -1"):
        F.one_hot(ember.tensor([0, -1]))
    with pytest.raises(TypeError, match=r"one_hot: expected integer class indices, got dtype "
                                        r"ember.float32"):
        F.one_hot(ember.tensor([0.0]))
    with pytest.raises(ValueError, match=r"one_hot: can't infer the number of classes from an empty "
                                         r"tensor"):
        F.one_hot(ember.zeros(0, dtype=ember.int64))


# ---------------------------------------------------------------- embedding_bag
_IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 2])
_OFFSETS = np.array([0, 2, 2, 5])  # bags [1, 2], [], [4, 5, 4], [3, 2, 9, 2]
_W = np.random.default_rng(0).permutation(30).reshape(10, 3) / 7.0  # distinct: max is smooth


def _bag(**kw):
    """``fn(weight, input, offsets)`` for the harness, in ember and in torch."""
    return (lambda w, i, o: F.embedding_bag(i, w, o, **kw),
            (lambda w, i, o: torch.nn.functional.embedding_bag(i, w, o, **kw)) if torch else None)


@pytest.mark.parametrize("kw", [{"mode": "sum"}, {"mode": "mean"}, {"mode": "max"},
                                {"mode": "sum", "padding_idx": 2}, {"mode": "mean", "padding_idx": -8},
                                {"mode": "max", "padding_idx": 4}])
def test_embedding_bag_matches_torch_with_offsets(kw):
    check_op(*_bag(**kw), inputs=[_W, _IDX, _OFFSETS])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_include_last_offset_and_2d_input_match_torch(mode):
    csr = np.array([0, 2, 2, 5, 9])  # the last offset is the input's length (CSR)
    check_op(*_bag(mode=mode, include_last_offset=True), inputs=[_W, _IDX, csr])
    fixed = _IDX[:8].reshape(4, 2)
    check_op(lambda w, i: F.embedding_bag(i, w, mode=mode, padding_idx=2),
             torch_fn=(lambda w, i: torch.nn.functional.embedding_bag(i, w, mode=mode, padding_idx=2))
             if torch else None, inputs=[_W, fixed])


def test_embedding_bag_per_sample_weights_match_torch():
    psw = np.random.default_rng(1).standard_normal(_IDX.shape)
    check_op(lambda w, p, i, o: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p, padding_idx=4),
             torch_fn=(lambda w, p, i, o: torch.nn.functional.embedding_bag(
                 i, w, o, mode="sum", per_sample_weights=p, padding_idx=4)) if torch else None,
             inputs=[_W, psw, _IDX, _OFFSETS])


def test_embedding_bag_empty_bags_give_zeros_and_max_picks_the_first_maximum():
    w = ember.tensor([[1.0, 5.0], [3.0, 5.0], [0.0, 0.0]], requires_grad=True)
    y = F.embedding_bag(ember.tensor([0, 1, 2, 2]), w, ember.tensor([0, 0, 2]), mode="max", padding_idx=2)
    assert y.tolist() == [[0.0, 0.0], [3.0, 5.0], [0.0, 0.0]]
    y.sum().backward()
    assert w.grad.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]  # a tie goes to the first row
    assert F.embedding_bag(ember.tensor([2, 2]), w, ember.tensor([0]), padding_idx=2).tolist() == [[0.0, 0.0]]


def test_embedding_bag_scale_grad_by_freq_divides_by_the_index_frequency():
    # (as F.embedding: each row's gradient over its count in the whole input; PyTorch 2.13's CPU
    # embedding_bag scales by the count of another index here, so the check is a closed form)
    w = ember.tensor(_W, requires_grad=True)
    F.embedding_bag(ember.tensor(_IDX), w, ember.tensor(_OFFSETS), mode="mean",
                    scale_grad_by_freq=True).sum().backward()
    bag_size = np.repeat([2, 0, 3, 4], [2, 0, 3, 4])
    expected = np.zeros(10)
    np.add.at(expected, _IDX, 1 / (bag_size * np.bincount(_IDX, minlength=10)[_IDX]))
    np.testing.assert_allclose(_np(w.grad), np.repeat(expected[:, None], 3, 1), rtol=1e-12)
    assert ember.autograd.gradgradcheck(
        lambda w: F.embedding_bag(ember.tensor(_IDX), w, ember.tensor(_OFFSETS), scale_grad_by_freq=True),
        [ember.tensor(_W, requires_grad=True)])


@needs_torch
@pytest.mark.parametrize("kw", [{}, {"mode": "sum", "padding_idx": 1}, {"mode": "max", "max_norm": 1.5},
                                {"norm_type": 1.0, "include_last_offset": True}])
def test_embedding_bag_layer_matches_torch(kw):
    layer, t_layer = nn.EmbeddingBag(10, 3, **kw), torch.nn.EmbeddingBag(10, 3, **kw)
    assert repr(layer) == repr(t_layer)
    assert layer.weight.shape == (10, 3) and list(layer.state_dict()) == ["weight"]
    if "padding_idx" in kw:
        assert (_np(layer.weight)[1] == 0).all()
    w = np.random.default_rng(0).standard_normal((10, 3))
    layer.load_state_dict({"weight": w})
    t_layer.load_state_dict({"weight": torch.tensor(w)})
    offsets = [0, 2, 2, 5, 9] if kw.get("include_last_offset") else [0, 2, 2, 5]
    y = layer(ember.tensor(_IDX), ember.tensor(offsets))
    ty = t_layer(torch.tensor(_IDX), torch.tensor(offsets))
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(layer.weight), t_layer.weight.detach().numpy(), rtol=1e-6)  # max_norm
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(_np(layer.weight.grad), t_layer.weight.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call, error, match", [
    (lambda w: F.embedding_bag(ember.tensor([[0, 1]]), w, ember.tensor([0])), ValueError,
     r"embedding_bag: if input is 2-D \(1, 2\), offsets has to be None, as input is treated as a "
     r"mini-batch of fixed length bags"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w), ValueError,
     r"embedding_bag: a 1-D input needs offsets, a 1-D tensor of the start of each bag, got None"),
    (lambda w: F.embedding_bag(ember.tensor([[[0]]]), w), ValueError,
     r"embedding_bag: input has to be 1-D \(with offsets\) or 2-D \(B, N\), got shape \(1, 1, 1\)"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([1])), ValueError,
     r"embedding_bag: offsets\[0\] has to be 0, i.e. the first bag has to start at position 0, got 1"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0, 2, 1])), ValueError,
     r"embedding_bag: offsets must be non-decreasing, got \[0, 2, 1\]"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0, 3])), IndexError,
     r"embedding_bag: index 3 is out of range for an input of 2 indices \(as offsets\)"),
    (lambda w: F.embedding_bag(ember.tensor([0, 5]), w, ember.tensor([0])), IndexError,
     r"embedding_bag: index 5 is out of range for a weight of 4 rows"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0]), mode="min"), ValueError,
     r"embedding_bag: mode has to be one of 'sum', 'mean' or 'max', got 'min'"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0]), per_sample_weights=ember.ones(2)),
     ValueError, r"embedding_bag: per_sample_weights is only supported for mode='sum', got mode='mean'"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0]), mode="sum",
                               per_sample_weights=ember.ones(3)), ValueError,
     r"embedding_bag: per_sample_weights of shape \(3,\) must have the input's shape \(2,\)"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0]), padding_idx=4), ValueError,
     r"embedding_bag: padding_idx=4 must be within num_embeddings \(4\)"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w, ember.tensor([0]), sparse=True), ValueError,
     r"embedding_bag: sparse=True is not supported"),
    (lambda w: F.embedding_bag(ember.tensor([0, 1]), w[0], ember.tensor([0])), ValueError,
     r"embedding_bag: weight must be 2-D \(num_embeddings, embedding_dim\), got shape \(2,\)"),
    (lambda w: F.embedding_bag([0, 1], w, ember.tensor([0])), TypeError,
     r"embedding_bag: input must be a Tensor, got list"),
    (lambda w: nn.EmbeddingBag(4, 2, padding_idx=4), ValueError,
     r"EmbeddingBag\(4, 2\): padding_idx=4 must be within num_embeddings"),
    (lambda w: nn.EmbeddingBag(4, 2, sparse=True), ValueError, r"EmbeddingBag: sparse=True is not supported"),
    (lambda w: nn.EmbeddingBag(4, 2, _weight=w[:3]), ValueError,
     r"EmbeddingBag: _weight of shape \(3, 2\) must have shape \(4, 2\)"),
])
def test_embedding_bag_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(ember.ones(4, 2))


def test_docstring_examples():
    for name in ("ember.nn.functional.sparse", "ember.nn.modules.sparse"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
