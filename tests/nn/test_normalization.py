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


# ---- RMSNorm, InstanceNorm, LocalResponseNorm ----------------------------------------------------
@needs_torch
@pytest.mark.parametrize("args,kw,shape", [
    ((10,), {}, (4, 10)),
    (([3, 10],), {"eps": 1e-3}, (2, 3, 10)),
    ((10,), {"elementwise_affine": False}, (4, 10)),
    ((6,), {}, (6,)),
])
def test_rms_norm_matches_torch(args, kw, shape):
    _compare_layer(nn.RMSNorm(*args, **kw), torch.nn.RMSNorm(*args, **kw), shape)


@needs_torch
@pytest.mark.parametrize("name,args,kw,shape", [
    ("InstanceNorm1d", (4,), {}, (2, 4, 5)),
    ("InstanceNorm1d", (4,), {"affine": True}, (4, 5)),  # unbatched
    ("InstanceNorm2d", (3,), {"affine": True, "eps": 1e-3}, (2, 3, 4, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "bias": False}, (3, 4, 4)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 4)),
    ("InstanceNorm3d", (2,), {"affine": True, "momentum": None}, (2, 2, 3, 2, 2)),
])
def test_instance_norm_matches_torch(name, args, kw, shape):
    _compare_layer(getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw), shape)


@needs_torch
@pytest.mark.parametrize("name,kw,shape", [
    ("InstanceNorm1d", {"momentum": 0.1}, (3, 4, 6)),
    ("InstanceNorm1d", {"momentum": 0.5, "affine": True}, (4, 6)),  # unbatched
    ("InstanceNorm2d", {"momentum": None}, (2, 4, 3, 3)),  # None: no update, as in PyTorch
    ("InstanceNorm2d", {"momentum": 0.3, "affine": True}, (2, 4, 3, 5)),
])
def test_instance_norm_running_stats_match_torch(name, kw, shape):
    layer = getattr(nn, name)(4, track_running_stats=True, **kw)
    tlayer = getattr(torch.nn, name)(4, track_running_stats=True, **kw)
    rng = np.random.default_rng(3)
    for _ in range(3):  # training: each batch updates the running statistics
        a = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        np.testing.assert_allclose(layer(ember.tensor(a)).detach().numpy(),
                                   tlayer(torch.tensor(a)).detach().numpy(), rtol=1e-5, atol=1e-5)
    for name_ in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(layer, name_).numpy(), getattr(tlayer, name_).numpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=name_)
    layer.eval()
    tlayer.eval()  # evaluation: normalized with the running statistics
    a = rng.standard_normal(shape).astype(np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), tlayer(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    before = layer.running_mean.numpy().copy()
    layer(x)
    np.testing.assert_array_equal(layer.running_mean.numpy(), before)  # eval leaves them alone


@needs_torch
@pytest.mark.parametrize("args,shape", [
    ((2,), (2, 8, 4, 4)),
    ((3, 0.1, 0.5, 2), (2, 5, 7)),
    ((5, 1.0), (1, 3, 2, 2, 2)),  # a window wider than the channels
    ((4, 0.3, 1.5, 0.5), (2, 6, 3, 2, 2, 2)),
])
def test_local_response_norm_matches_torch(args, shape):
    _compare_layer(nn.LocalResponseNorm(*args), torch.nn.LocalResponseNorm(*args), shape)


@pytest.mark.parametrize("shape,normalized", [((3, 5), (5,)), ((2, 3, 4), (3, 4)), ((4,), (4,))])
def test_rms_norm_function(shape, normalized):
    check_op(lambda x, w: F.rms_norm(x, normalized, w),
             (lambda x, w: TF.rms_norm(x, normalized, w)) if torch else None, shapes=[shape, normalized])
    check_op(lambda x: F.rms_norm(x, normalized, eps=0.1),
             (lambda x: TF.rms_norm(x, normalized, eps=0.1)) if torch else None, shapes=[shape])


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    for dtype, eps in ((ember.float32, np.finfo(np.float32).eps), (ember.float64, np.finfo(np.float64).eps)):
        x = ember.zeros(2, 3, dtype=dtype) + 1e-7
        expected = 1e-7 / np.sqrt(1e-14 + eps)
        np.testing.assert_allclose(F.rms_norm(x, (3,)).numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 2, 3), (1, 2, 2, 1, 3)])
def test_instance_norm_function(shape):
    c = shape[1]
    check_op(lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
             (lambda x, w, b: TF.instance_norm(x, weight=w, bias=b)) if torch else None,
             shapes=[shape, (c,), (c,)])
    check_op(lambda x: F.instance_norm(x, eps=1e-3),
             (lambda x: TF.instance_norm(x, eps=1e-3)) if torch else None, shapes=[shape])


@needs_torch
def test_instance_norm_function_running_stats():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 2, 6)).astype(np.float32)
    stats = [rng.standard_normal(2).astype(np.float32), rng.uniform(0.5, 2, 2).astype(np.float32)]
    rm, rv = (ember.tensor(s) for s in stats)
    trm, trv = (torch.tensor(s) for s in stats)
    y = F.instance_norm(ember.tensor(a), rm, rv, momentum=0.2)
    ty = TF.instance_norm(torch.tensor(a), trm, trv, momentum=0.2)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    y = F.instance_norm(ember.tensor(a), rm, rv, use_input_stats=False)
    ty = TF.instance_norm(torch.tensor(a), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,args", [((2, 6, 3), (2,)), ((2, 5, 3, 2), (3, 0.5, 0.75, 1.5)),
                                        ((1, 4, 2, 2, 3), (5, 1.0, 1.2, 2.0))])
