import numpy as np
import pytest

import ember
from ember.optim import RAdam
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "betas": (0.9, 0.9)},     # rho_t passes 5 at step 7: both branches are used
    {"lr": 0.1, "betas": (0.5, 0.6), "eps": 1e-4},
    {"lr": 0.1, "betas": (0.9, 0.9), "weight_decay": 0.1},
    {"lr": 0.1, "betas": (0.9, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.1, "betas": (0.9, 0.9), "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("RAdam", kwargs, steps=10)


def test_first_steps_are_momentum_steps():
    w = ember.tensor([1.0], dtype=ember.float64, requires_grad=True)
    opt = RAdam([w], lr=0.1)
    w.grad = ember.tensor([0.5], dtype=ember.float64)
    opt.step()  # rho_1 = 1 <= 5: theta <- theta - lr * m / (1 - beta1)
    np.testing.assert_allclose(w.detach().numpy(), [0.95])


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"RAdam: invalid learning rate lr: -1"),
    ({"eps": -1}, r"RAdam: invalid epsilon value: -1"),
    ({"betas": (-0.1, 0.9)}, r"RAdam: invalid beta parameter at index 0: -0.1"),
    ({"weight_decay": -1}, r"RAdam: invalid weight_decay value: -1"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RAdam([ember.zeros(2, requires_grad=True)], **kwargs)
