"""LayerNorm, GroupNorm and their functional forms against PyTorch, with float64 gradchecks and
double backward (the fused backward's own backward is written by hand, so it is checked here)."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
if torch is not None:
    import torch.nn.functional as TF


def _compare_layer(layer, tlayer, shape, seed=0):
    assert repr(layer) == repr(tlayer)
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tlayer.state_dict().items()]
    rng = np.random.default_rng(seed)
    with ember.no_grad():  # non-default affine parameters, the same in both
        for name, p in layer.named_parameters():
            value = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p.copy_(ember.tensor(value))
            with torch.no_grad():
                getattr(tlayer, name).copy_(torch.tensor(value))
    a = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), tlayer(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(shape).astype(np.float32)
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), getattr(tlayer, name).grad.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("args,kw,shape", [
    ((10,), {}, (4, 10)),
    ((10,), {}, (2, 3, 10)),
    (([3, 10],), {"eps": 1e-3}, (2, 3, 10)),
    ((10,), {"bias": False}, (4, 10)),
    ((10,), {"elementwise_affine": False}, (4, 10)),
    ((6,), {}, (6,)),
])
def test_layer_norm_matches_torch(args, kw, shape):
    _compare_layer(nn.LayerNorm(*args, **kw), torch.nn.LayerNorm(*args, **kw), shape)


@needs_torch
@pytest.mark.parametrize("args,kw,shape", [
    ((2, 6), {}, (3, 6, 4, 5)),
    ((3, 6), {"eps": 1e-3}, (2, 6, 7)),
    ((6, 6), {}, (2, 6, 3, 3)),  # instance norm
    ((1, 6), {}, (2, 6, 3, 3)),  # layer norm over (C, H, W)
    ((2, 4), {"affine": False}, (3, 4, 5)),
    ((2, 4), {"bias": False}, (3, 4)),
])
def test_group_norm_matches_torch(args, kw, shape):
    _compare_layer(nn.GroupNorm(*args, **kw), torch.nn.GroupNorm(*args, **kw), shape)


# ---- functional forms: the harness (float32/float64 against torch, gradcheck, gradgradcheck) ----
@pytest.mark.parametrize("shape,normalized", [((3, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_layer_norm_function(shape, normalized):
    check_op(lambda x, w, b: F.layer_norm(x, normalized, w, b),
             (lambda x, w, b: TF.layer_norm(x, normalized, w, b)) if torch else None,
             shapes=[shape, normalized, normalized])


def test_layer_norm_function_partial_affine():
    check_op(lambda x, b: F.layer_norm(x, (4,), None, b), (lambda x, b: TF.layer_norm(x, (4,), None, b))
             if torch else None, shapes=[(3, 4), (4,)])
    check_op(lambda x: F.layer_norm(x, (4,)), (lambda x: TF.layer_norm(x, (4,))) if torch else None,
             shapes=[(3, 4)])


@pytest.mark.parametrize("shape,groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((3, 4), 2)])
def test_group_norm_function(shape, groups):
    c = shape[1]
    check_op(lambda x, w, b: F.group_norm(x, groups, w, b),
             (lambda x, w, b: TF.group_norm(x, groups, w, b)) if torch else None,
             shapes=[shape, (c,), (c,)])


def test_normalized_output_has_zero_mean_unit_variance():
    x = ember.randn(4, 32) * 5 + 3
    y = F.layer_norm(x, (32,)).numpy()
    np.testing.assert_allclose(y.mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(1), 1, rtol=1e-3)
    z = F.group_norm(ember.randn(2, 4, 8) * 2 - 1, 2).numpy().reshape(2, 2, -1)
    np.testing.assert_allclose(z.mean(-1), 0, atol=1e-5)


def test_default_parameters():
    ln = nn.LayerNorm((2, 3))
    assert ln.normalized_shape == (2, 3) and ln.weight.tolist() == [[1.0] * 3] * 2
    assert ln.bias.tolist() == [[0.0] * 3] * 2
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    gn = nn.GroupNorm(2, 4, affine=False)
    assert list(gn.parameters()) == [] and gn.weight is None


# ---- errors ----
def test_layer_errors_name_the_layer():
    with pytest.raises(RuntimeError, match=r"^LayerNorm\(\(10,\), eps=1e-05, elementwise_affine=True, "
                                           r"bias=True\) "
                                           r"expects input of shape \(\*, 10\), got \(4, 12\)$"):
        nn.LayerNorm(10)(ember.randn(4, 12))
    with pytest.raises(RuntimeError, match=r"GroupNorm\(2, 6, eps=1e-05, affine=True, bias=True\) expects "
                                           r"input of "
                                           r"shape \(N, 6, \*\), got \(4, 4, 2\)"):
        nn.GroupNorm(2, 6)(ember.randn(4, 4, 2))
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups "
                                         r"\(4\)"):
        nn.GroupNorm(4, 6)


@pytest.mark.parametrize("call,match", [
    (lambda: F.layer_norm(ember.randn(2, 5), (4,)),
     r"layer_norm: normalized_shape=\(4,\) expects an input of shape \(\*, 4\), got \(2, 5\)"),
    (lambda: F.layer_norm(ember.randn(2, 4), (4,), ember.ones(3)),
     r"layer_norm: weight must have shape \(4,\), got \(3,\)"),
    (lambda: F.group_norm(ember.randn(2, 6, 3), 4),
     r"group_norm: num_groups=4 must divide the 6 channels of the input \(shape \(2, 6, 3\)\)"),
    (lambda: F.group_norm(ember.randn(6), 2),
     r"group_norm: expects an input of shape \(N, C, \*\), got \(6,\)"),
    (lambda: F.group_norm(ember.randn(2, 6), 2, ember.ones(4)),
     r"group_norm: weight must have shape \(6,\), got \(4,\)"),
])
def test_functional_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()
