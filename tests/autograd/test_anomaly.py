"""Anomaly mode: the op whose backward first produced NaN/Inf, and where its forward ran (API.md §2)."""

import re

import numpy as np
import pytest

import ember
from ember.autograd import Function, detect_anomaly, set_detect_anomaly
from ember.autograd.anomaly import is_anomaly_enabled


class NanGrad(Function):
    """Doubles its input; its backward returns NaN (a deliberately broken op)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy * float("nan")


class InfGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy * float("inf")


def _line_of(marker):
    """The line number in this file of the source line ending with ``marker``."""
    with open(__file__) as f:
        return next(i + 1 for i, line in enumerate(f) if line.rstrip().endswith(marker))


def test_nan_in_backward_raises_naming_the_op_and_the_forward_line():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        y = NanGrad.apply(x)  # forward-of-nan
        z = (y * 3).sum()
        with pytest.raises(RuntimeError) as info:
            z.backward()
    msg = str(info.value)
    assert "Function 'NanGradBackward' returned nan values in its 0th output" in msg
    assert re.search(rf"test_anomaly\.py:{_line_of('# forward-of-nan')} in test_nan_in_backward", msg)
    assert x.grad is None


def test_inf_is_reported_as_inf():
    x = ember.tensor([1.0], requires_grad=True)
    with detect_anomaly():
        y = InfGrad.apply(x)
        with pytest.raises(RuntimeError, match=r"'InfGradBackward' returned inf values.*shape \(1,\)"):
            y.sum().backward()


def test_without_anomaly_mode_nan_passes_silently():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    NanGrad.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_anomaly_mode_at_backward_time_only_names_the_op():
    """Nodes recorded outside anomaly mode have no trace; the op is still named."""
    x = ember.tensor([1.0], requires_grad=True)
    y = NanGrad.apply(x)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="NanGradBackward") as info:
            y.sum().backward()
    assert "forward was called at" not in str(info.value)


def test_nan_from_a_builtin_op_in_the_chain():
    """A NaN weight: the first node whose backward produces NaN is MulBackward."""
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([float("nan"), 1.0])
    with detect_anomaly():
        y = x * w  # forward-of-mul
        z = (y + 1).sum()
        with pytest.raises(RuntimeError, match=r"'MulBackward' returned nan values.*shape \(2,\)") as info:
            z.backward()
    assert f"test_anomaly.py:{_line_of('# forward-of-mul')} in test_nan_from" in str(info.value)


def test_sqrt_at_zero_gives_nan_gradient_under_anomaly_mode():
    x = ember.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = (x * 0).sqrt()  # forward-of-sqrt
        with pytest.raises(RuntimeError, match=r"'SqrtBackward' returned (nan|inf)") as info:
            (y * 0).sum().backward()
    assert f"test_anomaly.py:{_line_of('# forward-of-sqrt')}" in str(info.value)


def test_in_place_error_under_anomaly_mode_quotes_both_lines():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        y = x * 1
        z = y * y  # the-saving-op
        y.add_(1)  # the-in-place-op
        with pytest.raises(RuntimeError) as info:
            z.sum().backward()
    msg = str(info.value)
    assert f"Mul ran at: {__file__}:{_line_of('# the-saving-op')}" in msg
    assert f"add_ ran at: {__file__}:{_line_of('# the-in-place-op')}" in msg
    assert "detect_anomaly() to see" not in msg


def test_detect_anomaly_restores_and_nests():
    assert not is_anomaly_enabled()
    with detect_anomaly():
        assert is_anomaly_enabled()
        with detect_anomaly(check_nan=False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    with pytest.raises(ValueError):
        with detect_anomaly():
            raise ValueError
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_decorator():
    @detect_anomaly()
    def f():
        return is_anomaly_enabled()

    assert f() and not is_anomaly_enabled()


def test_set_detect_anomaly():
    set_detect_anomaly(True)
    assert is_anomaly_enabled()
    set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_zero_divided_by_zero_gives_nan_silently():
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    y = x / x
    assert np.isnan(y.detach().numpy()[0])
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="'DivBackward' returned (nan|inf)"):
            (x / x).sum().backward()
