import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


@needs_torch
@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-3, -2), (2, -1)])
def test_flatten_matches_torch(args):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    layer, t_layer = nn.Flatten(*args), torch.nn.Flatten(*args)
    x = ember.tensor(a, requires_grad=True)
    y, ty = layer(x), t_layer(torch.tensor(a))
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(a))
    assert repr(layer) == repr(t_layer)


def test_flatten_is_a_view_of_contiguous_input():
    x = ember.zeros(2, 3, 4)
    y = nn.Flatten()(x)
    assert y.shape == (2, 12)
    assert np.shares_memory(y.numpy(), x.numpy())


def test_flatten_errors_name_the_layer():
    with pytest.raises(IndexError, match=r"Flatten\(start_dim=1, end_dim=-1\) expects an input with at "
                                         r"least 2 dimensions, got shape \(5,\) \(no batch dimension\? "
                                         r"use Flatten\(start_dim=0\)\)"):
        nn.Flatten()(ember.ones(5))
    with pytest.raises(IndexError, match=r"Flatten\(start_dim=1, end_dim=3\) expects an input with at "
                                         r"least 4 dimensions, got shape \(2, 3, 4\)"):
        nn.Flatten(1, 3)(ember.ones(2, 3, 4))
    with pytest.raises(TypeError, match=r"expects a Tensor, got list"):
        nn.Flatten()([1.0])


@needs_torch
@pytest.mark.parametrize("dim,sizes", [(1, (2, 5)), (-1, (5, -1)), (0, [3, 1]), (1, (10,))])
def test_unflatten_matches_torch(dim, sizes):
    a = np.random.default_rng(1).standard_normal((3, 10))
    layer, t_layer = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    x = ember.tensor(a, requires_grad=True)
    y, ty = layer(x), t_layer(torch.tensor(a))
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a)
    assert repr(layer) == repr(t_layer)


def test_flatten_then_unflatten_round_trips():
    x = ember.randn(4, 3, 2, 2)
    model = nn.Sequential(nn.Flatten(), nn.Unflatten(1, (3, 2, 2)))
    np.testing.assert_array_equal(model(x).numpy(), x.numpy())


def test_unflatten_errors_name_the_layer():
    with pytest.raises(RuntimeError, match=r"Unflatten\(dim=1, unflattened_size=\(3, 4\)\) can't split "
                                           r"dimension 1 of size 10 \(input shape \(2, 10\)\) into "
                                           r"\(3, 4\): the sizes must multiply to 10"):
        nn.Unflatten(1, (3, 4))(ember.ones(2, 10))
    with pytest.raises(IndexError, match=r"Unflatten\(dim=2, unflattened_size=\(2, 5\)\) expects an "
                                         r"input with a dimension 2, got shape \(2, 10\)"):
        nn.Unflatten(2, (2, 5))(ember.ones(2, 10))
    with pytest.raises(TypeError, match=r"Unflatten: unflattened_size must be a tuple of ints, got 5"):
        nn.Unflatten(1, 5)
    with pytest.raises(TypeError, match=r"Unflatten: named dimensions are not supported"):
        nn.Unflatten("features", (("C", 2), ("H", 5)))


def test_docstring_examples():
    result = doctest.testmod(sys.modules["ember.nn.modules.flatten"],
                             extraglobs={"ember": ember, "nn": nn})
    assert result.failed == 0 and result.attempted > 0
