"""BatchNorm1d/BatchNorm2d and F.batch_norm against PyTorch: outputs, gradients, running
statistics over several steps, train/eval, momentum=None, and the float64 gradchecks."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
if torch is not None:
    import torch.nn.functional as TF

CONFIGS = [
    {},
    {"momentum": None},
    {"momentum": 0.3, "eps": 1e-3},
    {"affine": False},
    {"bias": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False, "momentum": None},
]


def _run_both(name, c, kw, shapes, steps=3, seed=0):
    """Train ``steps`` batches then evaluate one, comparing everything with torch on the way."""
    layer, tlayer = getattr(nn, name)(c, **kw), getattr(torch.nn, name)(c, **kw)
    assert repr(layer) == repr(tlayer)
    rng = np.random.default_rng(seed)
    if layer.weight is not None:  # not the default 1 and 0, so that the affine part shows
        w = rng.uniform(0.5, 1.5, c).astype(np.float32)
        with ember.no_grad():
            layer.weight.copy_(ember.tensor(w))
        with torch.no_grad():
            tlayer.weight.copy_(torch.tensor(w))
    if layer.bias is not None:
        b = rng.standard_normal(c).astype(np.float32)
        with ember.no_grad():
            layer.bias.copy_(ember.tensor(b))
        with torch.no_grad():
            tlayer.bias.copy_(torch.tensor(b))
    for step in range(steps + 1):
        if step == steps:
            layer.eval()
            tlayer.eval()
        a = (rng.standard_normal(shapes) * 2 + 1).astype(np.float32)
        x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = layer(x), tlayer(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        g = rng.standard_normal(shapes).astype(np.float32)
        y.backward(ember.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        for pname, p in layer.named_parameters():
            tp = getattr(tlayer, pname)
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=pname)
            p.grad, tp.grad = None, None
        for bname, buf in layer.named_buffers():
            np.testing.assert_allclose(buf.numpy(), getattr(tlayer, bname).numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{bname} after step {step}")
    assert [(k, tuple(v.shape)) for k, v in layer.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tlayer.state_dict().items()]


@needs_torch
@pytest.mark.parametrize("kw", CONFIGS)
def test_batchnorm2d_matches_torch(kw):
    _run_both("BatchNorm2d", 3, kw, (4, 3, 5, 4))


@needs_torch
@pytest.mark.parametrize("kw", CONFIGS[:4])
@pytest.mark.parametrize("shape", [(8, 5), (4, 5, 6)])
def test_batchnorm1d_matches_torch(kw, shape):
    _run_both("BatchNorm1d", 5, kw, shape)


def test_running_statistics_use_the_unbiased_variance():
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = ember.tensor([[0.0, 10.0], [2.0, 10.0], [4.0, 16.0]])
    y = bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.5 * 2.0, 0.5 * 12.0], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), [0.5 + 0.5 * 4.0, 0.5 + 0.5 * 12.0], rtol=1e-6)
    # the batch itself is normalized by the biased variance
    expected = np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3 + 1e-5)
    np.testing.assert_allclose(y.detach().numpy()[:, 0], expected, rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == ember.int64


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(1, momentum=None)
    means = []
    for k in range(4):
        x = ember.randn(16, 1) + k
        means.append(x.mean().item())
        bn(x)
    np.testing.assert_allclose(bn.running_mean.item(), np.mean(means), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 4


def test_eval_uses_running_statistics_and_updates_nothing():
    bn = nn.BatchNorm2d(2)
    with ember.no_grad():
        bn.running_mean.copy_(ember.tensor([1.0, -1.0]))
        bn.running_var.copy_(ember.tensor([4.0, 0.25]))
    bn.eval()
    y = bn(ember.ones(1, 2, 1, 1))
    np.testing.assert_allclose(y.detach().numpy().ravel(), [0.0, 2.0 / np.sqrt(0.25 + 1e-5)], rtol=1e-5)
    assert bn.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0])


def test_buffers_and_parameters():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert plain.weight is None and plain.running_mean is None and list(plain.state_dict()) == []
    bn(ember.randn(2, 4, 3, 3))
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and bn.running_var.tolist() == [1.0] * 4


@needs_torch
def test_loads_a_torch_state_dict():
    tbn = torch.nn.BatchNorm2d(3)
    tbn(torch.randn(4, 3, 2, 2) * 3)
    bn = nn.BatchNorm2d(3)
    bn.load_state_dict({k: v.numpy() for k, v in tbn.state_dict().items()})
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy())
    assert bn.num_batches_tracked.item() == 1


def test_running_stats_are_not_part_of_the_graph():
    bn = nn.BatchNorm1d(3)
    y = bn(ember.randn(5, 3, requires_grad=True))
    assert not bn.running_mean.requires_grad and y.requires_grad


# ---- functional form: gradcheck and double backward ----
def _bn_train(x, w, b):
    return F.batch_norm(x, None, None, w, b, training=True)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4), (2, 3, 2, 3)])
def test_batch_norm_training_against_torch_with_double_backward(shape):
    c = shape[1]
    tfn = (lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True)) if torch else None
    check_op(_bn_train, tfn, shapes=[shape, (c,), (c,)])


def test_batch_norm_without_affine_double_backward():
    x = ember.tensor(np.random.default_rng(0).standard_normal((3, 2, 4)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), [x])


def test_batch_norm_eval_against_torch():
    rm, rv = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.3, 2.0])

    def fn(x, w, b):
        return F.batch_norm(x, ember.tensor(rm, dtype=x.dtype), ember.tensor(rv, dtype=x.dtype), w, b,
                            training=False, eps=1e-3)

    def tfn(x, w, b):
        return TF.batch_norm(x, torch.tensor(rm, dtype=x.dtype), torch.tensor(rv, dtype=x.dtype), w, b,
                             training=False, eps=1e-3)
    check_op(fn, tfn if torch else None, shapes=[(4, 3, 2), (3,), (3,)])


# ---- errors ----
def test_wrong_rank_names_the_layer():
    with pytest.raises(ValueError, match=r"^BatchNorm2d\(16, eps=1e-05, momentum=0.1, affine=True, "
                                         r"bias=True, "
                                         r"track_running_stats=True\) expects input of shape \(N, 16, H, "
                                         r"W\), "
                                         r"got \(8, 16, 28\): a 3-D tensor$"):
        nn.BatchNorm2d(16)(ember.randn(8, 16, 28))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4, .*\) expects input of shape \(N, 4\) or \(N, 4, "
                                         r"L\), "
                                         r"got \(2, 4, 3, 3\): a 4-D tensor"):
        nn.BatchNorm1d(4)(ember.randn(2, 4, 3, 3))


def test_channel_mismatch_names_the_layer():
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(16, .*\) expects input of shape \(N, 16, H, W\), "
                                           r"got "
                                           r"\(8, 3, 28, 28\): 3 channel\(s\) instead of 16"):
        nn.BatchNorm2d(16)(ember.randn(8, 3, 28, 28))


def test_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel when training, "
                                         r"got "
                                         r"input of shape \(1, 3\); use a batch of 2 or more, or eval\(\) "
                                         r"mode"):
        nn.BatchNorm1d(3)(ember.randn(1, 3))
    assert nn.BatchNorm1d(3).eval()(ember.randn(1, 3)).shape == (1, 3)


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.batch_norm(ember.randn(4, 3), ember.zeros(2), ember.ones(3)), RuntimeError,
     r"batch_norm: running_mean must have shape \(3,\) for an input with 3 channels \(shape \(4, 3\)\), got "
     r"\(2,\)"),
    (lambda: F.batch_norm(ember.randn(4), None, None, training=True), ValueError,
     r"batch_norm: expects an input of shape \(N, C, \*\), got \(4,\)"),
])
def test_functional_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---- 3-D ----
@needs_torch
@pytest.mark.parametrize("kw", CONFIGS[:6])
def test_batchnorm3d_matches_torch(kw):
    _run_both("BatchNorm3d", 3, kw, (2, 3, 3, 4, 2))


def test_batch_norm_5d_against_torch_with_double_backward():
    tfn = (lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True)) if torch else None
    check_op(_bn_train, tfn, shapes=[(2, 3, 2, 3, 2), (3,), (3,)])


def test_batchnorm3d_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"^BatchNorm3d\(4, eps=1e-05, momentum=0.1, affine=True, "
                                         r"bias=True, track_running_stats=True\) expects input of shape "
                                         r"\(N, 4, D, H, W\), got \(2, 4, 3, 3\): a 4-D tensor$"):
        nn.BatchNorm3d(4)(ember.randn(2, 4, 3, 3))
    with pytest.raises(RuntimeError, match=r"BatchNorm3d\(4, .*\) expects input of shape \(N, 4, D, H, W\), "
                                           r"got \(2, 3, 2, 2, 2\): 3 channel\(s\) instead of 4"):
        nn.BatchNorm3d(4)(ember.randn(2, 3, 2, 2, 2))
