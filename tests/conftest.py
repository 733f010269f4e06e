import pytest

import ember


@pytest.fixture(autouse=True)
def _seed_and_restore_modes():
    """Each test starts seeded, with float32 default, grad mode on and anomaly mode off."""
    ember.manual_seed(0)
    yield
    ember.set_default_dtype(ember.float32)
    ember.autograd.grad_mode._state.grad = True
    ember.autograd.function._anomaly[0] = False
