import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import torch

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


def test_docstring_examples():
    for name in ("ember.nn.functional.sparse", "ember.nn.modules.sparse"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
