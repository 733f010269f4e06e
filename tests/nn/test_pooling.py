"""Pooling: F.max_pool*/avg_pool*/adaptive_* and the pooling layers, against PyTorch (values,
indices, gradients with tied maxima), plus float64 gradchecks and double backward."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
if torch is not None:
    import torch.nn.functional as TF


def _compare(fn_name, kw, shape, ties=False, seed=0):
    """Values (and indices) and the input gradient against torch, exactly: with ``ties`` the
    input is rounded so that windows hold repeated maxima."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 2
    if ties:
        a = np.round(a)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = getattr(F, fn_name)(x, **kw), getattr(TF, fn_name)(tx, **kw)
    if isinstance(ty, tuple):
        assert y[1].dtype == ember.int64
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy(), err_msg="indices")
        y, ty = y[0], ty[0]
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(ty.shape))
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12, err_msg="gradient")


MAX2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1), "dilation": (2, 1)},
    {"kernel_size": 3, "stride": 1, "padding": 1},
]


@needs_torch
@pytest.mark.parametrize("kw", MAX2D)
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 3, 11, 9), (3, 7, 6)])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_matches_torch(kw, shape, ties):
    _compare("max_pool2d", kw, shape, ties)
    _compare("max_pool2d", dict(kw, return_indices=True), shape, ties)


@needs_torch
@pytest.mark.parametrize("kw", [{"kernel_size": 2},
                                {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                                {"kernel_size": 3, "dilation": 2, "padding": 1}])
def test_max_pool1d_matches_torch(kw):
    _compare("max_pool1d", kw, (2, 3, 11), ties=True)
    _compare("max_pool1d", dict(kw, return_indices=True), (3, 10), ties=True)


def test_max_pool_gradient_goes_to_the_first_maximum():
    """Ties (ReLU zeros) send the whole gradient to the first maximum in row-major order."""
    x = ember.tensor([[[[0.0, 0.0, 5.0, 1.0],
                        [0.0, 0.0, 1.0, 5.0]]]], requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert y.tolist() == [[[[0.0, 5.0]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_max_pool_nan_propagates():
    x = ember.tensor([[[[1.0, float("nan"), 2.0, 3.0]]]], requires_grad=True)
    y = F.max_pool2d(x, (1, 2))
    assert np.isnan(y[0, 0, 0, 0].item()) and y[0, 0, 0, 1].item() == 3.0
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 0.0, 1.0]]]]


def test_max_pool_nan_windows_pick_the_last_nan_as_torch():
    nan = float("nan")
    x = ember.tensor([[[[nan, 1.0, nan, 2.0, 5.0, 3.0, 5.0, 0.0]]]], requires_grad=True)
    y, index = F.max_pool2d(x, (1, 4), return_indices=True)
    assert index.tolist() == [[[[2, 4]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]]]]


def test_max_pool_on_integers():
    x = ember.tensor([[[[1, 7], [3, -2]]]])
    assert F.max_pool2d(x, 2, padding=1).tolist() == [[[[1, 7], [3, -2]]]]


AVG2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1), "divisor_override": 5},
]


@needs_torch
@pytest.mark.parametrize("kw", AVG2D)
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 3, 11, 9), (3, 7, 6)])
def test_avg_pool2d_matches_torch(kw, shape):
    _compare("avg_pool2d", kw, shape)


@needs_torch
@pytest.mark.parametrize("kw", [{"kernel_size": 2},
                                {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                 "count_include_pad": False}])
def test_avg_pool1d_matches_torch(kw):
    _compare("avg_pool1d", kw, (2, 3, 11))


@needs_torch
@pytest.mark.parametrize("size", [1, (3, 2), (4, None), (5, 7), 3, (10, 7)])
def test_adaptive_pool2d_matches_torch(size):
    _compare("adaptive_avg_pool2d", {"output_size": size}, (2, 3, 10, 7))
    _compare("adaptive_max_pool2d", {"output_size": size}, (2, 3, 10, 7), ties=True)
    _compare("adaptive_max_pool2d", {"output_size": size, "return_indices": True}, (3, 10, 7), ties=True)


