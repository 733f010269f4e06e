"""Sliding blocks: F.unfold/F.fold and the Unfold/Fold layers against PyTorch (values, gradients,
gradcheck, double backward), their adjointness, and their errors."""

import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
if torch is not None:
    import torch.nn.functional as TF

# (kernel_size, dilation, padding, stride) and an image shape they fit
GEOMETRIES = [
    ({"kernel_size": 2}, (2, 3, 4, 5)),
    ({"kernel_size": 3, "padding": 1}, (1, 2, 5, 5)),
    ({"kernel_size": (2, 3), "dilation": (2, 1), "padding": (1, 0), "stride": (2, 1)}, (2, 2, 7, 6)),
    ({"kernel_size": 3, "stride": 2}, (3, 7, 6)),  # unbatched
    ({"kernel_size": 1}, (1, 3, 2, 2)),
]


@pytest.mark.parametrize("kw, shape", GEOMETRIES)
def test_unfold_matches_torch(kw, shape):
    check_op(lambda x: F.unfold(x, **kw), torch_fn=(lambda x: TF.unfold(x, **kw)) if torch else None,
             shapes=[shape])


@pytest.mark.parametrize("kw, shape", GEOMETRIES)
def test_fold_matches_torch(kw, shape):
    blocks_shape = tuple(F.unfold(ember.zeros(*shape), **kw).shape)
    out = shape[-2:]
    check_op(lambda x: F.fold(x, out, **kw), torch_fn=(lambda x: TF.fold(x, out, **kw)) if torch else None,
             shapes=[blocks_shape])


def test_fold_is_the_adjoint_of_unfold():
    rng = np.random.default_rng(0)
    kw = {"kernel_size": (3, 2), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    x = ember.tensor(rng.standard_normal((2, 3, 8, 7)))
    cols = F.unfold(x, **kw)
    c = ember.tensor(rng.standard_normal(tuple(cols.shape)))
    lhs = (cols * c).sum().item()
    rhs = (x * F.fold(c, (8, 7), **kw)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_unfold_reproduces_conv2d():
    rng = np.random.default_rng(1)
    x, w = ember.tensor(rng.standard_normal((2, 3, 6, 5))), ember.tensor(rng.standard_normal((4, 3, 3, 3)))
    y = (w.reshape(4, -1) @ F.unfold(x, 3, padding=1, stride=2)).reshape(2, 4, 3, 3)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w, padding=1, stride=2).numpy(), atol=1e-12)


def test_unfold_output_does_not_alias_scratch_memory():
    a = F.unfold(ember.ones(1, 1, 3, 3), 2)
    F.unfold(ember.zeros(1, 1, 3, 3), 2)  # reuses the im2col scratch buffer
    assert (a.numpy() == 1).all()


@needs_torch
@pytest.mark.parametrize("layer_args", [
    ("Unfold", (2,), {}), ("Unfold", ((2, 3),), {"dilation": 2, "padding": (1, 0), "stride": 1}),
    ("Fold", ((4, 5), 2), {}), ("Fold", ((7, 6), (2, 3)), {"dilation": (2, 1), "padding": (1, 0),
                                                          "stride": (2, 1)}),
])
def test_layers_match_torch(layer_args):
    name, args, kw = layer_args
    layer, tlayer = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(layer) == repr(tlayer)
    if name == "Unfold":
        shape = (2, 3, 7, 6)
    else:
        shape = tuple(TF.unfold(torch.zeros(2, 3, *args[0]), *args[1:], **kw).shape)
    a = np.random.default_rng(0).standard_normal(shape)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), tlayer(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    assert list(layer.parameters()) == []


@pytest.mark.parametrize("call, match", [
    (lambda: F.unfold(ember.randn(3, 4), 2),
     r"unfold: expects a 4-D input \(N, C, H, W\) or an unbatched 3-D one, got shape \(3, 4\)"),
    (lambda: F.unfold(ember.randn(1, 1, 2, 2), 3),
     r"unfold: for a spatial size \(2, 2\), kernel_size=\(3, 3\), dilation=\(1, 1\), padding=\(0, 0\) "
     r"and stride=\(1, 1\) give a grid of \(0, 0\) sliding blocks, but each must be at least one"),
    (lambda: F.unfold(ember.randn(1, 1, 4, 4), 2, stride=0),
     r"unfold: kernel_size \(2, 2\), dilation \(1, 1\) and stride \(0, 0\) must be positive and "
     r"padding \(0, 0\) non-negative"),
    (lambda: F.unfold(ember.randn(1, 1, 4, 4), (2, 2, 2)),
     r"unfold: kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)"),
    (lambda: F.fold(ember.randn(5), (3, 3), 2),
     r"fold: expects a 3-D input \(N, C\*kH\*kW, L\) or an unbatched 2-D one, got shape \(5,\)"),
    (lambda: F.fold(ember.randn(1, 6, 4), (3, 3), 2),
     r"fold: the input of shape \(1, 6, 4\) has 6 rows, which the kernel's size 2 \* 2 doesn't divide; "
     r"expected C \* kH \* kW rows"),
    (lambda: F.fold(ember.randn(1, 8, 5), (3, 3), 2),
     r"fold: output_size=\(3, 3\), kernel_size=\(2, 2\), dilation=\(1, 1\), padding=\(0, 0\) and "
     r"stride=\(1, 1\) give 2 \* 2 = 4 blocks, but the input of shape \(1, 8, 5\) has 5"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_docstring_examples():
    for name in ("ember.nn.functional.fold", "ember.nn.modules.fold"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
