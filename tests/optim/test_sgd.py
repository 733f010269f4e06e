import numpy as np
import pytest

import ember
from ember.optim import SGD
from tests.optim.helpers import compare_with_torch, make_params, needs_torch

CASES = [
    {},
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, "maximize": True},
    {"lr": 0.1, "weight_decay": 0.2, "maximize": True},
]


@needs_torch
@pytest.mark.parametrize("kwargs", CASES)
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("SGD", kwargs)


@needs_torch
def test_groups_with_their_own_options_match_torch():
    compare_with_torch("SGD", {"lr": 0.1, "momentum": 0.9},
                       groups=[([0, 1], {}), ([2, 3], {"lr": 0.01, "nesterov": True})])


@needs_torch
def test_float32_matches_torch():
    compare_with_torch("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1},
                       dtype=np.float32, rtol=1e-5, atol=1e-6)


def test_momentum_buffer_starts_as_the_first_gradient():
    (w,), _ = make_params([(3,)])
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)
    opt.step()
    buf = opt.state[w]["momentum_buffer"]
    np.testing.assert_array_equal(buf.numpy(), [1.0, 2.0, 3.0])
    assert not np.shares_memory(buf.numpy(), w.grad.numpy())  # a copy, not the gradient itself


def test_no_momentum_keeps_no_state():
    (w,), _ = make_params([(3,)])
    opt = SGD([w], lr=0.1)
    w.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    assert len(opt.state) == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -0.1}, r"SGD: invalid learning rate lr: -0.1; expected lr >= 0"),
    ({"momentum": -0.5}, r"SGD: invalid momentum value: -0.5"),
    ({"weight_decay": -1}, r"SGD: invalid weight_decay value: -1"),
    ({"nesterov": True}, r"Nesterov momentum requires a momentum > 0 and zero dampening, got "
                         r"momentum=0, dampening=0"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD([ember.zeros(2, requires_grad=True)], **kwargs)
