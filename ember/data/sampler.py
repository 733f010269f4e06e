"""Samplers: the order in which a DataLoader visits a map-style dataset, as in ``torch.utils.data``.

A sampler yields sample indices; a ``BatchSampler`` groups them into lists. Random samplers draw
from an ``ember.Generator`` (the global one when ``generator`` is None), so ``ember.manual_seed``
makes every order reproducible.
"""

import itertools
import os
import sys

import numpy as np

from ember.backend.random import Generator, numpy_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]


def draw_seed(generator=None):
    """A fresh seed in [0, 2**63) drawn from ``generator`` (the global one when None), as PyTorch
    draws the seeds of an epoch."""
    return int(numpy_generator(generator).integers(0, 1 << 63, dtype=np.int64))


def _ceil_div(a, b):
    return -(-a // b)


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value!r}")


class Sampler:
    """Base class: a sampler defines ``__iter__`` (yielding indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__(self)")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1`` in order.

    >>> list(ember.data.SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a permutation per pass (``replacement=False``) or independent
    uniform draws (``replacement=True``).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement.
        num_samples: how many indices to yield (default ``len(data_source)``); without
            replacement, more than the length concatenates fresh permutations.
        generator: an ``ember.Generator``. When None, each pass draws one seed from the global
            generator and shuffles with a private generator seeded from it (PyTorch's behaviour).

    >>> sorted(ember.data.RandomSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        _check_bool("replacement", replacement)
        if num_samples is not None:
            _check_positive_int("num_samples", num_samples)
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __len__(self):
        return self.num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = Generator().manual_seed(draw_seed())
        rng = numpy_generator(generator)
        if self.replacement:
            yield from rng.integers(0, n, size=self.num_samples).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[:self.num_samples % n].tolist()


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in random order (a fresh permutation each pass).

    >>> sorted(ember.data.SubsetRandomSampler([5, 7, 9]))
    [5, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in numpy_generator(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probability proportional to
    ``weights`` (with or without replacement): the usual cure for class imbalance.

    Args:
        weights: a 1-D sequence (list, array, tensor) of non-negative weights, not all zero.
        num_samples: how many indices to yield per pass.
        replacement: draw with replacement (default). Without it, ``num_samples`` can't exceed
            the number of non-zero weights.
        generator: an ``ember.Generator`` (default: the global one).

    >>> list(ember.data.WeightedRandomSampler([0.0, 1.0, 0.0], 3))
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int("num_samples", num_samples)
        _check_bool("replacement", replacement)
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite and non-negative with "
                             f"a positive sum, got {w.tolist() if w.size <= 10 else w}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: can't draw num_samples={num_samples} without "
                             f"replacement from {np.count_nonzero(w)} non-zero weights; lower "
                             "num_samples or pass replacement=True")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        rng = numpy_generator(self.generator)
        drawn = rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                           p=self.weights / self.weights.sum())
        yield from drawn.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    >>> list(ember.data.BatchSampler(range(5), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int("batch_size", batch_size)
        _check_bool("drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return _ceil_div(len(self.sampler), self.batch_size)


# (size variable, rank variable) that launchers set: Open MPI, MPICH/Intel MPI, torchrun.
_LAUNCH_VARIABLES = [("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"), ("PMI_SIZE", "PMI_RANK"),
                     ("WORLD_SIZE", "RANK")]


def _launch_world():
    """(world size, rank) of a running MPI job or launcher, or None outside one.

    ``ember.distributed`` sits above this layer, so the sampler asks MPI only when the program
    already initialised it, and otherwise reads the launcher's environment variables.
    """
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized():
        return mpi.COMM_WORLD.Get_size(), mpi.COMM_WORLD.Get_rank()
    for size, rank in _LAUNCH_VARIABLES:
        if size in os.environ and rank in os.environ:
            return int(os.environ[size]), int(os.environ[rank])
    return None


class DistributedSampler(Sampler):
    """The share of a dataset that one of ``num_replicas`` processes reads, for data-parallel
    training: process ``rank`` takes every ``num_replicas``-th index of a (shuffled) order.

    Args:
        dataset: a map-style dataset.
        num_replicas: number of processes (default: the MPI world size or launcher's
            ``WORLD_SIZE``).
        rank: this process's rank (default: the MPI rank or launcher's ``RANK``).
        shuffle: shuffle with a generator seeded ``seed + epoch`` (the same order on every rank).
        seed: the shuffling seed, equal on every rank.
        drop_last: drop the tail so every rank gets ``floor(len / num_replicas)`` samples; else
            the order is padded by repeating its start so every rank gets ``ceil(len / num_replicas)``.

    Call ``set_epoch(epoch)`` before each epoch, or every epoch repeats the same order.

    >>> list(ember.data.DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            world = _launch_world()
            if world is None:
                raise RuntimeError("DistributedSampler: num_replicas and rank were not given and no "
                                   "distributed launch was found (no initialised MPI, no "
                                   "OMPI_COMM_WORLD_SIZE/PMI_SIZE/WORLD_SIZE variables); pass "
                                   "num_replicas= and rank=, or start the program with mpirun")
            num_replicas = world[0] if num_replicas is None else num_replicas
            rank = world[1] if rank is None else rank
        _check_positive_int("num_replicas", num_replicas)
        if not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = _ceil_div(n - self.num_replicas, self.num_replicas)
        else:
            self.num_samples = _ceil_div(n, self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = numpy_generator(Generator().manual_seed(self.seed + self.epoch)).permutation(n)
        else:
            order = np.arange(n)
        # Padding repeats the order cyclically, exactly as PyTorch's list arithmetic does.
        order = order[:self.total_size] if self.drop_last else np.resize(order, self.total_size)
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Make the next pass's shuffled order that of ``epoch`` (equal on every rank)."""
        self.epoch = epoch