@needs_torch
@pytest.mark.parametrize("size", [4, 5, 1])
def test_adaptive_avg_pool1d_matches_torch(size):
    _compare("adaptive_avg_pool1d", {"output_size": size}, (2, 3, 10))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1),
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, (2, 3), (1, 2), dilation=(2, 1), ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: F.adaptive_max_pool2d(x, (3, 4)),
])
def test_gradcheck_and_double_backward(fn):
    x = ember.tensor(np.random.default_rng(0).permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0,
                     requires_grad=True)  # distinct values: max pooling is differentiable there
    assert ember.autograd.gradcheck(fn, [x])
    assert ember.autograd.gradgradcheck(fn, [x])


def test_harness_float32_against_torch():
    check_op(lambda x: F.max_pool2d(x, 2), torch_fn=(lambda x: TF.max_pool2d(x, 2)) if torch else None,
             inputs=[np.random.default_rng(3).permutation(96).reshape(2, 3, 4, 4) / 7.0])
    check_op(lambda x: F.avg_pool2d(x, 3, 1, 1),
             torch_fn=(lambda x: TF.avg_pool2d(x, 3, 1, 1)) if torch else None,
             shapes=[(2, 2, 5, 4)], gradgrad=False)


def test_max_pool_output_is_saved_as_a_version_checked_tensor():
    """The backward compares the input with the saved output: changing it in place is caught."""
    x = ember.randn(1, 1, 4, 4, requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


# ---- layers ----
LAYERS = [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3, 2, 1), {"ceil_mode": True, "dilation": 1}, (2, 3, 9, 7)),
    ("MaxPool1d", (3, 2), {}, (2, 3, 9)),
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False, "divisor_override": None},
     (3, 9, 7)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((2, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", (3,), {}, (2, 3, 7, 5)),
]


@needs_torch
@pytest.mark.parametrize("name,args,kw,shape", LAYERS)
def test_layers_match_torch(name, args, kw, shape):
    layer, tlayer = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(layer) == repr(tlayer)
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), tlayer(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


@needs_torch
def test_max_pool_layer_return_indices():
    a = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    y, i = nn.MaxPool2d(2, return_indices=True)(ember.tensor(a))
    ty, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(a))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


def test_layers_train_and_eval_agree():
    layer = nn.MaxPool2d(2)
    x = ember.randn(1, 2, 4, 4)
    np.testing.assert_array_equal(layer(x).numpy(), layer.eval()(x).numpy())
    assert list(layer.parameters()) == [] and layer.state_dict() == {}


