"""Turn what ``fit``/``evaluate``/``predict`` receive into batches of ember Tensors.

Arrays (NumPy, ember Tensors, lists of numbers), lists of arrays (several inputs or outputs) and
dicts of arrays (named inputs or outputs) are sliced in NumPy and converted per batch; a
``DataLoader`` is iterated as it is, and a ``Dataset`` is wrapped in one.
"""

import math

import numpy as np

import ember
from ember.backend.random import numpy_generator
from ember.data import DataLoader, Dataset
from ember.layers.node import flatten, map_structure
from ember.tensor.tensor import Tensor

__all__ = ["ArrayBatches", "LoaderBatches", "make_batches", "unpack", "train_validation_split"]


def _as_array(x):
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.dtype == np.float64:
        x = x.astype(np.float32)  # no silent float64: Keras' floatx
    return x


def standardize(x):
    """Arrays, Tensors and lists of numbers as NumPy arrays; lists/tuples/dicts kept as structure."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: standardize(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and isinstance(x[0], (np.ndarray, Tensor, list, tuple)) \
            and not _is_numeric_nested(x):
        return [standardize(v) for v in x]
    return _as_array(x)


def _is_numeric_nested(x):
    """True for a nested list of numbers (one array), False for a list of arrays."""
    if isinstance(x[0], (np.ndarray, Tensor)):
        return False
    try:
        return np.asarray(x).dtype != object
    except ValueError:
        return False


def _length(name, x):
    lengths = {len(a) for a in flatten(x)}
    if len(lengths) > 1:
        raise ValueError(f"All arrays of {name} must have the same number of samples; received "
                         f"lengths {sorted(lengths)}.")
    return lengths.pop()


def check_lengths(x, y=None, sample_weight=None):
    n = _length("x", x)
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None and _length(name, value) != n:
            raise ValueError(f"Data cardinality is ambiguous: x has {n} samples but {name} has "
                             f"{_length(name, value)}. Make sure all arrays contain the same "
                             "number of samples.")
    return n


def train_validation_split(arrays, validation_split):
    """Keras' split: the LAST ``validation_split`` fraction of the samples (before shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1); received {validation_split}.")
    n = _length("x", arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for "
                         f"{'training' if split_at == 0 else 'validation'} out of {n}.")
    train = tuple(None if a is None else map_structure(lambda v: v[:split_at], a) for a in arrays)
    val = tuple(None if a is None else map_structure(lambda v: v[split_at:], a) for a in arrays)
    return train, val


def shard(arrays, rank, world):
    """Rank ``rank``'s share of the samples in data-parallel ``fit``: every ``world``-th sample
    from ``rank`` on, the same number on every rank (the last ``n % world`` are left out), so
    that every rank runs the same number of steps."""
    n = _length("x", arrays[0])
    per = n // world
    if per == 0:
        raise ValueError(f"fit: {n} samples can't be shared among {world} processes; give each "
                         "process at least one sample")
    stop = per * world
    return tuple(None if a is None else map_structure(lambda v: v[rank:stop:world], a) for a in arrays)


class ArrayBatches:
    """Batches of ``(x, y, sample_weight)`` sliced from arrays; reshuffled at every ``__iter__``."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, device=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = check_lengths(x, y, sample_weight)
        self.batch_size = int(batch_size or 32)
        self.shuffle, self.device = shuffle, device

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def _take(self, structure, index):
        if structure is None:
            return None
        return map_structure(lambda a: ember.as_tensor(a[index], device=self.device), structure)

    def __iter__(self):
        order = numpy_generator().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            index = (order[start:start + self.batch_size] if order is not None
                     else slice(start, start + self.batch_size))
            yield (self._take(self.x, index), self._take(self.y, index),
                   self._take(self.sample_weight, index))


class LoaderBatches:
    """A ``DataLoader``'s batches as ``(x, y, sample_weight)``."""

    def __init__(self, loader):
        self.loader = loader

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            yield unpack(batch)


def unpack(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(data, (list, tuple)):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return tuple(data)
        raise ValueError(f"A batch should be x, (x,), (x, y) or (x, y, sample_weight); received a "
                         f"{type(data).__name__} of {len(data)} elements.")
    return data, None, None


def make_batches(x, y=None, sample_weight=None, batch_size=32, shuffle=False, device=None,
                 what="fit"):
    """``ArrayBatches`` for arrays, ``LoaderBatches`` for a DataLoader or a Dataset."""
    if isinstance(x, Dataset):
        x = DataLoader(x, batch_size=batch_size or 32, shuffle=shuffle)
    if isinstance(x, DataLoader) or (hasattr(x, "__iter__") and hasattr(x, "batch_size")
                                     and not isinstance(x, (np.ndarray, Tensor))):
        if y is not None or sample_weight is not None:
            raise ValueError(f"{what}: when x is a DataLoader or Dataset it yields the targets; do "
                             f"not give y or sample_weight (received y={type(y).__name__}).")
        return LoaderBatches(x)
    if x is None:
        raise ValueError(f"{what}: x is None; give the inputs (arrays, a dict, a DataLoader ...).")
    return ArrayBatches(standardize(x), standardize(y), standardize(sample_weight), batch_size,
                        shuffle, device)
