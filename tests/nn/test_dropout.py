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


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest(p):
    y = _np(F.dropout(ember.ones(200_000), p))
    assert abs((y == 0).mean() - p) < 0.005
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.02  # the expectation is kept


def test_dropout_gradient_is_the_same_mask():
    x = ember.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.backward(ember.ones_like(y))
    kept = _np(y) != 0
    np.testing.assert_allclose(_np(x.grad), kept / 0.7, rtol=1e-6)


def test_dropout_is_reproducible_under_manual_seed_and_differs_between_calls():
    x = ember.ones(1000)
    ember.manual_seed(7)
    a, b = _np(F.dropout(x)), _np(F.dropout(x))
    ember.manual_seed(7)
    np.testing.assert_array_equal(a, _np(F.dropout(x)))
    assert (a != b).any()


def test_dropout_identity_when_not_training_or_p_zero():
    x = ember.randn(10, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (_np(F.dropout(x, 1.0)) == 0).all()


def test_dropout_keeps_dtype_and_inplace_writes_into_the_input():
    x = ember.ones(1000, dtype=ember.float64)
    assert F.dropout(x).dtype == ember.float64
    h = ember.ones(1000)
    y = F.dropout(h, 0.5, inplace=True)
    assert y is h and set(np.unique(_np(h)).tolist()) == {0.0, 2.0}


def test_dropout_module_train_and_eval():
    layer = nn.Dropout(0.25)
    x = ember.ones(10_000)
    y = _np(layer(x))
    assert abs((y == 0).mean() - 0.25) < 0.02
    layer.eval()
    assert layer(x) is x
    assert nn.Sequential(nn.Dropout()).eval()[0].training is False


@needs_torch
def test_dropout_module_reprs_match_torch():
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())
        assert repr(getattr(nn, name)(0.2, inplace=True)) == repr(getattr(torch.nn, name)(0.2, True))


def test_dropout_validates_p_and_input():
    with pytest.raises(ValueError, match=r"dropout: dropout probability has to be between 0 and 1, "
                                         r"but got 1.5"):
        F.dropout(ember.ones(3), 1.5)
    with pytest.raises(ValueError, match=r"Dropout: dropout probability has to be between 0 and 1, "
                                         r"but got -0.1"):
        nn.Dropout(-0.1)
    with pytest.raises(TypeError, match=r"dropout: expected a floating point input, got ember.int64"):
        F.dropout(ember.ones(3, dtype=ember.int64))
    with pytest.raises(TypeError, match=r"dropout: expected a Tensor, got list"):
        F.dropout([1.0], 0.5)


# ---------------------------------------------------------------- dropout2d
def test_dropout2d_zeroes_whole_channels():
    x = ember.ones(64, 32, 5, 5, requires_grad=True)
    y = F.dropout2d(x, 0.4)
    maps = _np(y).reshape(64, 32, 25)
    per_channel = maps[:, :, :1]
    assert (maps == per_channel).all()  # a channel is dropped or kept as a whole
    assert abs((per_channel == 0).mean() - 0.4) < 0.03
    np.testing.assert_allclose(per_channel[per_channel != 0], 1 / 0.6, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(y))


def test_dropout2d_on_3d_input_is_channel_wise_1d_with_torchs_warning():
    x = ember.ones(8, 16, 10)
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        y = _np(F.dropout2d(x, 0.5))
    assert (y == y[:, :, :1]).all()


def test_dropout2d_errors_and_eval():
    with pytest.raises(ValueError, match=r"dropout2d: expects an input of shape \(N, C, H, W\), got "
                                         r"\(4, 5\); use dropout for other shapes"):
        F.dropout2d(ember.ones(4, 5))
    x = ember.ones(2, 3, 4, 4)
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x


