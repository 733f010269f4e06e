import collections
import doctest

import numpy as np
import pytest

import ember
from ember.data import PaddedBatch, default_collate, default_convert, pad_collate
from ember.data import collate as collate_module
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")

Point = collections.namedtuple("Point", ["x", "y"])


def _plain(obj):
    """Nested structure with tensors (ember or torch) turned into (dtype name, values)."""
    if isinstance(obj, ember.Tensor):
        return ("tensor", str(obj.dtype).split(".")[-1], obj.detach().numpy().tolist())
    if torch is not None and isinstance(obj, torch.Tensor):
        return ("tensor", str(obj.dtype).split(".")[-1], obj.numpy().tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: _plain(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return obj


SAMPLE_SETS = {
    "ints": [0, 1, 2],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "int then float": [1, 2.5],
    "strings": ["a", "b"],
    "bytes": [b"a", b"b"],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy int scalars": [np.int32(1), np.int32(2)],
    "numpy arrays": [np.arange(3, dtype=np.int16), np.arange(3, 6, dtype=np.int16)],
    "dicts": [{"a": 1, "b": 2.0, "c": "x"}, {"a": 3, "b": 4.0, "c": "y"}],
    "ordered dicts": [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
    "tuples": [(1, 2.0), (3, 4.0)],
    "lists": [[1, 2], [3, 4]],
    "named tuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [{"p": Point(np.ones(2, np.float32), [1, 2])}, {"p": Point(np.zeros(2, np.float32), [3, 4])}],
}


@needs_torch
@pytest.mark.parametrize("name", list(SAMPLE_SETS))
def test_default_collate_matches_torch(name):
    samples = SAMPLE_SETS[name]
    assert _plain(default_collate(samples)) == _plain(torch.utils.data.default_collate(samples))


@needs_torch
def test_default_collate_stacks_tensors_like_torch():
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    ours = default_collate([(ember.tensor(a), i) for i, a in enumerate(x)])
    ref = torch.utils.data.default_collate([(torch.tensor(a), i) for i, a in enumerate(x)])
    assert _plain(ours) == _plain(ref)
    assert ours[0].shape == (4, 2, 3) and ours[0].dtype == ember.float32


@needs_torch
@pytest.mark.parametrize("name", list(SAMPLE_SETS))
def test_default_convert_matches_torch(name):
    for sample in SAMPLE_SETS[name]:
        assert _plain(default_convert(sample)) == _plain(torch.utils.data.default_convert(sample))


def test_default_collate_dtypes():
    assert default_collate([1.0, 2.0]).dtype == ember.float64  # Python floats: float64, as torch
    assert default_collate([1, 2]).dtype == ember.int64
    assert default_collate([True, False]).dtype == ember.bool
    assert default_collate([np.zeros(2, np.float32)] * 3).dtype == ember.float32


def test_default_collate_keeps_the_graph_and_promotes_mixed_dtypes():
    w = ember.ones(2, requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])
    mixed = default_collate([ember.ones(2, dtype=ember.int64), ember.ones(2, dtype=ember.float32)])
    assert mixed.dtype == ember.float32  # PyTorch's promotion, not NumPy's float64


def test_shape_mismatch_names_the_field_shapes_and_samples():
    batch = [{"image": ember.zeros(3, 4), "label": 0}, {"image": ember.zeros(3, 4), "label": 1},
             {"image": ember.zeros(3, 5), "label": 2}]
    with pytest.raises(RuntimeError, match=r"can't stack batch\['image'\]: sample 0 has shape \(3, 4\) "
                                           r"but sample 2 has shape \(3, 5\).*pad_collate.*collate_fn"):
        default_collate(batch)
    with pytest.raises(RuntimeError, match=r"can't stack batch\[0\]: sample 0 has shape \(2,\) but "
                                           r"sample 1 has shape \(3,\)"):
        default_collate([(np.zeros(2), 1), (np.zeros(3), 2)])
    with pytest.raises(RuntimeError, match=r"can't stack batch\[1\].x: sample 0 has shape \(1,\)"):
        default_collate([(0, Point(np.zeros(1), 1)), (1, Point(np.zeros(2), 1))])


def test_structure_errors():
    with pytest.raises(RuntimeError, match=r"batch has 2 elements in sample 0 but 3 in sample 1"):
        default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(TypeError, match=r"batch\['x'\] is a Tensor in sample 0 but NoneType in sample 1"):
        default_collate([{"x": ember.zeros(2)}, {"x": None}])
    with pytest.raises(TypeError, match=r"batch\[1\] is an int in sample 0 but str in sample 1"):
        default_collate([(0, 1), (0, "a")])
    with pytest.raises(KeyError, match=r"sample 1 has no key 'y' in batch "
                                       r"\(sample 0 has keys \['x', 'y'\]\)"):
        default_collate([{"x": 1, "y": 2}, {"x": 1}])
    with pytest.raises(TypeError, match=r"batch must contain tensors, numpy arrays, numbers, dicts or "
                                        r"lists; found <class 'NoneType'> at batch\[0\]"):
        default_collate([(None,), (None,)])
    with pytest.raises(TypeError, match=r"batch holds NumPy arrays of dtype <U1, which can't become tensors"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(ValueError, match="default_collate: the batch is empty"):
        default_collate([])


def test_pad_collate_pads_lengths_and_masks():
    samples = [(ember.tensor([[1.0, 1.0]] * 2), 0), (ember.tensor([[2.0, 2.0]] * 3), 1),
               (ember.tensor([[3.0, 3.0]]), 2)]
    seqs, labels = pad_collate(samples, padding_value=-1)
    assert isinstance(seqs, PaddedBatch)
    assert seqs.data.shape == (3, 3, 2)
    np.testing.assert_array_equal(seqs.data.numpy()[:, :, 0], [[1, 1, -1], [2, 2, 2], [3, -1, -1]])
    assert seqs.lengths.dtype == ember.int64 and seqs.lengths.tolist() == [2, 3, 1]
    assert seqs.mask.dtype == ember.bool
    np.testing.assert_array_equal(seqs.mask.numpy(), [[1, 1, 0], [1, 1, 1], [1, 0, 0]])
    assert labels.tolist() == [0, 1, 2]


@needs_torch
def test_pad_collate_agrees_with_torch_pad_sequence():
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 4)).astype(np.float32) for n in (5, 2, 7)]
    padded = pad_collate([ember.tensor(s) for s in seqs], padding_value=0.5)
    ref = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True,
                                          padding_value=0.5)
    np.testing.assert_array_equal(padded.data.numpy(), ref.numpy())


