"""Convolution: F.conv1d/conv2d/conv_transpose1d/conv_transpose2d and the Conv layers, against
PyTorch on copied weights, plus float64 gradchecks and double backward."""

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
# torch (not ember) warns that an even kernel with padding='same' pads a copy of the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
if torch is not None:
    import torch.nn.functional as TF


def _both(fn_name, **kw):
    """The same functional call in ember and in torch."""
    return (lambda *a: getattr(F, fn_name)(*a, **kw)), (lambda *a: getattr(TF, fn_name)(*a, **kw))


# ---- functional forms: forward, gradients (float32 and float64) and gradcheck ----
CONV2D_CASES = [
    ({}, (2, 3, 7, 6), (4, 3, 3, 3)),
    ({"stride": 2}, (2, 3, 8, 7), (4, 3, 3, 2)),
    ({"padding": 1}, (2, 3, 5, 5), (4, 3, 3, 3)),
    ({"padding": (2, 1), "stride": (2, 1), "dilation": (2, 1)}, (2, 2, 9, 6), (3, 2, 3, 2)),
    ({"padding": "same", "dilation": 2}, (1, 2, 7, 6), (3, 2, 3, 3)),
    ({"padding": "same"}, (2, 2, 6, 5), (3, 2, 4, 2)),  # even kernel: the extra pixel goes after
    ({"padding": "valid"}, (2, 2, 6, 5), (3, 2, 2, 2)),
    ({"groups": 2}, (2, 4, 6, 5), (6, 2, 3, 2)),
    ({"groups": 4, "stride": 3, "padding": 2, "dilation": 2}, (2, 4, 9, 8), (8, 1, 3, 3)),
]


@pytest.mark.parametrize("kw,x_shape,w_shape", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(kw, x_shape, w_shape, bias):
    fn, tfn = _both("conv2d", **kw)
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    check_op(fn, tfn if torch is not None else None, shapes=shapes, gradgrad=False)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "groups": 2},
                                {"dilation": 2, "padding": (2, 1)}])
def test_conv2d_and_transpose_double_backward(kw):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 2 // kw.get("groups", 1), 2, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), [x, w, b])


@needs_torch
def test_conv2d_double_backward_matches_torch():
    """A gradient penalty: d/dw of |d conv / dx|^2, against torch."""
    rng = np.random.default_rng(1)
    xs, ws = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    results = []
    for lib, conv in ((ember, F.conv2d), (torch, TF.conv2d)):
        x = lib.tensor(xs, requires_grad=True)
        w = lib.tensor(ws, requires_grad=True)
        y = conv(x, w, stride=2, padding=1)
        gx, = lib.autograd.grad((y * y).sum(), [x], create_graph=True)
        (gx * gx).sum().backward()
        results.append((w.grad.detach().numpy(), x.grad.detach().numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)


TRANSPOSE_CASES = [
    ({}, (2, 3, 4, 5), (3, 2, 3, 3)),
    ({"stride": 2}, (2, 3, 4, 3), (3, 2, 3, 2)),
    ({"stride": 2, "padding": 1, "output_padding": 1}, (2, 2, 4, 4), (2, 3, 3, 3)),
    ({"stride": (2, 3), "padding": (1, 0), "dilation": 2, "groups": 2}, (2, 4, 3, 4), (4, 3, 3, 2)),
    ({"stride": 1, "dilation": 2, "output_padding": 1}, (1, 2, 3, 3), (2, 2, 2, 2)),
]


@pytest.mark.parametrize("kw,x_shape,w_shape", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(kw, x_shape, w_shape):
    fn, tfn = _both("conv_transpose2d", **kw)
    shapes = [x_shape, w_shape, (w_shape[1] * kw.get("groups", 1),)]
    check_op(fn, tfn if torch is not None else None, shapes=shapes, gradgrad=False)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2},
                                {"groups": 3, "stride": 3}])
