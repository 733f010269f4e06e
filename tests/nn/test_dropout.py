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
    for name in ("Dropout", "Dropout2d", "AlphaDropout"):
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


def test_docstring_examples():
    for name in ("ember.nn.functional.dropout", "ember.nn.modules.dropout"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
