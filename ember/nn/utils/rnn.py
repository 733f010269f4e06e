"""Variable-length sequences: padding, and packing for the recurrent layers (PyTorch's
``torch.nn.utils.rnn``).

A *padded* batch is one tensor ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``) plus the true
length of each sequence. A *packed* batch (:class:`PackedSequence`) keeps only the real steps,
time step by time step: first the step-0 rows of every sequence, then the step-1 rows of the
sequences still running, and so on, longest sequences first. ``batch_sizes[t]`` says how many
sequences are still running at step ``t``. RNN, LSTM and GRU accept a PackedSequence, skip the
padding entirely and return each sequence's final state at its own last step.

>>> a, b = ember.ones(3, 2), ember.zeros(1, 2)
>>> padded = pad_sequence([a, b])                  # (3, 2, 2)
>>> packed = pack_padded_sequence(padded, [3, 1])
>>> packed.batch_sizes.tolist()
[2, 1, 1]
>>> out, lengths = pad_packed_sequence(packed)
>>> lengths.tolist()
[3, 1]
"""

from collections import namedtuple

import numpy as np

from ember.backend import dtypes
from ember.ops import cat, stack
from ember.tensor.factories import full
from ember.tensor.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _int64_tensor(values):
    return Tensor(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation):
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    perm = _indices(permutation)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=np.int64)
    return _int64_tensor(inverse)


def _indices(values):
    """A 1-D int64 NumPy array from a tensor, array or list of ints."""
    if isinstance(values, Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.int64).reshape(-1)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                                   "unsorted_indices"])):
    """A batch of variable-length sequences packed time step by time step (see the module doc).

    Fields (a named tuple, as in PyTorch):

    - ``data``: ``(sum(lengths), *)``, the real steps of every sequence, step 0 of all first;
    - ``batch_sizes``: int64 ``(max_length,)`` on the CPU, the number of sequences at each step;
    - ``sorted_indices``: int64 ``(B,)`` or None, the original batch index of each packed column
      (sequences are packed longest first);
    - ``unsorted_indices``: its inverse, to put results back in the caller's order.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required; build packed sequences with "
                            "pack_padded_sequence(...) or pack_sequence(...)")
        if not isinstance(batch_sizes, Tensor) or batch_sizes.device.type != "cpu":
            batch_sizes = _int64_tensor(_indices(batch_sizes))  # always on the CPU, as PyTorch
        if sorted_indices is not None and not isinstance(sorted_indices, Tensor):
            sorted_indices = _int64_tensor(sorted_indices)
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
            if unsorted_indices is not None:
                unsorted_indices = unsorted_indices.to(sorted_indices.device)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Move or convert ``data`` (and the index tensors to its device); batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = None if self.sorted_indices is None else self.sorted_indices.to(data.device)
        unsorted_indices = (None if self.unsorted_indices is None
                            else self.unsorted_indices.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _check_side(padding_side):
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: expected padding_side to be one of 'left' or 'right', but "
                         f"got {padding_side!r}")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes ``(L_i, *)`` into one ``(max L, B, *)`` tensor (``(B, max L, *)``
    with ``batch_first``), filling the missing steps with ``padding_value`` on the right (or the
    left with ``padding_side='left'``). Differentiable.

    >>> pad_sequence([ember.tensor([1., 2.]), ember.tensor([3.])], batch_first=True).tolist()
    [[1.0, 2.0], [3.0, 0.0]]
    """
    _check_side(padding_side)
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences; pass at least one "
                           "tensor")
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence: expected a list of tensors, but element {i} is a "
                            f"{type(s).__name__}")
        if s.ndim == 0 or s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(
                f"pad_sequence: every sequence must have shape (L, *) with the same trailing "
                f"dimensions, but sequence 0 has shape {tuple(sequences[0].shape)} and sequence {i} "
                f"has shape {tuple(s.shape)}")
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = max_len - s.shape[0]
        if missing:
            pad = full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype,
                       device=s.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of :func:`pad_sequence` (right padding): a list of ``(L_i, *)`` tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences, _indices(lengths).tolist())]


def _check_lengths(lengths, batch, steps, enforce_sorted):
    if lengths.size != batch:
        raise RuntimeError(f"pack_padded_sequence: expected one length per sequence, i.e. "
                           f"len(lengths) == batch size {batch}, but got {lengths.size} lengths")
    if batch and lengths.min() <= 0:
        raise RuntimeError(f"pack_padded_sequence: every length must be greater than 0, but "
                           f"lengths are {lengths.tolist()}; drop the empty sequences first")
    if batch and lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: the longest length {int(lengths.max())} is more "
                           f"than the {steps} time steps of the padded input")
    if enforce_sorted and np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            f"pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
            f"`enforce_sorted` is True, got {lengths.tolist()}. Pass enforce_sorted=False to "
            f"pack_padded_sequence and/or pack_sequence to sort the batch for you.")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences with
    the given ``lengths`` into a :class:`PackedSequence`. Differentiable with respect to ``input``.

    With ``enforce_sorted=True`` the lengths must be in decreasing order; with False the batch is
    sorted here (stably) and ``sorted_indices``/``unsorted_indices`` record the permutation, so
    the recurrent layers return results in the caller's order.
    """
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected a padded input of shape (T, B, *) or "
                           f"(B, T, *) with batch_first, got shape {tuple(input.shape)}")
    lengths = _indices(lengths)
    batch_dim = 0 if batch_first else 1
    batch, steps = input.shape[batch_dim], input.shape[1 - batch_dim]
    _check_lengths(lengths, batch, steps, enforce_sorted)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _int64_tensor(order).to(input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    max_len = int(lengths[0])
    # (t, b) is a real step where t < length[b]; boolean indexing keeps time-major order
    keep = np.arange(max_len)[:, None] < lengths[None, :]
    data = input[:max_len][keep]
    batch_sizes = keep.sum(1)
    return PackedSequence(data, _int64_tensor(batch_sizes), sorted_indices, None)


def _lengths_from_batch_sizes(batch_sizes):
    batch_sizes = _indices(batch_sizes)
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    return (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a :class:`PackedSequence` into ``(padded, lengths)``: ``padded`` is
    ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) with ``padding_value`` after each
    sequence's end, ``lengths`` an int64 tensor; both in the original batch order.
    ``total_length`` pads to that many steps (at least the longest length). Differentiable.
    """
    data, batch_sizes = sequence.data, _indices(sequence.batch_sizes)
    max_len = batch_sizes.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the length "
                             f"of the longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {max_len}")
        max_len = total_length
    lengths = _lengths_from_batch_sizes(batch_sizes)
    batch = lengths.size
    # Row of `data` for each (t, b), or the extra padding row appended at index len(data).
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    rows = np.full((max_len, batch), data.shape[0], dtype=np.int64)
    for t, size in enumerate(batch_sizes):
        rows[t, :size] = offsets[t] + np.arange(size)
    if batch_first:
        rows = rows.T
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, pad])[rows.reshape(-1)].reshape(rows.shape + tuple(data.shape[1:]))
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[_indices(sequence.unsorted_indices)]
    return padded, _int64_tensor(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of ``(L_i, *)`` tensors (longest first unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The inverse of :func:`pack_sequence`: the list of ``(L_i, *)`` tensors."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
