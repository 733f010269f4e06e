"""Collation: turning a list of samples into one batch (``default_collate``, ``pad_collate``).

``default_collate`` follows PyTorch's rules field by field: tensors and NumPy arrays are stacked
along a new first dim, Python floats become a float64 tensor, ints an int64 tensor, bools a bool
tensor, strings stay a list, and dicts, named tuples, tuples and lists are collated field by field
(tuples come back as lists, as in PyTorch). When samples disagree, the error names the field
(``batch['image']``, ``batch[0]``), the two shapes and which samples differ.
"""

import collections.abc
import copy
from typing import NamedTuple

import numpy as np

from ember.backend.dtypes import float64
from ember.ops import stack
from ember.tensor import Tensor, from_numpy, tensor

__all__ = ["default_collate", "default_convert", "pad_collate", "PaddedBatch"]

_FIX = ("use collate_fn=ember.data.pad_collate (it pads along the first dim and returns the "
        "lengths and a mask), or pass your own collate_fn")


def _where(keys):
    """``batch['image'][0]`` from the keys leading to a field."""
    return "batch" + "".join(f".{k}" if attr else f"[{k!r}]" for attr, k in keys)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _is_text_array(a):
    return a.dtype.kind in "OSUV"


def _check_types(batch, keys, kind, what):
    """Every sample's field must be a ``kind`` like sample 0's."""
    first = type(batch[0])
    for j, x in enumerate(batch):
        if type(x) is not first and not isinstance(x, kind):
            raise TypeError(f"default_collate: {_where(keys)} is {what} in sample 0 but "
                            f"{type(x).__name__} in sample {j}; every sample must have the same "
                            "structure")


def _arrays(batch, keys, same_shape=True):
    """The arrays behind a field's tensors/arrays, after checking they can be stacked."""
    first = batch[0]
    kind = Tensor if isinstance(first, Tensor) else np.ndarray
    _check_types(batch, keys, kind, "a Tensor" if kind is Tensor else "a NumPy array")
    arrays = [x._data for x in batch] if kind is Tensor else batch
    if kind is np.ndarray and _is_text_array(first):
        raise TypeError(f"default_collate: {_where(keys)} holds NumPy arrays of dtype {first.dtype}, "
                        "which can't become tensors; convert them to numbers, or pass your own collate_fn")
    shape = arrays[0].shape if same_shape else arrays[0].shape[1:]
    for j, a in enumerate(arrays):
        if (a.shape if same_shape else a.shape[1:]) != shape or (not same_shape and a.ndim == 0):
            if same_shape:
                raise RuntimeError(
                    f"default_collate: can't stack {_where(keys)}: sample 0 has shape "
                    f"{tuple(arrays[0].shape)} but sample {j} has shape {tuple(a.shape)}; to batch "
                    f"samples of different shapes, {_FIX}")
            raise RuntimeError(
                f"pad_collate: can't pad {_where(keys)}: only the first dim may differ, but sample 0 "
                f"has shape {tuple(arrays[0].shape)} and sample {j} has shape {tuple(a.shape)}")
    return arrays


def _stack(batch, keys):
    arrays = _arrays(batch, keys)
    fast = (all(isinstance(a, np.ndarray) for a in arrays) and len({a.dtype for a in arrays}) == 1
            and not any(isinstance(x, Tensor) and x.requires_grad for x in batch))
    if fast:
        return from_numpy(np.stack(arrays))
    # Mixed dtypes (PyTorch's promotion), GPU tensors or tensors in a graph: ember's own stack.
    return stack([x if isinstance(x, Tensor) else from_numpy(x) for x in batch])


def _collate(batch, keys, leaf):
    """Collate one field (reached through ``keys``) of every sample; ``leaf`` batches arrays."""
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)):
        return leaf(batch, keys)
    if isinstance(elem, (np.bool_, np.number)):
        _check_types(batch, keys, (np.bool_, np.number, bool, int, float), "a NumPy scalar")
        return from_numpy(np.array(batch))
    if isinstance(elem, float):
        _check_types(batch, keys, (int, float), "a float")
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        _check_types(batch, keys, (int, float), "an int")
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        _check_types(batch, keys, collections.abc.Mapping, "a mapping")
        for j, d in enumerate(batch):
            missing = [k for k in elem if k not in d]
            if missing:
                raise KeyError(f"default_collate: sample {j} has no key {missing[0]!r} in "
                               f"{_where(keys)} (sample 0 has keys {list(elem)})")
        fields = {k: _collate([d[k] for d in batch], keys + ((False, k),), leaf) for k in elem}
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(fields)
            return clone
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    if isinstance(elem, collections.abc.Sequence):
        _check_types(batch, keys, collections.abc.Sequence, f"a {type(elem).__name__}")
        for j, x in enumerate(batch):
            if len(x) != len(elem):
                raise RuntimeError(f"default_collate: {_where(keys)} has {len(elem)} elements in "
                                   f"sample 0 but {len(x)} in sample {j}; every sample must have "
                                   f"the same structure (for variable-length data, {_FIX})")
        if _is_namedtuple(elem):
            return type(elem)(*(_collate(list(f), keys + ((True, name),), leaf)
                                for name, f in zip(elem._fields, zip(*batch))))
        fields = [_collate(list(f), keys + ((False, i),), leaf) for i, f in enumerate(zip(*batch))]
        if isinstance(elem, tuple):
            return fields  # PyTorch returns tuples as lists
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = fields
            return clone
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                    f"lists; found {type(elem)} at {_where(keys)}")