def test_pad_collate_fields_and_structure():
    samples = [{"tokens": np.array([1, 2, 3]), "image": np.zeros((2, 2), np.float32), "label": 1},
               {"tokens": np.array([4]), "image": np.ones((2, 2), np.float32), "label": 0}]
    out = pad_collate(samples, fields=["tokens"])
    assert isinstance(out["tokens"], PaddedBatch) and out["tokens"].data.tolist() == [[1, 2, 3], [4, 0, 0]]
    assert isinstance(out["image"], ember.Tensor) and out["image"].shape == (2, 2, 2)
    assert out["label"].tolist() == [1, 0]
    # without fields=, every tensor field with a first dim is padded: the structure never depends
    # on whether a batch happens to hold equal lengths
    every = pad_collate(samples)
    assert isinstance(every["image"], PaddedBatch) and every["image"].lengths.tolist() == [2, 2]
    equal = pad_collate([(np.ones(2),), (np.ones(2),)])
    assert isinstance(equal[0], PaddedBatch) and equal[0].mask.numpy().all()


def test_pad_collate_errors():
    with pytest.raises(RuntimeError, match=r"can't pad batch\[0\]: only the first dim may differ, but "
                                           r"sample 0 has shape \(2, 3\) and sample 1 has shape \(4, 2\)"):
        pad_collate([(np.zeros((2, 3)),), (np.zeros((4, 2)),)])
    with pytest.raises(RuntimeError, match=r"only the first dim may differ, but sample 0 has shape \(2,\) "
                                           r"and sample 1 has shape \(\)"):
        pad_collate([np.zeros(2), np.zeros(())])
    with pytest.raises(ValueError, match=r"fields=\['tokenz'\] names \['tokenz'\], which the samples "
                                         r"don't have \(their top-level keys are \['tokens'\]\)"):
        pad_collate([{"tokens": np.zeros(2)}], fields=["tokenz"])
    with pytest.raises(ValueError, match="pad_collate: the batch is empty"):
        pad_collate([])


def test_docstring_examples():
    result = doctest.testmod(collate_module, extraglobs={"ember": ember})
    assert result.attempted >= 3 and result.failed == 0
