"""Padding and packing of variable-length sequences (``ember.nn.utils.rnn``) against PyTorch."""

import doctest
import sys

import numpy as np
import pytest

import ember
from ember.nn.utils import rnn
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
LENGTHS = [2, 5, 3]


def _np(t):
    return t.detach().numpy()


def _sequences(lengths=LENGTHS, features=(3,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n,) + features) for n in lengths]


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("features", [(), (3,), (2, 2)])
def test_pad_sequence_matches_torch(batch_first, padding_side, features):
    seqs = _sequences(features=features)
    ours = rnn.pad_sequence([ember.tensor(s) for s in seqs], batch_first, -1.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, -1.5,
                                             padding_side)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(_np(ours), theirs.numpy())


def test_pad_sequence_is_differentiable():
    seqs = [ember.tensor(s, requires_grad=True) for s in _sequences()]
    padded = rnn.pad_sequence(seqs, batch_first=True)
    (padded * ember.arange(5.0, dtype=ember.float64).reshape(1, 5, 1)).sum().backward()
    for s in seqs:  # each step's gradient is its time index; the padding gets none
        np.testing.assert_array_equal(_np(s.grad), np.arange(s.shape[0])[:, None] * np.ones(3))


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match=r"expected padding_side to be one of 'left' or 'right', "
                                         r"but got 'top'"):
        rnn.pad_sequence([ember.ones(2)], padding_side="top")
    with pytest.raises(RuntimeError, match=r"received an empty list"):
        rnn.pad_sequence([])
    with pytest.raises(RuntimeError, match=r"sequence 0 has shape \(2, 3\) and sequence 1 has shape "
                                           r"\(2, 4\)"):
        rnn.pad_sequence([ember.ones(2, 3), ember.ones(2, 4)])
    with pytest.raises(TypeError, match=r"element 1 is a list"):
        rnn.pad_sequence([ember.ones(2), [1.0]])


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_padded_sequence_matches_torch(batch_first, enforce_sorted):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    seqs = _sequences(lengths)
    t_padded = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first)
    e_padded = ember.tensor(t_padded.numpy(), requires_grad=True)
    ours = rnn.pack_padded_sequence(e_padded, lengths, batch_first, enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_padded_sequence(t_padded, torch.tensor(lengths), batch_first,
                                                     enforce_sorted)
    np.testing.assert_array_equal(_np(ours.data), theirs.data.numpy())
    np.testing.assert_array_equal(ours.batch_sizes.numpy(), theirs.batch_sizes.numpy())
    assert ours.batch_sizes.dtype == ember.int64
    for a, b in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # and back: padded output and lengths in the caller's order
    for total in (None, 7):
        out, lens = rnn.pad_packed_sequence(ours, batch_first, padding_value=9.0, total_length=total)
        t_out, t_lens = torch.nn.utils.rnn.pad_packed_sequence(theirs, batch_first, 9.0, total)
        np.testing.assert_array_equal(_np(out), t_out.numpy())
        np.testing.assert_array_equal(lens.numpy(), t_lens.numpy())
    # gradient: the real steps get theirs, the padding none
    out.sum().backward()
    mask = np.arange(5)[None, :] < np.asarray(lengths)[:, None]
    np.testing.assert_array_equal(_np(e_padded.grad), (mask if batch_first else mask.T)[..., None]
                                  * np.ones(3))


@needs_torch
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_match_torch(enforce_sorted):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    seqs = _sequences(lengths)
    ours = rnn.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted)
    np.testing.assert_array_equal(_np(ours.data), theirs.data.numpy())
    for a, s in zip(rnn.unpack_sequence(ours), seqs):
        np.testing.assert_array_equal(_np(a), s)
    padded = rnn.pad_sequence([ember.tensor(s) for s in seqs])
    for a, s in zip(rnn.unpad_sequence(padded, ember.tensor(lengths)), seqs):
        np.testing.assert_array_equal(_np(a), s)


def test_packed_sequence_fields_and_conversion():
    packed = rnn.pack_sequence([ember.ones(3, 2), ember.ones(1, 2)])
    assert packed.batch_sizes.tolist() == [2, 1, 1]
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    data, batch_sizes, _, _ = packed  # a named tuple, as in PyTorch
    assert data.shape == (4, 2)
    double = packed.double()
    assert isinstance(double, rnn.PackedSequence) and double.data.dtype == ember.float64
    assert double.batch_sizes is packed.batch_sizes and not double.is_cuda and not double.is_pinned()
    assert packed.to(ember.float32) is packed
    shuffled = rnn.PackedSequence(data, batch_sizes, ember.tensor([1, 0]))
    assert shuffled.unsorted_indices.tolist() == [1, 0]  # inverted when not given


def test_invert_permutation():
    assert rnn.invert_permutation(None) is None
    assert rnn.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]


@pytest.mark.parametrize("lengths, message", [
    ([3, 2], r"expected one length per sequence.*batch size 3, but got 2 lengths"),
    ([3, 0, 1], r"every length must be greater than 0"),
    ([6, 2, 1], r"the longest length 6 is more than the 5 time steps"),
    ([2, 3, 1], r"`lengths` array must be sorted in decreasing order.*enforce_sorted=False"),
])
def test_pack_padded_sequence_errors(lengths, message):
    with pytest.raises(RuntimeError, match=message):
        rnn.pack_padded_sequence(ember.zeros(5, 3, 2), lengths)


def test_pack_and_pad_argument_errors():
    with pytest.raises(RuntimeError, match=r"expected a padded input of shape \(T, B, \*\)"):
        rnn.pack_padded_sequence(ember.zeros(5), [5])
    packed = rnn.pack_sequence([ember.ones(3, 2)])
    with pytest.raises(ValueError, match=r"total_length=2 and max sequence length being 3"):
        rnn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(TypeError, match=r"batch_sizes is required"):
        rnn.PackedSequence(ember.ones(3, 2))


def _run_doctests(module):
    names = {name: getattr(module, name) for name in module.__all__}
    result = doctest.testmod(module, extraglobs={"ember": ember, "nn": ember.nn,
                                                 "F": ember.nn.functional, **names})
    assert result.failed == 0 and result.attempted > 0


def test_docstring_examples():
    _run_doctests(sys.modules["ember.nn.utils.rnn"])