# ---- errors ----
def test_layer_errors_name_the_layer():
    with pytest.raises(RuntimeError, match=r"^MaxPool2d\(kernel_size=2, stride=2, padding=0, dilation=1, "
                                           r"ceil_mode=False\) expects input of shape \(N, C, H, W\) or "
                                           r"\(C, H, W\), got \(4, 4\): a 2-D tensor$"):
        nn.MaxPool2d(2)(ember.randn(4, 4))
    with pytest.raises(RuntimeError, match=r"AvgPool1d\(kernel_size=\(2,\), stride=\(2,\), padding=\(0,\)\) "
                                           r"expects input of shape \(N, C, L\) or \(C, L\), got \(1, 2, 3, "
                                           r"4\)"):
        nn.AvgPool1d(2)(ember.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match=r"AdaptiveAvgPool2d\(output_size=1\) expects input of shape"):
        nn.AdaptiveAvgPool2d(1)(ember.randn(3))


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool2d(ember.randn(1, 1, 5, 5), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) must be between 0 and half the kernel size \(2, 2\) \(rounded down\)"),
    (lambda: F.avg_pool2d(ember.randn(1, 1, 2, 2), 3),
     r"avg_pool2d: the input of shape \(1, 1, 2, 2\) is too small for kernel_size=\(3, 3\), stride=\(3, 3\), "
     r"padding=\(0, 0\), dilation=\(1, 1\): the output size would be \(0, 0\)"),
    (lambda: F.max_pool2d(ember.randn(5), 2),
     r"max_pool2d: expects a 4-D input \(N, C, H, W\) or an unbatched 3-D one, got shape \(5,\)"),
    (lambda: F.avg_pool2d(ember.tensor([[[1, 2], [3, 4]]]), 2),
     r"avg_pool2d: expects a floating-point input, got ember.int64; call .float\(\) first"),
    (lambda: F.max_pool2d(ember.randn(1, 1, 4, 4), (2, 2, 2)),
     r"max_pool2d: kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)"),
    (lambda: F.max_pool2d(ember.randn(1, 1, 4, 4), 2, stride=0),
     r"max_pool2d: kernel_size \(2, 2\), stride \(0, 0\) and dilation \(1, 1\) must be positive"),
    (lambda: F.avg_pool2d(ember.randn(1, 1, 4, 4), 2, divisor_override=0),
     r"avg_pool2d: divisor_override must be a non-zero int, got 0"),
    (lambda: F.adaptive_avg_pool2d(ember.randn(1, 1, 4, 4), (1, 2, 3)),
     r"adaptive_avg_pool2d: output_size must be an int or a tuple of 2, got \(1, 2, 3\)"),
    (lambda: F.adaptive_max_pool2d(ember.randn(1, 1, 4, 4), 0),
     r"adaptive_max_pool2d: output_size \(0, 0\) must be positive and the input of shape \(1, 1, 4, 4\) "
     r"non-empty"),
    (lambda: F.adaptive_avg_pool1d(ember.randn(1, 1, 4, 4), 2),
     r"adaptive_avg_pool1d: expects a 3-D input \(N, C, L\) or an unbatched 2-D one, got shape \(1, 1, 4, "
     r"4\)"),
])
def test_functional_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ---- power-average pooling and 1-D adaptive max pooling ----
@pytest.mark.parametrize("name, args, shape, low", [
    ("lp_pool1d", (2, 3), (2, 3, 9), -2.0),
    ("lp_pool1d", (3.0, 2, 1), (3, 8), 0.1),
    ("lp_pool1d", (1.5, 3, 2, True), (2, 2, 8), 0.1),
    ("lp_pool2d", (2, 2), (2, 3, 6, 6), -2.0),
    ("lp_pool2d", (3, (2, 3), (1, 2)), (2, 5, 7), 0.1),
    ("lp_pool2d", (2, 3, 2, True), (1, 2, 8, 7), -2.0),
])
def test_lp_pool_matches_torch(name, args, shape, low):
    check_op(lambda x: getattr(F, name)(x, *args),
             torch_fn=(lambda x: getattr(TF, name)(x, *args)) if torch else None,
             shapes=[shape], low=low)


@needs_torch
@pytest.mark.parametrize("kw", [{"output_size": 4}, {"output_size": 3, "return_indices": True},
                                {"output_size": 5, "return_indices": True}, {"output_size": 1}])
@pytest.mark.parametrize("shape", [(2, 3, 10), (3, 10)])
def test_adaptive_max_pool1d_matches_torch(kw, shape):
    _compare("adaptive_max_pool1d", kw, shape, ties=True)


def test_adaptive_max_pool1d_gradcheck_and_double_backward():
    x = ember.tensor(np.random.default_rng(0).permutation(2 * 3 * 10).reshape(2, 3, 10) / 10.0,
                     requires_grad=True)
    for fn in (lambda x: F.adaptive_max_pool1d(x, 3), lambda x: F.adaptive_max_pool1d(x, 5)):
        assert ember.autograd.gradcheck(fn, [x])
        assert ember.autograd.gradgradcheck(fn, [x])


@needs_torch
@pytest.mark.parametrize("name,args,kw,shape", [
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool1d", (1.5, 2), {"stride": 1, "ceil_mode": True}, (3, 9)),
    ("LPPool2d", (2, (2, 3)), {"stride": (1, 2)}, (2, 3, 7, 8)),
    ("LPPool2d", (3, 2), {"ceil_mode": True}, (3, 7, 5)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool1d", (3,), {"return_indices": True}, (3, 10)),
])
def test_new_pooling_layers_match_torch(name, args, kw, shape):
    layer, tlayer = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(layer) == repr(tlayer)
    a = np.abs(np.random.default_rng(0).standard_normal(shape)) + 0.1
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), tlayer(tx)
    if kw.get("return_indices"):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_new_pooling_errors():
    with pytest.raises(ValueError, match=r"lp_pool2d: norm_type must be a non-zero number, got 0"):
        F.lp_pool2d(ember.randn(1, 1, 4, 4), 0, 2)
    with pytest.raises(RuntimeError, match=r"lp_pool1d: kernel_size must be an int or a tuple of 1 ints, "
                                           r"got \(2, 2\)"):
        F.lp_pool1d(ember.randn(1, 1, 4), 2, (2, 2))
    with pytest.raises(RuntimeError, match=r"adaptive_max_pool1d: expects a 3-D input \(N, C, L\) or an "
                                           r"unbatched 2-D one, got shape \(4,\)"):
        F.adaptive_max_pool1d(ember.randn(4), 2)
    with pytest.raises(RuntimeError, match=r"LPPool1d\(norm_type=2, kernel_size=2, stride=None, "
                                           r"ceil_mode=False\) expects input of shape \(N, C, L\)"):
        nn.LPPool1d(2, 2)(ember.randn(1, 2, 3, 4))


