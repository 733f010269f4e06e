"""``ember.random``: the global random state (``get_rng_state``/``set_rng_state``), as ``torch.random``."""

from ember.backend import random as _backend_random
from ember.backend.random import Generator, initial_seed, manual_seed, seed  # noqa: F401
from ember.tensor.tensor import Tensor

__all__ = ["get_rng_state", "set_rng_state", "manual_seed", "seed", "initial_seed", "Generator"]


def get_rng_state():
    """The default generator's state as a uint8 tensor (save it in a checkpoint)."""
    return Tensor._make(_backend_random.default_generator.get_state(), False, None, 0)


def set_rng_state(state):
    """Restore a state returned by ``get_rng_state``."""
    _backend_random.default_generator.set_state(state)
