import numpy as np
import pytest

import ember
from ember.optim import AdamW
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1},
    {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True},
    {"lr": 0.1, "weight_decay": 0.0, "maximize": True},
    {"lr": 0.05, "betas": (0.7, 0.8), "eps": 1e-4, "weight_decay": 0.5, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("AdamW", kwargs)


def test_weight_decay_is_decoupled_and_defaults_to_1e_2():
    w = ember.tensor([2.0, -4.0], requires_grad=True)
    opt = AdamW([w], lr=0.5)
    assert opt.defaults["weight_decay"] == 1e-2 and opt.defaults["decoupled_weight_decay"]
    w.grad = ember.zeros(2)  # no gradient: only the decay moves the weights
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [2.0 * (1 - 0.5 * 1e-2), -4.0 * (1 - 0.5 * 1e-2)])


def test_decay_stays_decoupled_after_loading_a_state_dict():
    w = ember.zeros(2, requires_grad=True)
    opt = AdamW([w])
    state = opt.state_dict()
    state["param_groups"][0]["decoupled_weight_decay"] = False
    opt.load_state_dict(state)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