def _nonempty(batch, name):
    batch = list(batch)
    if not batch:
        raise ValueError(f"{name}: the batch is empty; a batch needs at least one sample")
    return batch


def default_collate(batch):
    """Stack a list of samples into a batch, field by field, as PyTorch's ``default_collate``.

    Args:
        batch: a list of samples of one structure (tensors, NumPy arrays, numbers, strings, and
            dicts / named tuples / tuples / lists of those).

    Returns:
        The same structure with a batch dim in front: ``(C, H, W)`` tensors become ``(N, C, H, W)``;
        floats a float64 tensor, ints an int64 tensor; tuples come back as lists.

    >>> default_collate([(ember.zeros(2), 0), (ember.ones(2), 1)])[1]
    tensor([0, 1])
    """
    return _collate(_nonempty(batch, "default_collate"), (), _stack)


def default_convert(data):
    """Convert NumPy arrays and scalars in ``data`` to tensors without batching (what the
    DataLoader applies to each sample when ``batch_size=None``)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text_array(data) else from_numpy(data)
    if isinstance(data, (np.bool_, np.number)):
        return from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            clone[:] = converted
            return clone
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data


class PaddedBatch(NamedTuple):
    """A padded variable-length field: ``data`` ``(N, L, *rest)`` where ``L`` is the longest
    sample, ``lengths`` int64 ``(N,)``, and ``mask`` bool ``(N, L)``, True at real (not padded)
    positions. (``nn.MultiheadAttention``'s ``key_padding_mask`` wants the opposite: ``~mask``.)"""

    data: Tensor
    lengths: Tensor
    mask: Tensor


def _pad(batch, keys, padding_value):
    arrays = _arrays(batch, keys, same_shape=False)
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    longest = int(lengths.max())
    out = np.full((len(arrays), longest) + arrays[0].shape[1:], padding_value,
                  dtype=np.result_type(*arrays))
    for row, a in zip(out, arrays):
        row[:len(a)] = a
    mask = np.arange(longest) < lengths[:, None]
    return PaddedBatch(from_numpy(out), from_numpy(lengths), from_numpy(mask))


def _top_level_keys(sample):
    if isinstance(sample, collections.abc.Mapping):
        return list(sample)
    if _is_namedtuple(sample):
        return list(sample._fields)
    if isinstance(sample, collections.abc.Sequence) and not isinstance(sample, (str, bytes)):
        return list(range(len(sample)))
    return []


def pad_collate(batch, padding_value=0, *, fields=None):
    """Collate samples whose tensors differ in length along their first dim, by padding.

    Every tensor / NumPy array field of one or more dims (or only the top-level ``fields`` named)
    is padded at the end of its first dim with ``padding_value`` to the batch's longest, and
    becomes a ``PaddedBatch(data, lengths, mask)``: ``data`` ``(N, L, *rest)``, ``lengths`` int64
    ``(N,)``, ``mask`` bool ``(N, L)`` True where the data is real. The structure does not depend
    on the batch's lengths (a field whose samples happen to be equally long is still a
    ``PaddedBatch``). Every other field is collated as by ``default_collate``.

    Args:
        batch: a list of samples, e.g. ``(sequence (L_i, D), label)`` or ``{"tokens": (L_i,), ...}``.
        padding_value: the value written in the padding.
        fields: the top-level keys (dict keys, named-tuple field names or tuple positions) of the
            fields to pad; None pads every tensor/array field with a first dim.

    >>> seqs, labels = pad_collate([(ember.ones(2), 0), (ember.ones(3), 1)])
    >>> seqs.data.shape, seqs.lengths.tolist(), labels.tolist()
    ((2, 3), [2, 3], [0, 1])
    """
    batch = _nonempty(batch, "pad_collate")
    if fields is not None:
        fields = list(fields)
        known = _top_level_keys(batch[0])
        unknown = [f for f in fields if f not in known]
        if unknown:
            raise ValueError(f"pad_collate: fields={fields} names {unknown}, which the samples don't "
                             f"have (their top-level keys are {known})")

    def leaf(arrays, keys):
        chosen = fields is None or (keys and keys[0][1] in fields)
        ndim = arrays[0].ndim
        if chosen and ndim >= 1:
            return _pad(arrays, keys, padding_value)
        return _stack(arrays, keys)

    return _collate(batch, (), leaf)