# ---- 3-D ----
MAX3D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": (2, 3, 2), "stride": (1, 2, 1), "padding": (1, 1, 0), "dilation": (2, 1, 2)},
]


@needs_torch
@pytest.mark.parametrize("kw", MAX3D)
@pytest.mark.parametrize("shape", [(2, 2, 5, 6, 5), (2, 6, 5, 7)])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool3d_matches_torch(kw, shape, ties):
    _compare("max_pool3d", kw, shape, ties)
    _compare("max_pool3d", dict(kw, return_indices=True), shape, ties)


AVG3D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
    {"kernel_size": (2, 3, 2), "stride": (1, 2, 1), "padding": (1, 1, 0), "divisor_override": 5},
]


@needs_torch
@pytest.mark.parametrize("kw", AVG3D)
@pytest.mark.parametrize("shape", [(2, 2, 5, 6, 5), (2, 6, 5, 7)])
def test_avg_pool3d_matches_torch(kw, shape):
    _compare("avg_pool3d", kw, shape)


@needs_torch
@pytest.mark.parametrize("size", [1, (2, 3, 2), (None, 2, 5), 3, (4, 6, 5)])
def test_adaptive_avg_pool3d_matches_torch(size):
    _compare("adaptive_avg_pool3d", {"output_size": size}, (2, 2, 4, 6, 5))
    _compare("adaptive_avg_pool3d", {"output_size": size}, (2, 4, 6, 5))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 2),
    lambda x: F.max_pool3d(x, (2, 3, 2), (1, 2, 1), padding=1, dilation=(1, 1, 2), ceil_mode=True),
    lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool3d(x, (3, 2, 4)),
])
def test_gradcheck_and_double_backward_3d(fn):
    x = ember.tensor(np.random.default_rng(0).permutation(2 * 5 * 4 * 6).reshape(1, 2, 5, 4, 6) / 10.0,
                     requires_grad=True)
    assert ember.autograd.gradcheck(fn, [x])
    assert ember.autograd.gradgradcheck(fn, [x])


def test_harness_3d_against_torch():
    check_op(lambda x: F.max_pool3d(x, 2, 1), torch_fn=(lambda x: TF.max_pool3d(x, 2, 1)) if torch else None,
             inputs=[np.random.default_rng(3).permutation(108).reshape(1, 2, 3, 3, 6) / 7.0])
    check_op(lambda x: F.avg_pool3d(x, 3, 1, 1),
             torch_fn=(lambda x: TF.avg_pool3d(x, 3, 1, 1)) if torch else None, shapes=[(2, 2, 3, 5, 4)])
    check_op(lambda x: F.adaptive_avg_pool3d(x, (2, 3, 3)),
             torch_fn=(lambda x: TF.adaptive_avg_pool3d(x, (2, 3, 3))) if torch else None,
             shapes=[(2, 2, 3, 5, 4)])


LAYERS_3D = [
    ("MaxPool3d", (2,), {}, (2, 3, 4, 6, 6)),
    ("MaxPool3d", (3, 2, 1), {"ceil_mode": True, "dilation": 1}, (3, 5, 6, 7)),
    ("AvgPool3d", (2,), {}, (2, 3, 4, 6, 6)),
    ("AvgPool3d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False, "divisor_override": None},
     (3, 5, 6, 7)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (2, 3, 5, 4, 7)),
    ("AdaptiveAvgPool3d", (1,), {}, (2, 3, 5, 4, 7)),
]


