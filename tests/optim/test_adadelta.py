import pytest

import ember
from ember.optim import Adadelta
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.5, "rho": 0.5},
    {"lr": 0.5, "eps": 1e-3, "weight_decay": 0.1},
    {"rho": 0.95, "weight_decay": 0.3, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("Adadelta", kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"Adadelta: invalid learning rate lr: -1"),
    ({"rho": 1.5}, r"Adadelta: invalid rho value: 1.5; expected 0 <= rho <= 1"),
    ({"eps": -1}, r"Adadelta: invalid epsilon value: -1"),
    ({"weight_decay": -1}, r"Adadelta: invalid weight_decay value: -1"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adadelta([ember.zeros(2, requires_grad=True)], **kwargs)