def test_conv1d_matches_torch(kw):
    fn, tfn = _both("conv1d", **kw)
    shapes = [(2, 3, 11), (6, 3 // kw.get("groups", 1), 3), (6,)]
    check_op(fn, tfn if torch is not None else None, shapes=shapes, gradgrad=False)


def test_conv_transpose1d_matches_torch():
    fn, tfn = _both("conv_transpose1d", stride=2, padding=1, output_padding=1)
    check_op(fn, tfn if torch is not None else None, shapes=[(2, 3, 6), (3, 4, 3), (4,)])


def test_unbatched_inputs_match_torch():
    fn, tfn = _both("conv2d", padding=1)
    check_op(fn, tfn if torch is not None else None, shapes=[(3, 5, 4), (2, 3, 3, 3)], gradgrad=False)
    fn, tfn = _both("conv1d")
    check_op(fn, tfn if torch is not None else None, shapes=[(3, 7), (2, 3, 2)], gradgrad=False)


def test_conv_is_a_sum_of_products():
    """A numerical anchor independent of torch: a 1x1 convolution is a matmul over channels,
    and a 2x2 all-ones kernel sums each 2x2 window."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    w = rng.standard_normal((4, 3, 1, 1))
    y = F.conv2d(ember.tensor(x), ember.tensor(w)).numpy()
    np.testing.assert_allclose(y, np.einsum("fc,nchw->nfhw", w[:, :, 0, 0], x), rtol=1e-12)
    ones = F.conv2d(ember.tensor(x[:, :1]), ember.ones(1, 1, 2, 2, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(ones[0, 0, 1, 2], x[0, 0, 1:3, 2:4].sum(), rtol=1e-12)


def test_float32_stays_float32_and_no_grad_keeps_nothing():
    x, w = ember.randn(2, 3, 6, 6), ember.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    assert y.dtype == ember.float32 and y.requires_grad
    with ember.no_grad():
        z = F.conv2d(x, w)
    assert not z.requires_grad and z.grad_fn is None
    np.testing.assert_array_equal(y.detach().numpy(), z.numpy())


def test_results_never_alias_the_scratch_memory():
    """The kernels' temporaries live in reused scratch buffers: results must not."""
    rng = np.random.default_rng(0)
    x1 = ember.tensor(rng.standard_normal((2, 3, 8, 8)), requires_grad=True)
    w1 = ember.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y1 = F.conv2d(x1, w1, padding=1)
    before = y1.detach().numpy().copy()
    # other convolutions of other shapes, strides and dtypes reuse (and grow) the buffers
    for shape, kw in [((3, 3, 12, 12), {"stride": 2}), ((1, 3, 5, 5), {"padding": 2})]:
        x = ember.randn(*shape, requires_grad=True)
        F.conv2d(x, ember.randn(4, 3, 3, 3), **kw).sum().backward()
    np.testing.assert_array_equal(y1.detach().numpy(), before)
    gx, gw = ember.autograd.grad(y1.sum(), [x1, w1])
    gx2, gw2 = ember.autograd.grad(F.conv2d(x1, w1, padding=1).sum(), [x1, w1])
    np.testing.assert_allclose(gx.numpy(), gx2.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), gw2.numpy(), rtol=1e-12)


def test_threads_have_their_own_scratch_memory():
    """The three kernels run in several threads at once give the single-thread results.

    (The kernels are called directly: ember's grad mode is process-wide, so a backward pass in
    one thread would switch off graph recording in the others.)"""
    import threading

    from ember.nn.functional import conv as kernels

    rng = np.random.default_rng(0)
    cfg = ((1, 1), (1, 1, 1, 1), (1, 1), 1)
    inputs = [(rng.standard_normal((4, 3, 10, 10)), rng.standard_normal((5, 3, 3, 3)),
               rng.standard_normal((4, 5, 10, 10))) for _ in range(4)]

    def run(x, w, gy):
        return (kernels._conv_forward(x, w, None, cfg, (10, 10)),
                kernels._conv_input_grad(gy, w, cfg, (10, 10)),
                kernels._conv_weight_grad(x, gy, cfg, w.shape, False)[0])

    expected = [run(*a) for a in inputs]
    results = [None] * len(inputs)

    def worker(i):
        for _ in range(5):
            results[i] = run(*inputs[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


# ---- functional errors ----
@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(ember.randn(2, 3, 5, 5), ember.randn(4, 2, 3, 3)),
     r"conv2d: the input of shape \(2, 3, 5, 5\) has 3 channel\(s\), but the weight of shape "
     r"\(4, 2, 3, 3\) and groups=1: in_channels = weight.shape\[1\] \* groups = 2"),
    (lambda: F.conv2d(ember.randn(5, 5), ember.randn(4, 1, 3, 3)),
     r"conv2d: expects a 4-D input \(N, C, H, W\) or an unbatched 3-D one, got shape \(5, 5\)"),
    (lambda: F.conv1d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3)),
     r"conv1d: expects a 3-D input \(N, C, L\) or an unbatched 2-D one, got shape \(2, 3, 5, 5\)"),
    (lambda: F.conv2d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3)),
     r"conv2d: expects a 4-D weight, got shape \(4, 3, 3\)"),
    (lambda: F.conv2d(ember.randn(2, 4, 5, 5), ember.randn(3, 2, 3, 3), groups=2),
     r"conv2d: the weight of shape \(3, 2, 3, 3\) has 3 output channels, which groups=2 doesn't divide"),
    (lambda: F.conv_transpose2d(ember.randn(2, 3, 5, 5), ember.randn(3, 2, 3, 3), groups=2),
     r"conv_transpose2d: the weight of shape \(3, 2, 3, 3\) has 3 input channels, which groups=2 "
     r"doesn't divide"),
    (lambda: F.conv2d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3, 3, dtype=ember.float64)),
     r"conv2d: input, weight and bias must have the same dtype, got input ember.float32, weight "
     r"ember.float64; convert the input"),
    (lambda: F.conv2d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3, 3), ember.randn(3)),
     r"conv2d: bias must have shape \(4,\), got \(3,\)"),
    (lambda: F.conv2d(ember.randn(2, 3, 2, 5), ember.randn(4, 3, 3, 3)),
     r"conv2d: the input's spatial size \(2, 5\) \(padded: \(2, 5\)\) is smaller than the kernel's "
     r"extent \(3, 3\) \(dilation included\)"),
    (lambda: F.conv1d(ember.randn(2, 3, 4), ember.randn(4, 3, 3), dilation=2),
     r"conv1d: the input's spatial size \(4,\) \(padded: \(4,\)\) is smaller than the kernel's "
     r"extent \(5,\)"),
    (lambda: F.conv_transpose2d(ember.randn(1, 2, 3, 3), ember.randn(2, 2, 3, 3), stride=2, output_padding=2),
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either stride \(2, 2\) or "
     r"dilation \(1, 1\)"),
    (lambda: F.conv_transpose2d(ember.randn(1, 2, 1, 1), ember.randn(2, 2, 1, 1), padding=1),
     r"conv_transpose2d: the output size \(-1, -1\) for an input of shape \(1, 2, 1, 1\) is not positive"),
])
def test_functional_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), stride=2, padding="same"),
     r"conv2d: padding='same' is not supported for strided convolutions \(stride=\(2, 2\)\)"),
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), padding="full"),
     r"conv2d: padding must be an int, a tuple, 'same' or 'valid', got 'full'"),
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), padding=-1),
     r"conv2d: padding \(-1, -1\) can't be negative"),
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), stride=(1, 2, 3)),
     r"conv2d: stride must be an int or a tuple of 2 ints, got \(1, 2, 3\)"),
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), stride=0),
     r"conv2d: stride \(0, 0\) and dilation \(1, 1\) must be positive"),
    (lambda: F.conv2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), groups=0),
     r"conv2d: groups must be a positive int, got 0"),
])
def test_functional_argument_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_conv_transpose_refuses_string_padding():
    with pytest.raises(TypeError, match=r"conv_transpose2d: padding must be an int or a tuple of ints, got "
                                        r"'same'"):
        F.conv_transpose2d(ember.randn(1, 1, 5, 5), ember.randn(1, 1, 3, 3), padding="same")


