import doctest
import math

import numpy as np
import pytest

import ember
import ember.nn.utils.clip_grad as clip_grad_module
from ember.nn.utils import clip_grad_norm_, clip_grad_value_
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="the reference needs torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def make_params(grads, lib, dtype="float32"):
    """Parameters (of the library ``lib``) whose gradients are the NumPy arrays ``grads``."""
    params = []
    for g in grads:
        if g is None:
            params.append(lib.zeros(2, requires_grad=True))
            continue
        if lib is ember:
            p = ember.nn.Parameter(ember.zeros(*g.shape, dtype=getattr(ember, dtype)))
            p.grad = ember.tensor(g.astype(dtype))
        else:
            p = torch.zeros(g.shape, dtype=getattr(torch, dtype), requires_grad=True)
            p.grad = torch.tensor(g.astype(dtype))
        params.append(p)
    return params


def random_grads(scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(s) for s in SHAPES]


def grads_of(params):
    return [None if p.grad is None else np.asarray(p.grad.detach().numpy()) for p in params]


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])  # clips, and leaves alone
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    grads = random_grads(3.0) + [None]
    ours, ref = make_params(grads, ember, dtype), make_params(grads, torch, dtype)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(ref, max_norm, norm_type)
    assert isinstance(total, ember.Tensor) and total.shape == ()
    assert str(total.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1] == dtype
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    for g, tg in zip(grads_of(ours), grads_of(ref)):
        if tg is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, tg, rtol=1e-6)


def test_clip_grad_norm_result():
    params = make_params(random_grads(), ember)
    before = np.sqrt(sum((g ** 2).sum() for g in grads_of(params)))
    total = clip_grad_norm_(params, max_norm=1.0)
    after = np.sqrt(sum((g ** 2).sum() for g in grads_of(params)))
    assert total.item() == pytest.approx(before, rel=1e-6)
    assert after == pytest.approx(1.0, rel=1e-5)  # 1 / (1 + 1e-6 / norm), PyTorch's epsilon


def test_clip_grad_norm_accepts_a_tensor_a_generator_and_named_parameters():
    grads = random_grads()
    a, b, c = (make_params(grads, ember) for _ in range(3))
    t1 = clip_grad_norm_(a[0], 0.1)
    assert t1.item() == pytest.approx(np.linalg.norm(grads[0]), rel=1e-6)
    t2 = clip_grad_norm_((p for p in b), 0.1)
    t3 = clip_grad_norm_([(f"p{i}", p) for i, p in enumerate(c)], 0.1)
    assert t2.item() == t3.item()
    for g2, g3 in zip(grads_of(b), grads_of(c)):
        np.testing.assert_array_equal(g2, g3)


def test_clip_grad_norm_without_gradients():
    total = clip_grad_norm_([ember.nn.Parameter(ember.ones(2))], 1.0)
    assert total.item() == 0.0 and total.dtype == ember.float32
    with pytest.warns(UserWarning, match="empty generator, no gradient clipping will occur"):
        clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_zero_max_norm_zeroes_the_gradients():
    params = make_params(random_grads(), ember)
    clip_grad_norm_(params, 0)
    assert all(not g.any() for g in grads_of(params))


def test_clip_grad_norm_refuses_negative_max_norm():
    params = make_params(random_grads(), ember)
    with pytest.raises(ValueError, match=r"max_norm must be >= 0 \(the largest total gradient norm "
                                         r"allowed\), got -1.0"):
        clip_grad_norm_(params, -1.0)


def test_clip_grad_norm_refuses_non_tensors():
    with pytest.raises(TypeError, match=r"expected Tensors \(e.g. model.parameters\(\)\) or \(name, "
                                        r"Tensor\) pairs \(model.named_parameters\(\)\), got a ndarray "
                                        "at position 1"):
        clip_grad_norm_([ember.zeros(2), np.zeros(2)], 1.0)


def nan_params():
    grads = random_grads()
    grads[1][2] = np.nan
    grads[2][0, 1, 1] = np.inf
    return grads


def test_error_if_nonfinite_names_the_first_bad_parameter():
    params = make_params(nan_params(), ember)
    before = grads_of(params)
    with pytest.raises(RuntimeError, match=r"total norm of order 2.0 of the gradients is nan, so they "
                                           r"cannot be clipped; the first gradient with NaN or Inf is "
                                           r"that of parameter 1 \(shape \(3,\)\). Look for its cause"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    for g, b in zip(grads_of(params), before):  # nothing was scaled
        np.testing.assert_array_equal(g, b)


def test_error_if_nonfinite_names_named_parameters():
    model = ember.nn.Module()
    model.weight = ember.nn.Parameter(ember.zeros(4, 3))
    model.bias = ember.nn.Parameter(ember.zeros(3))
    model.weight.grad = ember.ones(4, 3)
    model.bias.grad = ember.tensor([1.0, math.inf, 0.0])
    with pytest.raises(RuntimeError, match=r"of order inf of the gradients is inf, .* that of parameter "
                                           r"1 \('bias', shape \(3,\)\)"):
        clip_grad_norm_(model.named_parameters(), 1.0, norm_type="inf", error_if_nonfinite=True)


def test_error_if_nonfinite_when_the_norm_overflows():
    p = ember.nn.Parameter(ember.zeros(2))
    p.grad = ember.tensor([1e30, 1e30])
    with pytest.raises(RuntimeError, match="every gradient is finite, but their norm overflowed"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@needs_torch
def test_nonfinite_gradients_are_scaled_as_torch_without_the_flag():
    grads = nan_params()
    ours, ref = make_params(grads, ember), make_params(grads, torch)
    total = clip_grad_norm_(ours, 1.0)
    expected = torch.nn.utils.clip_grad_norm_(ref, 1.0)
    assert math.isnan(total.item()) and math.isnan(expected.item())
    for g, tg in zip(grads_of(ours), grads_of(ref)):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(tg))


@needs_torch
@pytest.mark.parametrize("clip_value", [0.5, 2, 0.0])
def test_clip_grad_value_matches_torch(clip_value):
    grads = random_grads(2.0) + [None]
    ours, ref = make_params(grads, ember), make_params(grads, torch)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(ref, clip_value)
    for g, tg in zip(grads_of(ours), grads_of(ref)):
        if tg is None:
            assert g is None
        else:
            np.testing.assert_array_equal(g, tg)


def test_clip_grad_value_bounds_and_named_parameters():
    params = make_params(random_grads(5.0), ember)
    clip_grad_value_([(str(i), p) for i, p in enumerate(params)], 1.5)
    clipped = np.concatenate([g.ravel() for g in grads_of(params)])
    assert clipped.max() == np.float32(1.5) and clipped.min() == np.float32(-1.5)
    with pytest.raises(ValueError, match=r"clip_value must be >= 0 \(gradients are clamped into "
                                         r"\[-clip_value, clip_value\]\), got -1.0"):
        clip_grad_value_(params, -1)


def test_clipping_a_trained_model():
    w = ember.nn.Parameter(ember.randn(5, 3))
    x = ember.randn(8, 5)
    (x @ w).pow(2).sum().mul(100).backward()
    total = clip_grad_norm_([w], 1.0)
    assert total.item() > 1.0
    assert np.linalg.norm(w.grad.numpy()) == pytest.approx(1.0, rel=1e-5)


def test_docstring_examples():
    result = doctest.testmod(clip_grad_module, extraglobs={"ember": ember})
    assert result.attempted > 5 and result.failed == 0
