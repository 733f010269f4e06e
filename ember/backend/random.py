"""Random-number state: one seeded default generator that every draw in ember goes through.

Draws are made on the CPU with NumPy's PCG64 and moved to the tensor's device, so a seed gives
the same numbers on every device.
"""

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "numpy_generator"]

_STATE_BYTES = 40  # 128-bit state, 128-bit increment, has_uint32, uinteger


class Generator:
    """A source of random numbers, like ``torch.Generator``: seed it, save and restore its state."""

    def __init__(self, device="cpu"):
        self.device = device
        self._initial_seed = 0
        self._np = np.random.Generator(np.random.PCG64(0))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._initial_seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        """Seed from the operating system's entropy and return the seed used."""
        s = int(np.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        """The state as 40 bytes in a uint8 array (``ember.random.get_rng_state`` wraps it in a tensor)."""
        st = self._np.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
               + int(st["has_uint32"]).to_bytes(4, "little") + int(st["uinteger"]).to_bytes(4, "little"))
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def set_state(self, state):
        raw = np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.uint8).tobytes()
        if len(raw) != _STATE_BYTES:
            raise ValueError(f"set_state: expected a state of {_STATE_BYTES} bytes as returned by "
                             f"get_state(), got {len(raw)} bytes")
        bitgen = np.random.PCG64()
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        self._np = np.random.Generator(bitgen)
        return self


default_generator = Generator()


def numpy_generator(generator=None):
    """The NumPy generator behind ``generator`` (the default one when None)."""
    return (default_generator if generator is None else generator)._np


def manual_seed(seed):
    """Seed every random draw in ember (initialisation, dropout, shuffling, augmentation)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
