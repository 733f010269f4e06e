import pytest

import ember
from ember.optim import Adamax
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "betas": (0.8, 0.9)},
    {"lr": 0.1, "weight_decay": 0.2, "eps": 1e-3},
    {"lr": 0.05, "weight_decay": 0.1, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("Adamax", kwargs)


@needs_torch
def test_groups_match_torch():
    compare_with_torch("Adamax", {"lr": 0.1},
                       groups=[([0, 1], {}), ([2, 3], {"lr": 0.3, "betas": (0.5, 0.6)})])


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"Adamax: invalid learning rate lr: -1"),
    ({"eps": -1}, r"Adamax: invalid epsilon value: -1"),
    ({"betas": (1.0, 0.9)}, r"Adamax: invalid beta parameter at index 0: 1.0"),
    ({"weight_decay": -1}, r"Adamax: invalid weight_decay value: -1"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adamax([ember.zeros(2, requires_grad=True)], **kwargs)
