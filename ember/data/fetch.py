"""Fetching one batch from a dataset: the work a DataLoader does, in the main process or a worker.

Reproducible augmentation: before ``dataset[i]`` the global ember generator is seeded from
(the epoch's base seed, ``i``). A sample's random draws therefore depend only on the epoch and the
sample's index, never on which process fetched it, so the batches are identical whatever
``num_workers`` is.
"""

import contextlib
import hashlib
import operator

import numpy as np

from ember.backend.random import default_generator, numpy_generator
from ember.data.dataset import Subset

__all__ = ["sample_states", "fetch_map", "fetch_iterable", "preserved_rng"]

_MASK64 = (1 << 64) - 1
# splitmix64's constants: the golden-ratio increment and the finalizer's multipliers
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1, _MUL2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _key(index):
    """A 64-bit integer standing for a sample's index, equal in every process."""
    try:
        return operator.index(index) & _MASK64
    except TypeError:  # a non-integer key (say a file name): a digest, not the salted hash()
        return int.from_bytes(hashlib.blake2b(repr(index).encode(), digest_size=8).digest(), "little")


def _mix64(z):
    """splitmix64's finalizer: a bijection of uint64 arrays that scatters nearby inputs."""
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


def sample_states(base_seed, indices):
    """The PCG64 ``(state, increment)`` of each sample of a batch, hashed from (base seed, index).

    ``Generator.manual_seed`` would do (NumPy's SeedSequence hashes the seed) but costs ~11 us a
    sample, as much as a typical augmentation; hashing a whole batch at once with splitmix64 and
    writing the state costs ~3 us. Distinct indices of one epoch get distinct states.
    """
    keys = np.array([_key(i) for i in indices], dtype=np.uint64)
    x = _mix64(np.array([base_seed & _MASK64], dtype=np.uint64)) ^ keys
    words = _mix64(x + np.arange(1, 5, dtype=np.uint64)[:, None] * _GOLDEN).tolist()
    return [((a << 64) | b, (c << 64) | d | 1) for a, b, c, d in zip(*words)]


def _seed(state):
    """Put the global generator in a sample's state (see ``sample_states``)."""
    bit_generator = numpy_generator().bit_generator
    if isinstance(bit_generator, np.random.PCG64):
        bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state[0], "inc": state[1]},
                               "has_uint32": 0, "uinteger": 0}
    else:  # another bit generator behind ember's Generator: seed it the slow, general way
        default_generator.manual_seed(state[0])


def _batched(dataset):
    """Whether the dataset fetches whole batches itself (``__getitems__``), as PyTorch checks.

    A ``Subset`` only has a real batched fetch when the dataset under it has one; otherwise its
    ``__getitems__`` would fetch sample by sample without the per-sample seeds.
    """
    if not callable(getattr(dataset, "__getitems__", None)):
        return False
    if isinstance(dataset, Subset) and type(dataset).__getitems__ is Subset.__getitems__:
        return _batched(dataset.dataset)
    return True


def fetch_map(dataset, indices, base_seed, auto_collation, collate_fn):
    """One batch of a map-style dataset: ``collate_fn([dataset[i] for i in indices])``, the
    global generator put in sample ``i``'s own state (``sample_states``) before ``dataset[i]``.

    Without auto-collation (``batch_size=None``) ``indices`` is a single index.
    A dataset with ``__getitems__`` is called once per batch, with the generator seeded from the
    base seed and all the batch's indices.
    """
    if not auto_collation:
        _seed(sample_states(base_seed, [indices])[0])
        return collate_fn(dataset[indices])
    if _batched(dataset):
        entropy = [base_seed] + [_key(i) for i in indices]
        default_generator.manual_seed(int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0]))
        return collate_fn(dataset.__getitems__(indices))
    samples = []
    for i, state in zip(indices, sample_states(base_seed, indices)):
        _seed(state)
        samples.append(dataset[i])
    return collate_fn(samples)


def fetch_iterable(dataset_iter, indices, auto_collation, collate_fn, drop_last):
    """The next batch from an iterable dataset's iterator (``len(indices)`` samples, fewer at the
    end unless ``drop_last``); raises StopIteration when there is none."""
    if not auto_collation:
        return collate_fn(next(dataset_iter))
    samples = []
    for _ in indices:
        try:
            samples.append(next(dataset_iter))
        except StopIteration:
            break
    if not samples or (drop_last and len(samples) < len(indices)):
        raise StopIteration
    return collate_fn(samples)


@contextlib.contextmanager
def preserved_rng():
    """Restore the global generator (state and initial seed) on exit: per-sample seeding in the
    main process must not change the draws the training loop makes between batches."""
    seed, state = default_generator.initial_seed(), default_generator.get_state()
    try:
        yield
    finally:
        default_generator.manual_seed(seed)
        default_generator.set_state(state)
