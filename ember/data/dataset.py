"""Datasets: what a DataLoader reads from, as in ``torch.utils.data``.

A map-style ``Dataset`` answers ``dataset[i]`` and ``len(dataset)``; an ``IterableDataset``
yields its samples from ``__iter__``. ``TensorDataset``, ``Subset``, ``ConcatDataset``,
``ChainDataset`` and ``random_split`` combine them.
"""

import bisect
import itertools
import math
import warnings

from ember.backend.random import default_generator, numpy_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split"]


class Dataset:
    """A map from keys (usually ``0 .. len - 1``) to samples: subclass it and define
    ``__getitem__`` (and ``__len__``, which the default samplers need).

    A subclass may also define ``__getitems__(indices) -> list of samples`` to fetch a whole batch
    at once; the DataLoader then calls it instead of ``__getitem__``.

    >>> class Squares(ember.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> Squares()[3]
    9
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclass it and define ``__iter__``.

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset, so a
    dataset that does not split itself yields every sample once per worker. Split the stream in
    ``__iter__`` with ``ember.data.get_worker_info()`` (``id`` and ``num_workers``), as in PyTorch:

    >>> class Range(ember.data.IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         info = ember.data.get_worker_info()
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    >>> list(Range(4))
    [0, 1, 2, 3]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__(self)")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of tensors (or NumPy arrays) of one length: ``dataset[i]`` is
    ``tuple(t[i] for t in tensors)``.

    Args:
        *tensors: tensors whose first dims are equal, e.g. images ``(N, C, H, W)`` and labels ``(N,)``.

    >>> ds = ember.data.TensorDataset(ember.zeros(5, 3), ember.arange(5))
    >>> len(ds), ds[2][1].item()
    (5, 2)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(x, y)")
        sizes = [t.shape[0] if len(t.shape) else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: the tensors must have the same first dim (one row per "
                             f"sample), got shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``subset[i]`` is ``dataset[indices[i]]``.

    >>> ember.data.Subset([10, 11, 12, 13], [3, 0])[0]
    13
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # Batched fetch when the parent dataset has one (PyTorch's behaviour).
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after the other; ``cumulative_sizes[k]`` is where dataset ``k`` ends.

    >>> len(ember.data.ConcatDataset([[1, 2], [3, 4, 5]]))
    5
    """

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset, got an empty list")
        for k, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset joins map-style datasets, but dataset {k} is an "
                                f"IterableDataset ({type(d).__name__}); use ChainDataset for those")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: index {idx} is out of range for {n} samples")
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {n} samples")
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[k][idx - (self.cumulative_sizes[k - 1] if k else 0)]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other (what ``iterable_a + iterable_b`` makes)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for k, d in enumerate(self.datasets):
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset chains IterableDatasets, but dataset {k} is a "
                                f"{type(d).__name__}; use ConcatDataset for map-style datasets")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def random_split(dataset, lengths, generator=default_generator):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given ``lengths``.

    Args:
        dataset: a map-style dataset (anything with ``len`` and ``[]``).
        lengths: sizes summing to ``len(dataset)``, or fractions summing to 1: each split gets
            ``floor(fraction * len)`` samples and the remainder is dealt out one by one from the
            first split on, as in PyTorch.
        generator: the ``ember.Generator`` the permutation is drawn from (default: the global one).

    >>> train, val = ember.data.random_split(range(10), [0.8, 0.2])
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction {frac} at index {i} is not between 0 and 1")
        sizes = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: split {i} is empty ({lengths[i]} of {n} samples)",
                              UserWarning, stacklevel=2)
        lengths = sizes
    if any(not isinstance(k, int) or k < 0 for k in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} must be non-negative integers summing to "
                         f"the dataset's length {n}, or fractions summing to 1")
    indices = numpy_generator(generator).permutation(n).tolist()
    return [Subset(dataset, indices[end - size:end])
            for end, size in zip(itertools.accumulate(lengths), lengths)]
