import numpy as np
import pytest

import ember
from ember.optim import ASGD
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "lambd": 0.01, "alpha": 0.5},
    {"lr": 0.1, "t0": 2},                      # averaging starts within the compared steps
    {"lr": 0.05, "weight_decay": 0.1, "maximize": True, "t0": 1},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("ASGD", kwargs)


def test_the_average_starts_after_t0():
    w = ember.tensor([1.0], requires_grad=True)
    opt = ASGD([w], lr=0.1, lambd=0.0, t0=1)
    for _ in range(4):  # weights 0.9, 0.8, 0.7, 0.6; mu is 1 until the step after t - t0 > 1
        w.grad = ember.tensor([1.0])
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.6], rtol=1e-6)
    np.testing.assert_allclose(opt.state[w]["ax"].numpy(), [0.65], rtol=1e-6)  # (0.7 + 0.6) / 2


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match=r"ASGD: invalid weight_decay value: -1"):
        ASGD([ember.zeros(2, requires_grad=True)], weight_decay=-1)
