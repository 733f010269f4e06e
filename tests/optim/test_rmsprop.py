import numpy as np
import pytest

import ember
from ember.optim import RMSprop
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.05, "alpha": 0.9},
    {"lr": 0.05, "centered": True},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
    {"lr": 0.05, "eps": 1e-3, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.5, "centered": True, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("RMSprop", kwargs)


@needs_torch
def test_float32_matches_torch():
    compare_with_torch("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True},
                       dtype=np.float32, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"RMSprop: invalid learning rate lr: -1"),
    ({"eps": -1}, r"RMSprop: invalid epsilon value: -1"),
    ({"momentum": -1}, r"RMSprop: invalid momentum value: -1"),
    ({"weight_decay": -1}, r"RMSprop: invalid weight_decay value: -1"),
    ({"alpha": -1}, r"RMSprop: invalid alpha value: -1; expected alpha >= 0"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RMSprop([ember.zeros(2, requires_grad=True)], **kwargs)