# ---- layers ----
def _copy_weights(layer, tlayer):
    """Give the torch layer the ember layer's weights."""
    with torch.no_grad():
        for name, p in layer.named_parameters():
            getattr(tlayer, name).copy_(torch.tensor(p.detach().numpy()))


def _compare_layer(layer, tlayer, x_shape, seed=0, output_size=None):
    """Forward, input gradient and parameter gradients of two layers with the same weights."""
    _copy_weights(layer, tlayer)
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal(x_shape).astype(np.float32)
    x, tx = ember.tensor(xs, requires_grad=True), torch.tensor(xs, requires_grad=True)
    kw = {} if output_size is None else {"output_size": output_size}
    y, ty = layer(x, **kw), tlayer(tx, **kw)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    gs = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    y.backward(ember.tensor(gs))
    ty.backward(torch.tensor(gs))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), getattr(tlayer, name).grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)


LAYER_CASES = [
    ("Conv2d", (3, 8, 3), {}, (4, 3, 10, 9)),
    ("Conv2d", (3, 8, (3, 2)), {"stride": 2, "padding": 1, "bias": False}, (2, 3, 9, 9)),
    ("Conv2d", (4, 6, 3), {"padding": "same", "groups": 2, "dilation": 2}, (2, 4, 8, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": (1, 2), "padding_mode": "replicate"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 2), {"padding": "same", "padding_mode": "circular"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"stride": 2}, (3, 9, 9)),  # unbatched
    ("Conv1d", (3, 5, 3), {"stride": 2, "padding": 1}, (2, 3, 12)),
    ("Conv1d", (3, 5, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 3, 12)),
    ("ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 5, 6)),
    ("ConvTranspose2d", (4, 6, (2, 3)), {"stride": (2, 1), "groups": 2, "dilation": (1, 2), "bias": False},
     (2, 4, 3, 4)),
    ("ConvTranspose1d", (4, 3, 3), {"stride": 3}, (2, 4, 5)),
]


@needs_torch
@pytest.mark.parametrize("name,args,kw,x_shape", LAYER_CASES)
def test_layer_matches_torch(name, args, kw, x_shape):
    layer, tlayer = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(layer) == repr(tlayer)
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tlayer.state_dict().items()]
    _compare_layer(layer, tlayer, x_shape)


@needs_torch
def test_conv_transpose2d_output_size_matches_torch():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    tlayer = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    for size in [(9, 9), (10, 10), (9, 10), [2, 2, 10, 9]]:
        _compare_layer(layer, tlayer, (2, 3, 5, 5), output_size=size)
        layer.zero_grad()
        tlayer.zero_grad()


@needs_torch
def test_loads_a_torch_state_dict():
    tlayer = torch.nn.Conv2d(3, 4, 3, padding=1)
    layer = nn.Conv2d(3, 4, 3, padding=1)
    layer.load_state_dict({k: v.numpy() for k, v in tlayer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(layer(ember.tensor(x)).detach().numpy(),
                               tlayer(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_layer_float64():
    layer = nn.Conv2d(2, 3, 3).double()
    x = ember.randn(1, 2, 5, 5, dtype=ember.float64, requires_grad=True)
    assert layer(x).dtype == ember.float64
    assert ember.autograd.gradcheck(lambda x: layer(x), [x])


@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Conv2d(8, 16, (3, 5), groups=2), 4 * 15),
    (lambda: nn.Conv1d(6, 4, 7), 6 * 7),
    (lambda: nn.ConvTranspose2d(6, 12, 3, groups=3), 4 * 9),  # weight.shape[1] = out / groups
])
def test_default_initialisation(make, fan_in):
    """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    ember.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # the whole interval is used...
    assert abs(w.std() - bound / math.sqrt(3)) < 0.15 * bound  # ...uniformly
    assert not np.array_equal(make().weight.detach().numpy(), w)  # fresh draws


def test_parameters_and_shapes():
    conv = nn.Conv2d(4, 8, 3, groups=2, bias=False)
    assert tuple(conv.weight.shape) == (8, 2, 3, 3) and conv.bias is None
    assert [n for n, _ in conv.named_parameters()] == ["weight"]
    up = nn.ConvTranspose2d(4, 8, 3, groups=2)
    assert tuple(up.weight.shape) == (4, 4, 3, 3) and tuple(up.bias.shape) == (8,)
    assert conv.kernel_size == (3, 3) and conv.stride == (1, 1) and conv.padding == (0, 0)


# ---- layer errors ----
def test_channel_mismatch_names_the_layer():
    conv = nn.Conv2d(3, 16, 3)
    message = ("Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)) expects input of shape (N, 3, H, W) or "
               "(3, H, W), got (8, 1, 28, 28): 1 channel(s) instead of 3")  # the words
    with pytest.raises(RuntimeError) as info:
        conv(ember.randn(8, 1, 28, 28))
    assert str(info.value) == message


def test_non_tensor_input_names_the_layer():
    with pytest.raises(TypeError, match=r"Conv2d\(1, 2, kernel_size=\(3, 3\), stride=\(1, 1\)\) expects a "
                                        r"Tensor, got ndarray; make one with ember.tensor\(data\)"):
        nn.Conv2d(1, 2, 3)(np.zeros((1, 1, 5, 5), np.float32))


def test_channels_last_input_gets_a_hint():
    with pytest.raises(RuntimeError, match=r"got \(8, 28, 28, 3\): 28 channel\(s\) instead of 3. It looks "
                                           r"channels-last; put the channels first: x.permute\(0, 3, 1, 2\)"):
        nn.Conv2d(3, 16, 3)(ember.randn(8, 28, 28, 3))


def test_wrong_rank_names_the_layer():
    with pytest.raises(RuntimeError, match=r"Conv1d\(2, 4, kernel_size=\(3,\), stride=\(1,\)\) expects input "
                                           r"of shape \(N, 2, L\) or \(2, L\), got \(2, 2, 5, 5\): a 4-D "
                                           r"tensor"):
        nn.Conv1d(2, 4, 3)(ember.randn(2, 2, 5, 5))
    with pytest.raises(RuntimeError, match=r"ConvTranspose2d\(2, 4, .*\) expects input of shape \(N, 2, H, "
                                           r"W\)"):
        nn.ConvTranspose2d(2, 4, 3)(ember.randn(2, 3, 5, 5))


@pytest.mark.parametrize("make,match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), r"Conv2d: out_channels \(6\) must be divisible by groups \(4\)"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), r"Conv2d: groups must be a positive integer, got 0"),
    (lambda: nn.Conv2d(4, 4, 3, padding="full"), r"Conv2d: invalid padding string 'full'"),
    (lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same"),
     r"Conv2d: padding='same' is not supported for strided convolutions \(stride=\(2, 2\)\)"),
    (lambda: nn.Conv2d(4, 4, 3, padding_mode="mirror"), r"Conv2d: padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
     r"Only 'zeros' padding mode is supported for ConvTranspose2d"),
    (lambda: nn.ConvTranspose2d(4, 4, 3, padding="same"),
     r"ConvTranspose2d: padding must be an int or a tuple of ints, got 'same'"),
    (lambda: nn.Conv2d(4, 4, (3, 3, 3)), r"kernel_size must be an int or a tuple of 2 ints, got \(3, 3, 3\)"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv_transpose_output_size_errors():
    up = nn.ConvTranspose2d(2, 2, 3, stride=2)
    with pytest.raises(ValueError, match=r"requested an output size of \(20, 11\), but valid sizes range "
                                         r"from \(11, 11\) to \(12, 12\) for an input of spatial size "
                                         r"\(5, 5\)"):
        up(ember.randn(1, 2, 5, 5), output_size=(20, 11))
    with pytest.raises(ValueError, match=r"output_size must have 2 or 4 elements for a 4-D input, got "
                                         r"\(11,\)"):
        up(ember.randn(1, 2, 5, 5), output_size=(11,))


def test_reflect_padding_too_large():
    with pytest.raises(RuntimeError, match=r"reflect padding of \(3, 3\) needs fewer than 3 pixels of "
                                           r"padding on "
                                           r"a dimension of size 3"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(ember.randn(1, 1, 3, 3))


# ---- 3-D ----
CONV3D_CASES = [
    ({}, (2, 3, 4, 5, 4), (4, 3, 2, 3, 2)),
    ({"stride": (2, 1, 2), "padding": (1, 0, 1), "dilation": (1, 2, 1)}, (2, 2, 5, 6, 5), (3, 2, 3, 2, 2)),
    ({"padding": "same"}, (1, 2, 4, 5, 3), (3, 2, 2, 3, 2)),
    ({"padding": "valid", "groups": 2}, (2, 4, 3, 4, 4), (4, 2, 2, 2, 3)),
    ({"stride": 2, "padding": 1}, (2, 4, 3, 5), (3, 2, 3, 3, 3)),  # unbatched
]


@pytest.mark.parametrize("kw,x_shape,w_shape", CONV3D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv3d_matches_torch(kw, x_shape, w_shape, bias):
    fn, tfn = _both("conv3d", **kw)
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    check_op(fn, tfn if torch is not None else None, shapes=shapes, gradgrad=False)


TRANSPOSE3D_CASES = [
    ({}, (2, 3, 2, 3, 2), (3, 2, 2, 3, 2)),
    ({"stride": 2, "padding": 1, "output_padding": 1}, (1, 2, 3, 2, 3), (2, 3, 3, 3, 2)),
    ({"stride": (2, 1, 3), "dilation": (1, 2, 1), "groups": 2}, (2, 4, 2, 3, 2), (4, 1, 2, 2, 2)),
    ({"stride": 2}, (2, 2, 3, 2), (2, 3, 2, 2, 2)),  # unbatched
]


@pytest.mark.parametrize("kw,x_shape,w_shape", TRANSPOSE3D_CASES)
def test_conv_transpose3d_matches_torch(kw, x_shape, w_shape):
    fn, tfn = _both("conv_transpose3d", **kw)
    shapes = [x_shape, w_shape, (w_shape[1] * kw.get("groups", 1),)]
    check_op(fn, tfn if torch is not None else None, shapes=shapes, gradgrad=False)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "groups": 2},
                                {"dilation": (1, 2, 1), "padding": 1}])
def test_conv3d_and_transpose_double_backward(kw):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4, 3)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 2 // kw.get("groups", 1), 2, 2, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.conv3d(x, w, b, **kw), [x, w, b])
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.conv_transpose3d(x, w, b, **kw), [x, w, b])


LAYER3D_CASES = [
    ("Conv3d", (3, 4, 3), {}, (2, 3, 4, 5, 5)),
    ("Conv3d", (4, 6, (2, 3, 1)), {"stride": 2, "padding": 1, "groups": 2, "bias": False}, (2, 4, 5, 5, 4)),
    ("Conv3d", (3, 4, 2), {"padding": "same", "padding_mode": "reflect", "dilation": 2}, (3, 5, 5, 6)),
    ("ConvTranspose3d", (4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 2, 3, 3)),
    ("ConvTranspose3d", (4, 6, (2, 1, 2)), {"groups": 2, "dilation": (1, 1, 2), "bias": False}, (4, 2, 3, 2)),
]


@needs_torch
@pytest.mark.parametrize("name,args,kw,x_shape", LAYER3D_CASES)
def test_layer_3d_matches_torch(name, args, kw, x_shape):
    test_layer_matches_torch(name, args, kw, x_shape)


@needs_torch
def test_conv_transpose3d_output_size_matches_torch():
    layer = nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1)
    tlayer = torch.nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1)
    _compare_layer(layer, tlayer, (1, 3, 3, 4, 3), output_size=(6, 8, 5))


@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Conv3d(8, 16, (3, 5, 2), groups=2), 4 * 30),
    (lambda: nn.ConvTranspose3d(6, 12, 3, groups=3), 4 * 27),
])
def test_default_initialisation_3d(make, fan_in):
    test_default_initialisation(make, fan_in)


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv3d(ember.randn(2, 3, 5, 5), ember.randn(4, 3, 3, 3, 3)),
     r"conv3d: the input of shape \(2, 3, 5, 5\) has 2 channel\(s\), but the weight"),
    (lambda: F.conv3d(ember.randn(5, 5, 5), ember.randn(4, 3, 3, 3, 3)),
     r"conv3d: expects a 5-D input \(N, C, D, H, W\) or an unbatched 4-D one, got shape \(5, 5, 5\)"),
    (lambda: F.conv3d(ember.randn(1, 3, 2, 5, 5), ember.randn(4, 3, 3, 3, 3)),
     r"conv3d: the input's spatial size \(2, 5, 5\) \(padded: \(2, 5, 5\)\) is smaller than the kernel's "
     r"extent \(3, 3, 3\)"),
    (lambda: F.conv3d(ember.randn(1, 1, 5, 5, 5), ember.randn(1, 1, 3, 3, 3), stride=(1, 2)),
     r"conv3d: stride must be an int or a tuple of 3 ints, got \(1, 2\)"),
    (lambda: F.conv_transpose3d(ember.randn(1, 2, 3, 3, 3), ember.randn(2, 2, 3, 3, 3), stride=2,
                                output_padding=(0, 2, 0)),
     r"conv_transpose3d: output_padding \(0, 2, 0\) must be smaller than either stride \(2, 2, 2\) or "
     r"dilation \(1, 1, 1\)"),
    (lambda: F.conv_transpose3d(ember.randn(1, 2, 1, 1, 1), ember.randn(2, 2, 1, 1, 1), padding=1),
     r"conv_transpose3d: the output size \(-1, -1, -1\) for an input of shape \(1, 2, 1, 1, 1\) is not "
     r"positive"),
    (lambda: nn.Conv3d(2, 4, 3)(ember.randn(2, 5, 5)),
     r"Conv3d\(2, 4, kernel_size=\(3, 3, 3\), stride=\(1, 1, 1\)\) expects input of shape \(N, 2, D, H, W\) "
     r"or \(2, D, H, W\), got \(2, 5, 5\): a 3-D tensor"),
])
def test_3d_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_conv3d_constructor_error():
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 3 ints, got \(3, 3\)"):
        nn.Conv3d(4, 4, (3, 3))
