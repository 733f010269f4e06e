import numpy as np
import pytest

import ember
from ember.optim import Rprop
from tests.optim.helpers import compare_with_torch, needs_torch


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"lr": 0.1, "etas": (0.3, 1.5)},
    {"lr": 0.1, "step_sizes": (0.05, 0.2)},
    {"lr": 0.05, "maximize": True},
])
def test_matches_torch_step_for_step(kwargs):
    compare_with_torch("Rprop", kwargs)


def test_a_sign_flip_shrinks_the_step_and_skips_the_move():
    w = ember.tensor([0.0], requires_grad=True)
    opt = Rprop([w], lr=0.1)
    for grad, want in [(1.0, -0.1), (1.0, -0.22), (-1.0, -0.22), (-1.0, -0.16)]:
        w.grad = ember.tensor([grad])
        opt.step()
        np.testing.assert_allclose(w.detach().numpy(), [want], rtol=1e-6)


def test_bad_etas_are_refused():
    with pytest.raises(ValueError, match=r"Rprop: invalid eta values: \(1.5, 1.2\); expected "
                                         r"0 < eta- < 1 < eta\+"):
        Rprop([ember.zeros(2, requires_grad=True)], etas=(1.5, 1.2))
