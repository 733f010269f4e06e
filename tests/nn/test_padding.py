"""The padding layers (ember/nn/modules/padding.py) against PyTorch's: values, gradients of
first and second order, the stored padding and reprs, batched and unbatched inputs."""

import doctest
import sys

import pytest

import ember
import ember.nn as nn
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# (layer name, constructor args, input shape): int and tuple paddings, batched and unbatched
CASES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 0),), (5,)), ("ZeroPad1d", ((-1, 2),), (3, 4)),
    ("ZeroPad2d", (1,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, 3),), (1, 2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 0, 2, 1, 1),), (1, 2, 3, 2, 2)), ("ZeroPad3d", (1,), (2, 2, 3)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad1d", ((0, 3), -1), (4,)),
    ("ConstantPad2d", ((1, 2, 0, 1), 2.5), (2, 3, 4)), ("ConstantPad2d", (1, 0.5), (1, 1, 2, 3, 2)),
    ("ConstantPad3d", (1, -2.0), (1, 2, 2, 3, 2)), ("ConstantPad3d", ((0, 1, 1, 0, 2, 0), 1), (2, 2, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad1d", ((3, 1),), (3, 5)),
    ("ReflectionPad2d", (1,), (2, 2, 3, 4)), ("ReflectionPad2d", ((2, 0, 1, 2),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 4)), ("ReflectionPad3d", ((1, 2, 0, 1, 2, 1),), (2, 3, 3, 3)),
    ("ReplicationPad1d", (3,), (2, 3, 4)), ("ReplicationPad1d", ((0, 4),), (2, 1)),
    ("ReplicationPad2d", ((1, 2, 3, 0),), (1, 2, 3, 4)), ("ReplicationPad2d", (2,), (2, 3, 2)),
    ("ReplicationPad3d", (1,), (1, 2, 2, 3, 2)), ("ReplicationPad3d", ((2, 0, 1, 1, 0, 3),), (2, 2, 2, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad1d", ((4, 1),), (3, 4)),
    ("CircularPad2d", ((1, 2, 3, 0),), (1, 2, 3, 4)), ("CircularPad2d", (2,), (2, 3, 2)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 2)), ("CircularPad3d", ((2, 0, 1, 1, 0, 3),), (2, 3, 2, 3)),
]
IDS = [f"{name}-{args}-{shape}" for name, args, shape in CASES]


@pytest.mark.parametrize("name,args,shape", CASES, ids=IDS)
def test_layer_matches_torch_with_gradients(name, args, shape):
    layer = getattr(nn, name)(*args)
    tlayer = getattr(torch.nn, name)(*args) if torch else None
    check_op(layer, tlayer, shapes=[shape])


@needs_torch
@pytest.mark.parametrize("name,args,shape", CASES, ids=IDS)
def test_padding_repr_and_state_match_torch(name, args, shape):
    layer, tlayer = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(tlayer)
    assert layer.padding == tlayer.padding and isinstance(layer.padding, tuple)
    assert getattr(layer, "value", None) == getattr(tlayer, "value", None)
    assert dict(layer.state_dict()) == {} and list(layer.parameters()) == []


@needs_torch
def test_sequence_padding_is_kept_as_given():
    # PyTorch keeps a sequence whatever its length; F.pad then pads as many dimensions as it covers
    layer, tlayer = nn.ReflectionPad2d([1, 2]), torch.nn.ReflectionPad2d([1, 2])
    assert layer.padding == tlayer.padding == (1, 2)
    x = torch.randn(2, 3, 5)
    assert tuple(layer(ember.tensor(x.numpy())).shape) == tuple(tlayer(x).shape) == (2, 3, 8)


def test_values_of_each_mode():
    x = ember.tensor([[[1.0, 2.0, 3.0]]])
    assert nn.ZeroPad1d((1, 2))(x).tolist() == [[[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]]]
    assert nn.ConstantPad1d(1, 9.0)(x).tolist() == [[[9.0, 1.0, 2.0, 3.0, 9.0]]]
    assert nn.ReflectionPad1d(2)(x).tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    assert nn.ReplicationPad1d((2, 1))(x).tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]
    assert nn.CircularPad1d((2, 1))(x).tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]]


def test_errors():
    with pytest.raises(ValueError, match=r"^CircularPad3d\(\(1, 1, 1, 1, 1, 1\)\) expects a 4-D "
                                         r"\(C, D, H, W\) or 5-D \(N, C, D, H, W\) input, got shape "
                                         r"\(3, 5\)$"):
        nn.CircularPad3d(1)(ember.ones(3, 5))
    with pytest.raises(ValueError, match=r"^ReflectionPad2d\(\(1, 1, 1, 1\)\) expects a 3-D \(C, H, W\) "
                                         r"or 4-D \(N, C, H, W\) input, got shape \(5,\)$"):
        nn.ReflectionPad2d(1)(ember.ones(5))
    with pytest.raises(ValueError, match=r"^ReplicationPad1d\(\(2, 2\)\) expects a 2-D \(C, W\) or 3-D "
                                         r"\(N, C, W\) input, got shape \(1, 2, 3, 4\)$"):
        nn.ReplicationPad1d(2)(ember.ones(1, 2, 3, 4))
    # the circular layers check their own rank even when the padding covers fewer dimensions
    with pytest.raises(ValueError, match=r"CircularPad2d\(\(1, 1\)\) expects a 3-D"):
        nn.CircularPad2d((1, 1))(ember.ones(3, 5))
    # the amounts are checked by F.pad
    with pytest.raises(ValueError, match=r"pad: reflect padding \(5, 5\) must be smaller than the size 5"):
        nn.ReflectionPad1d(5)(ember.ones(3, 5))
    with pytest.raises(ValueError, match=r"pad: circular padding \(6, 6\) can't exceed the size 5"):
        nn.CircularPad1d(6)(ember.ones(3, 5))
    with pytest.raises(ValueError, match=r"pad: the padding \(1, 2, 3\) must have an even length"):
        nn.ReflectionPad2d((1, 2, 3))(ember.ones(2, 3, 5))
    with pytest.raises(ValueError, match=r"pad: the padding \(1, 1, 1, 1\) covers 2 dimensions but the "
                                         r"input of shape \(5,\) has only 1"):
        nn.ZeroPad2d(1)(ember.ones(5))
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'value'"):
        nn.ConstantPad1d(1)


def test_docstring_examples():
    result = doctest.testmod(sys.modules["ember.nn.modules.padding"], extraglobs={"ember": ember, "nn": nn})
    assert result.failed == 0 and result.attempted > 0