@needs_torch
@pytest.mark.parametrize("name,args,kw,shape", LAYERS_3D)
def test_layers_3d_match_torch(name, args, kw, shape):
    test_layers_match_torch(name, args, kw, shape)
    assert getattr(nn, name)(*args, **kw).state_dict() == {}


@needs_torch
def test_max_pool3d_layer_return_indices():
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 6, 6))
    y, i = nn.MaxPool3d(2, return_indices=True)(ember.tensor(a))
    ty, ti = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(a))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    assert not isinstance(nn.AvgPool3d(2), nn.AvgPool2d)


@pytest.mark.parametrize("call,match", [
    (lambda: F.max_pool3d(ember.randn(1, 4, 4), 2),
     r"max_pool3d: expects a 5-D input \(N, C, D, H, W\) or an unbatched 4-D one, got shape \(1, 4, 4\)"),
    (lambda: F.avg_pool3d(ember.randn(1, 1, 4, 4, 4), (2, 2)),
     r"avg_pool3d: kernel_size must be an int or a tuple of 3 ints, got \(2, 2\)"),
    (lambda: F.avg_pool3d(ember.randn(1, 1, 1, 4, 4), 2),
     r"avg_pool3d: the input of shape \(1, 1, 1, 4, 4\) is too small for kernel_size=\(2, 2, 2\)"),
    (lambda: F.adaptive_avg_pool3d(ember.randn(1, 1, 4, 4, 4), (1, 2)),
     r"adaptive_avg_pool3d: output_size must be an int or a tuple of 3, got \(1, 2\)"),
    (lambda: nn.MaxPool3d(2)(ember.randn(4, 4)),
     r"MaxPool3d\(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False\) expects input of shape "
     r"\(N, C, D, H, W\) or \(C, D, H, W\), got \(4, 4\): a 2-D tensor"),
])
def test_3d_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ---- max unpooling, 3-D power-average and adaptive max pooling ----
UNPOOL = [  # (dims, shape, pool kwargs, output_size for the unpooling or None)
    (1, (2, 3, 9), {"kernel_size": 2}, None),
    (1, (3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}, (9,)),
    (2, (2, 3, 8, 8), {"kernel_size": 2}, None),
    (2, (2, 3, 7, 9), {"kernel_size": 2}, (7, 9)),
    (2, (3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}, (7, 9)),
    (2, (2, 2, 7, 6), {"kernel_size": 3, "stride": 1}, (2, 2, 7, 6)),  # overlapping windows
    (3, (2, 2, 4, 6, 5), {"kernel_size": 2}, (4, 6, 5)),
    (3, (2, 5, 6, 4), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2), "padding": (1, 1, 0)}, (5, 6, 4)),
]


@needs_torch
@pytest.mark.parametrize("dims,shape,kw,output_size", UNPOOL)
def test_max_unpool_round_trip_matches_torch(dims, shape, kw, output_size):
    a = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) / 10.0
    pool, unpool = f"max_pool{dims}d", f"max_unpool{dims}d"
    y, i = getattr(F, pool)(ember.tensor(a), return_indices=True, **kw)
    ty, ti = getattr(TF, pool)(torch.tensor(a), return_indices=True, **kw)
    args = {k: v for k, v in kw.items() if k != "dilation"}
    u = getattr(F, unpool)(y, i, output_size=output_size, **args)
    tu = getattr(TF, unpool)(ty, ti, output_size=output_size, **args)
    np.testing.assert_array_equal(u.numpy(), tu.numpy())
    # Overlapping windows repeat an index, where the scatter keeps one of several equal values:
    # its Jacobian is no gather there, so only unique indices go through gradcheck.
    repeated = len(np.unique(i.numpy())) < i.numpy().size
    yi = y.detach().numpy(), i.numpy()
    check_op(lambda v: getattr(F, unpool)(v, ember.tensor(yi[1]), output_size=output_size, **args),
             torch_fn=lambda v: getattr(TF, unpool)(v, torch.tensor(yi[1]), output_size=output_size, **args),
             inputs=[yi[0]], grad=not repeated)
    if repeated:  # the gradient is still torch's: gy read at each index
        v, tv = ember.tensor(yi[0], requires_grad=True), torch.tensor(yi[0], requires_grad=True)
        g = np.random.default_rng(1).standard_normal(tuple(tu.shape))
        getattr(F, unpool)(v, i, output_size=output_size, **args).backward(ember.tensor(g))
        getattr(TF, unpool)(tv, ti, output_size=output_size, **args).backward(torch.tensor(g))
        np.testing.assert_array_equal(v.grad.numpy(), tv.grad.numpy())


