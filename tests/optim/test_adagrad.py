import numpy as np
import pytest

import ember
from ember.optim import Adagrad
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "lr_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "weight_decay": 0.2, "eps": 1e-3},
    {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1,
     "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("Adagrad", kwargs)


@needs_torch
def test_groups_match_torch_including_the_constructor_accumulator_value():
    # PyTorch starts every sum at the constructor's initial_accumulator_value, whatever a group says.
    compare_with_torch("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2},
                       groups=[([0, 1], {}), ([2, 3], {"lr": 0.3, "initial_accumulator_value": 5.0})])


def test_state_is_made_for_every_parameter_at_construction():
    w = ember.zeros(3, requires_grad=True)
    opt = Adagrad([w], initial_accumulator_value=0.5)
    np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.5, 0.5, 0.5])
    assert opt.state[w]["step"].item() == 0.0


def test_a_parameter_added_later_gets_its_state_at_its_first_step():
    w, v = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    opt = Adagrad([w], lr=1.0)
    opt.add_param_group({"params": [v]})
    v.grad = ember.tensor([3.0, -4.0])
    opt.step()
    np.testing.assert_allclose(v.detach().numpy(), [-1.0, 1.0], rtol=1e-6)
    assert opt.state[v]["step"].item() == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": -1}, r"Adagrad: invalid learning rate lr: -1"),
    ({"lr_decay": -1}, r"Adagrad: invalid lr_decay value: -1"),
    ({"weight_decay": -1}, r"Adagrad: invalid weight_decay value: -1"),
    ({"initial_accumulator_value": -1}, r"Adagrad: invalid initial_accumulator_value: -1"),
    ({"eps": -1}, r"Adagrad: invalid epsilon value: -1"),
])
def test_bad_hyperparameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adagrad([ember.zeros(2, requires_grad=True)], **kwargs)
