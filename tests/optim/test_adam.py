import numpy as np
import pytest

import ember
from ember.optim import Adam
from tests.optim.helpers import compare_with_torch, needs_torch

CASES = [
    {},
    {"lr": 0.1},
    {"lr": 0.1, "betas": (0.8, 0.9), "eps": 1e-6},
    {"lr": 0.1, "amsgrad": True},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
    {"lr": 0.05, "betas": (0.0, 0.5), "maximize": True},
]


@needs_torch
@pytest.mark.parametrize("kwargs", CASES)
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("Adam", kwargs)


@needs_torch
def test_groups_with_their_own_options_match_torch():
    compare_with_torch("Adam", {"lr": 0.1},
                       groups=[([0, 2], {"amsgrad": True}), ([1, 3], {"lr": 0.3, "betas": (0.5, 0.6)})])


@needs_torch
def test_float32_matches_torch():
    compare_with_torch("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1},
                       dtype=np.float32, rtol=1e-5, atol=1e-6)


def test_step_is_a_0d_tensor_counting_steps():
    w = ember.zeros(2, requires_grad=True)
    opt = Adam([w])
    for _ in range(3):
        w.grad = ember.ones(2)
        opt.step()
    step = opt.state[w]["step"]
    assert isinstance(step, ember.Tensor) and step.shape == () and step.dtype == ember.float32
    assert step.item() == 3.0


def test_step_is_float64_when_that_is_the_default_dtype():
    ember.set_default_dtype(ember.float64)
    w = ember.zeros(2, requires_grad=True)
    opt = Adam([w])
    w.grad = ember.ones(2)
    opt.step()
    assert opt.state[w]["step"].dtype == ember.float64


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1.0}, r"Adam: invalid learning rate lr: -1.0"),
    ({"eps": -1e-8}, r"Adam: invalid epsilon value: -1e-08; expected eps >= 0"),
    ({"betas": (1.0, 0.999)}, r"Adam: invalid beta parameter at index 0: 1.0; expected 0 <= beta < 1"),
    ({"betas": (0.9, -0.1)}, r"Adam: invalid beta parameter at index 1: -0.1"),
    ({"weight_decay": -0.1}, r"Adam: invalid weight_decay value: -0.1"),
    ({"lr": ember.tensor([0.1, 0.2])}, r"Adam: a Tensor lr must have one element, got shape \(2,\)"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam([ember.zeros(2, requires_grad=True)], **kwargs)


def test_a_one_element_tensor_lr_works_like_a_float():
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    opt_a, opt_b = Adam([a], lr=ember.tensor(0.1)), Adam([b], lr=0.1)
    for opt, p in ((opt_a, a), (opt_b, b)):
        p.grad = ember.tensor([1.0, -2.0])
        opt.step()
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