def test_max_unpool_gradient_of_gradient_adds_at_repeated_indices():
    """Overlapping windows repeat an index: the gather's adjoint adds its values up."""
    x = ember.tensor(np.random.default_rng(1).permutation(49).reshape(1, 1, 7, 7) / 10.0)
    y, i = F.max_pool2d(x, 3, 1, return_indices=True)
    assert len(np.unique(i.numpy())) < i.numpy().size
    v = ember.tensor(y.numpy(), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda v: F.max_unpool2d(v, i, 3, 1), [v])


@needs_torch
@pytest.mark.parametrize("name,args,shape", [
    ("MaxUnpool1d", (2,), (2, 3, 4)),
    ("MaxUnpool2d", (3, 2, 1), (3, 4, 4)),
    ("MaxUnpool2d", ((2, 3),), (2, 2, 3, 3)),
    ("MaxUnpool3d", (2,), (2, 2, 2, 3, 2)),
    ("MaxUnpool3d", (2, 1), (2, 3, 3, 3)),
])
def test_max_unpool_layers_match_torch(name, args, shape):
    layer, tlayer = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(layer) == repr(tlayer)
    a = np.random.default_rng(0).standard_normal(shape)
    spatial = shape[-len(layer.kernel_size):]  # distinct indices, the same in every plane
    out = layer(ember.tensor(a), ember.zeros(*shape, dtype=ember.int64)).shape[-len(spatial):]
    idx = np.random.default_rng(1).permutation(int(np.prod(out)))[:int(np.prod(spatial))]
    idx = np.broadcast_to(idx.reshape(spatial), shape).copy()
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x, ember.tensor(idx)), tlayer(tx, torch.tensor(idx))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(2).standard_normal(tuple(ty.shape))
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@needs_torch
@pytest.mark.parametrize("output_size", [(3, 3), (4, 5), (1, 1, 4, 4), (6, 6), (4,)])
def test_max_unpool_output_size_is_checked_as_torch(output_size):
    """Sizes torch accepts work, the ones it refuses raise (2x2 planes unpool to 4x4 by default)."""
    y, i = F.max_pool2d(ember.randn(1, 1, 5, 5), 2, return_indices=True)
    try:
        tu = TF.max_unpool2d(torch.tensor(y.numpy()), torch.tensor(i.numpy()), 2, output_size=output_size)
    except (ValueError, RuntimeError):
        with pytest.raises((ValueError, RuntimeError)):
            F.max_unpool2d(y, i, 2, output_size=output_size)
        return
    assert tuple(F.max_unpool2d(y, i, 2, output_size=output_size).shape) == tuple(tu.shape)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.max_unpool2d(ember.randn(4, 4), ember.zeros(4, 4, dtype=ember.int64), 2), RuntimeError,
     r"max_unpool2d: expects a 4-D input \(N, C, H, W\) or an unbatched 3-D one, got shape \(4, 4\)"),
    (lambda: F.max_unpool1d(ember.randn(1, 2, 3), ember.zeros(1, 2, 2, dtype=ember.int64), 2), RuntimeError,
     r"max_unpool1d: indices must be an integer tensor of the input's shape \(1, 2, 3\), as "
     r"max_pool1d\(\.\.\., return_indices=True\) returns them; got ember.int64 of shape \(1, 2, 2\)"),
    (lambda: F.max_unpool1d(ember.randn(1, 2, 3), ember.zeros(1, 2, 3), 2), RuntimeError,
     r"max_unpool1d: indices must be an integer tensor .* got ember.float32 of shape \(1, 2, 3\)"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.zeros(1, 1, 2, 2, dtype=ember.int64), 2,
                            output_size=(4, 4, 4)), ValueError,
     r"max_unpool2d: output_size must hold 2 or 4 sizes, got \(4, 4, 4\)"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2, 2), ember.zeros(1, 1, 2, 2, dtype=ember.int64), 2,
                            output_size=(4, 6)), ValueError,
     r"max_unpool2d: invalid output_size \(4, 6\): dim 1 must be strictly between 2 and 6 \(the default "
     r"size 4 -/\+ the stride 2\)"),
    (lambda: F.max_unpool3d(ember.randn(1, 1, 1, 1), ember.full((1, 1, 1, 1), 8, dtype=ember.int64), 2),
     RuntimeError, r"max_unpool3d: found an invalid max index 8: the output planes are 2x2x2 \(8 elements\); "
                   r"pass the output_size of the input that was pooled"),
    (lambda: F.max_unpool2d(ember.randn(1, 1, 2), ember.full((1, 1, 2), -1, dtype=ember.int64), 2),
     RuntimeError, r"max_unpool2d: found an invalid max index -1: the output planes are 2x4 \(8 elements\)"),
    (lambda: nn.MaxUnpool2d(2)(ember.randn(4), ember.zeros(4, dtype=ember.int64)), RuntimeError,
     r"MaxUnpool2d\(kernel_size=\(2, 2\), stride=\(2, 2\), padding=\(0, 0\)\) expects input of shape "
     r"\(N, C, H, W\) or \(C, H, W\), got \(4,\): a 1-D tensor"),
    (lambda: F.lp_pool3d(ember.randn(1, 1, 4, 4, 4), 0, 2), ValueError,
     r"lp_pool3d: norm_type must be a non-zero number, got 0"),
    (lambda: F.adaptive_max_pool3d(ember.randn(1, 4, 4), 2), RuntimeError,
     r"adaptive_max_pool3d: expects a 5-D input \(N, C, D, H, W\) or an unbatched 4-D one, got shape "
     r"\(1, 4, 4\)"),
])
def test_unpool_and_3d_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("args,shape,low", [
    ((2, 2), (2, 2, 4, 4, 6), -2.0),
    ((3, (2, 3, 2), (1, 2, 1)), (2, 5, 7, 4), 0.1),
    ((1.5, 3, 2, True), (1, 2, 6, 7, 5), 0.1),
])
def test_lp_pool3d_matches_torch(args, shape, low):
    check_op(lambda x: F.lp_pool3d(x, *args), torch_fn=(lambda x: TF.lp_pool3d(x, *args)) if torch else None,
             shapes=[shape], low=low)


