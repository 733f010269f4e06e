import numpy as np
import pytest

import ember
from ember.optim import NAdam
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "momentum_decay": 0.01},
    {"lr": 0.1, "betas": (0.8, 0.9), "eps": 1e-5},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.1, "weight_decay": 0.1, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    # mu_product lives in float32 in both: the comparison holds over many steps only if ember
    # keeps it in the same precision.
    compare_with_torch("NAdam", kwargs, steps=10)


@needs_torch
def test_float32_matches_torch():
    compare_with_torch("NAdam", {"lr": 0.1}, dtype=np.float32, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"NAdam: invalid learning rate lr: -1"),
    ({"eps": -1}, r"NAdam: invalid epsilon value: -1"),
    ({"betas": (0.9, 1.0)}, r"NAdam: invalid beta parameter at index 1: 1.0"),
    ({"weight_decay": -1}, r"NAdam: invalid weight_decay value: -1"),
    ({"momentum_decay": -1}, r"NAdam: invalid momentum_decay value: -1"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NAdam([ember.zeros(2, requires_grad=True)], **kwargs)