# ---------------------------------------------------------------- alpha dropout
@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_keeps_zero_mean_and_unit_variance(p):
    x = ember.randn(400_000)
    y = _np(F.alpha_dropout(x, p, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    saturated = -1.7580993408473766
    a = ((1 - p) * (1 + p * saturated ** 2)) ** -0.5
    dropped = np.isclose(y, a * saturated - a * saturated * p, rtol=1e-5)
    assert abs(dropped.mean() - p) < 0.01


def test_alpha_dropout_gradient_and_defaults():
    x = ember.randn(1000, requires_grad=True)
    assert F.alpha_dropout(x, 0.5) is x  # training=False by default, as in PyTorch
    y = F.alpha_dropout(x, 0.2, training=True)
    y.sum().backward()
    grads = np.unique(np.round(_np(x.grad), 6))
    assert len(grads) == 2 and grads[0] == 0.0
    layer = nn.AlphaDropout(0.2)
    assert layer.eval()(x) is x


# ---------------------------------------------------------------- dropout1d / dropout3d
@pytest.mark.parametrize("op, shape", [(F.dropout1d, (64, 32, 7)), (F.dropout1d, (2048, 7)),
                                       (F.dropout3d, (16, 32, 2, 3, 2)), (F.dropout3d, (2048, 2, 3, 2))])
def test_channel_dropout_drops_whole_channels_with_probability_p(op, shape):
    x = ember.ones(*shape, requires_grad=True)
    y = op(x, 0.3)
    channels = 2 if len(shape) in (3, 5) else 1
    maps = _np(y).reshape(int(np.prod(shape[:channels])), -1)
    assert (maps == maps[:, :1]).all()  # a channel is dropped or kept as a whole
    assert abs((maps[:, 0] == 0).mean() - 0.3) < 0.04
    np.testing.assert_allclose(maps[maps != 0], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), _np(y))


@pytest.mark.parametrize("op", [F.dropout1d, F.dropout3d, F.feature_alpha_dropout])
def test_channel_dropouts_are_reproducible_under_manual_seed(op):
    x = ember.randn(8, 16, 2, 2, 2) if op is F.dropout3d else ember.randn(8, 16, 3)
    ember.manual_seed(3)
    a, b = _np(op(x, 0.5, training=True)), _np(op(x, 0.5, training=True))
    ember.manual_seed(3)
    np.testing.assert_array_equal(a, _np(op(x, 0.5, training=True)))
    assert (a != b).any()


def test_channel_dropout_eval_p_zero_inplace_and_modules():
    x = ember.ones(4, 8, 5)
    assert F.dropout1d(x, 0.5, training=False) is x and F.dropout1d(x, 0.0) is x
    assert (_np(F.dropout1d(x, 1.0)) == 0).all()
    for layer, shape in ((nn.Dropout1d(0.5), (4, 8, 5)), (nn.Dropout3d(0.5), (2, 4, 2, 2, 2)),
                         (nn.FeatureAlphaDropout(0.5), (4, 8, 5))):
        h = ember.ones(*shape)
        assert (_np(layer(h)) != 1).any()
        assert layer.eval()(h) is h
    h = ember.ones(64, 8, 5)
    y = F.dropout3d(ember.ones(64, 8, 2, 2, 2), 0.5, inplace=True)
    assert set(np.unique(_np(y)).tolist()) == {0.0, 2.0}
    assert F.dropout1d(h, 0.5, inplace=True) is h and set(np.unique(_np(h)).tolist()) == {0.0, 2.0}


def test_channel_dropout_errors():
    with pytest.raises(RuntimeError, match=r"dropout1d: Expected 2D or 3D input, but received a 4D "
                                           r"input of shape \(1, 2, 3, 4\)"):
        F.dropout1d(ember.ones(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"dropout3d: expects an input of shape \(N, C, D, H, W\) or "
                                         r"\(C, D, H, W\), got \(2, 3, 4\); use dropout for other"):
        F.dropout3d(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"dropout1d: dropout probability has to be between 0 and 1, "
                                         r"but got 2"):
        F.dropout1d(ember.ones(2, 3), 2)
    with pytest.raises(ValueError, match=r"Dropout3d: dropout probability"):
        nn.Dropout3d(-1)
    with pytest.raises(RuntimeError, match=r"feature_alpha_dropout: Feature dropout requires at least "
                                           r"2 dimensions in the input \(N, C, \*\), got shape \(5,\)"):
        F.feature_alpha_dropout(ember.ones(5), training=True)


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_feature_alpha_dropout_keeps_statistics_and_drops_channels(p):
    x = ember.randn(4000, 50, 4)
    y = _np(F.feature_alpha_dropout(x, p, training=True))
    alpha = -1.7580993408473766
    a = ((1 - p) * (1 + p * alpha ** 2)) ** -0.5
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    dropped = np.isclose(y, a * alpha - a * alpha * p, rtol=1e-5).all(-1)  # whole channels
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(y[dropped], a * alpha - a * alpha * p, rtol=1e-5)
    np.testing.assert_allclose(y[~dropped], a * _np(x)[~dropped] - a * alpha * p, rtol=1e-4, atol=1e-5)


def test_feature_alpha_dropout_defaults_gradient_and_p_one():
    x = ember.randn(30, 10, 3, requires_grad=True)
    assert F.feature_alpha_dropout(x, 0.5) is x  # training=False by default, as in PyTorch
    F.feature_alpha_dropout(x, 0.4, training=True).sum().backward()
    grads = _np(x.grad)
    assert (grads == grads[:, :, :1]).all() and len(np.unique(np.round(grads, 6))) == 2
    assert (_np(F.feature_alpha_dropout(x, 1.0, training=True)) == 0).all()


@needs_torch
@pytest.mark.parametrize("name, shape", [("dropout1d", (3, 4, 5)), ("dropout1d", (4, 5)),
                                         ("dropout3d", (2, 3, 2, 2, 2)), ("dropout3d", (3, 2, 2, 2)),
                                         ("feature_alpha_dropout", (3, 4, 5))])
def test_channel_dropout_matches_torch_for_p_zero_one_and_eval(name, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for p, training in ((0.0, True), (1.0, True), (0.5, False)):
        y = getattr(F, name)(ember.tensor(x), p, training)
        ty = getattr(torch.nn.functional, name)(torch.tensor(x), p, training)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(_np(y), ty.numpy(), atol=1e-6)


def test_docstring_examples():
    for name in ("ember.nn.functional.dropout", "ember.nn.modules.dropout"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