@needs_torch
@pytest.mark.parametrize("size", [1, (2, 3, 2), (None, 2, 5), 3, (4, 6, 5), (3, 4, 3)])
@pytest.mark.parametrize("shape", [(2, 2, 4, 6, 5), (2, 4, 6, 5)])
def test_adaptive_max_pool3d_matches_torch(size, shape):
    _compare("adaptive_max_pool3d", {"output_size": size}, shape, ties=True)
    _compare("adaptive_max_pool3d", {"output_size": size, "return_indices": True}, shape, ties=True)


def test_adaptive_max_pool3d_harness():
    a = np.random.default_rng(0).permutation(2 * 5 * 4 * 6).reshape(1, 2, 5, 4, 6) / 10.0
    for size in ((3, 2, 4), (5, 3, 3), 2):
        check_op(lambda x, size=size: F.adaptive_max_pool3d(x, size),
                 torch_fn=(lambda x, size=size: TF.adaptive_max_pool3d(x, size)) if torch else None,
                 inputs=[a])


@needs_torch
@pytest.mark.parametrize("name,args,kw,shape", [
    ("LPPool3d", (2, 2), {}, (2, 3, 4, 4, 6)),
    ("LPPool3d", (1.5, (2, 3, 2)), {"stride": (1, 2, 1), "ceil_mode": True}, (3, 5, 7, 4)),
    ("AdaptiveMaxPool3d", ((2, None, 3),), {}, (2, 3, 5, 4, 7)),
    ("AdaptiveMaxPool3d", (3,), {"return_indices": True}, (3, 5, 4, 7)),
])
def test_3d_pooling_layers_match_torch(name, args, kw, shape):
    test_new_pooling_layers_match_torch(name, args, kw, shape)