def test_local_response_norm_function(shape, args):
    check_op(lambda x: F.local_response_norm(x, *args),
             (lambda x: TF.local_response_norm(x, *args)) if torch else None, shapes=[shape])


def test_local_response_norm_empty_input_is_returned():
    x = ember.ones(0, 3, 2)
    assert F.local_response_norm(x, 2) is x


def test_new_layer_defaults():
    rms = nn.RMSNorm((2, 3))
    assert rms.eps is None and rms.weight.tolist() == [[1.0] * 3] * 2
    assert nn.RMSNorm(4, elementwise_affine=False).weight is None
    inorm = nn.InstanceNorm2d(3)
    assert (inorm.eps, inorm.momentum, inorm.affine, inorm.track_running_stats) == (1e-5, 0.1, False, False)
    assert list(inorm.parameters()) == [] and inorm.running_mean is None
    lrn = nn.LocalResponseNorm(3)
    assert (lrn.size, lrn.alpha, lrn.beta, lrn.k) == (3, 1e-4, 0.75, 1.0)


def test_new_layer_errors():
    with pytest.raises(RuntimeError, match=r"^RMSNorm\(\(4,\), eps=None, elementwise_affine=True\) expects "
                                           r"input of shape \(\*, 4\), got \(2, 5\)$"):
        nn.RMSNorm(4)(ember.randn(2, 5))
    with pytest.raises(ValueError, match=r"^InstanceNorm1d\(4, eps=1e-05, momentum=0.1, affine=False, "
                                         r"bias=False, track_running_stats=False\) expects input of shape "
                                         r"\(N, 4, L\) or \(4, L\), got \(4,\): a 1-D tensor$"):
        nn.InstanceNorm1d(4)(ember.randn(4))
    with pytest.raises(ValueError, match=r"^InstanceNorm2d\(4, .*\) expects input of shape \(N, 4, H, W\) or "
                                         r"\(4, H, W\), got \(2, 3, 5, 5\): 3 channel\(s\) instead of 4$"):
        nn.InstanceNorm2d(4, affine=True)(ember.randn(2, 3, 5, 5))
    with pytest.warns(UserWarning, match=r"^InstanceNorm1d\(4, .*\): the input of shape \(2, 3, 5\) has 3 "
                                         r"channel\(s\), not num_features=4; num_features is unused with "
                                         r"affine=False"):
        y = nn.InstanceNorm1d(4)(ember.randn(2, 3, 5))
    assert y.shape == (2, 3, 5)
    with pytest.warns(UserWarning, match=r"has 3 channel"), \
            pytest.raises(RuntimeError, match=r"^instance_norm: running_mean must have shape \(3,\) for an "
                                              r"input with 3 channels \(shape \(2, 3, 5\)\), got \(4,\)$"):
        nn.InstanceNorm1d(4, track_running_stats=True)(ember.randn(2, 3, 5))


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.rms_norm(ember.randn(2, 5), (4,)), RuntimeError,
     r"^rms_norm: normalized_shape=\(4,\) expects an input of shape \(\*, 4\), got \(2, 5\)$"),
    (lambda: F.rms_norm(ember.randn(5), (2, 5)), RuntimeError,
     r"^rms_norm: normalized_shape=\(2, 5\) expects an input of shape \(\*, 2, 5\), got \(5,\)$"),
    (lambda: F.rms_norm(ember.randn(2, 5), (5,), ember.ones(4)), RuntimeError,
     r"^rms_norm: weight must have shape \(5,\) \(normalized_shape\), got \(4,\)$"),
    (lambda: F.rms_norm(ember.randn(2, 5), ()), RuntimeError,
     r"^rms_norm: normalized_shape must name at least one dimension, got \(\)$"),
    (lambda: F.instance_norm(ember.randn(4)), ValueError,
     r"^instance_norm: expects an input of shape \(N, C, \*\), got \(4,\)$"),
    (lambda: F.instance_norm(ember.randn(2, 4)), ValueError,
     r"^instance_norm: expected more than 1 spatial element when training, got input of shape \(2, 4\)$"),
    (lambda: F.instance_norm(ember.randn(2, 4, 3), weight=ember.ones(3)), RuntimeError,
     r"^instance_norm: weight must have shape \(4,\) for an input with 4 channels \(shape \(2, 4, 3\)\), "
     r"got \(3,\)$"),
    (lambda: F.instance_norm(ember.randn(2, 4, 3), use_input_stats=False), RuntimeError,
     r"^instance_norm: running_mean and running_var are needed when use_input_stats=False"),
    (lambda: F.local_response_norm(ember.randn(2, 4), 2), ValueError,
     r"^local_response_norm: expects an input of shape \(N, C, \*\) with at least 3 dimensions, "
     r"got \(2, 4\)$"),
    (lambda: F.local_response_norm(ember.randn(2, 4, 3), 0), RuntimeError,
     r"^local_response_norm: size \(the number of channels to average over\) must be positive, got 0$"),
])
def test_new_functional_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("module", ["ember.nn.functional.normalization", "ember.nn.modules.normalization"])
def test_docstring_examples(module):
    import doctest
    import sys

    result = doctest.testmod(sys.modules[module], extraglobs={"ember": ember, "nn": nn, "F": F})
    assert result.failed == 0 and result.attempted > 0
