import doctest

import numpy as np
import pytest

import ember
import ember.data
from ember.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ember.data import dataset as dataset_module
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_base_classes_name_the_missing_method():
    with pytest.raises(NotImplementedError, match=r"Dataset must define __getitem__\(self, index\)"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match=r"IterableDataset must define __iter__\(self\)"):
        iter(IterableDataset())


def test_tensor_dataset_rows():
    x, y = ember.randn(5, 3), ember.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[2])
    assert yi.item() == 2
    assert ds.tensors == (x, y)
    arrays = TensorDataset(np.zeros((4, 2)), np.arange(4))  # NumPy arrays work too
    assert len(arrays) == 4 and arrays[3][1] == 3


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"same first dim .* got shapes \(5, 3\), \(4,\)"):
        TensorDataset(ember.zeros(5, 3), ember.zeros(4))
    with pytest.raises(ValueError, match=r"same first dim .* got shapes \(\), \(4,\)"):
        TensorDataset(ember.tensor(1.0), ember.zeros(4))
    with pytest.raises(ValueError, match="needs at least one tensor"):
        TensorDataset()


@needs_torch
def test_tensor_dataset_matches_torch():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    ours = TensorDataset(ember.tensor(x))[1:3][0]
    ref = torch.utils.data.TensorDataset(torch.tensor(x))[1:3][0]
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_subset_and_batched_fetch():
    sub = Subset(Squares(10), [9, 2, 4])
    assert len(sub) == 3 and sub[0] == 81 and sub[-1] == 16
    assert sub.__getitems__([0, 2]) == [81, 16]

    class Batched(Squares):
        def __getitems__(self, indices):
            return ["batched"] * len(indices)

    assert Subset(Batched(10), [1, 2]).__getitems__([0, 1]) == ["batched", "batched"]


def test_concat_dataset_indexing():
    ds = ConcatDataset([Squares(3), [10, 11]])
    assert len(ds) == 5 and ds.cumulative_sizes == [3, 5]
    assert [ds[i] for i in range(5)] == [0, 1, 4, 10, 11]
    assert ds[-1] == 11 and ds[-5] == 0
    assert len(Squares(2) + Squares(3)) == 5
    with pytest.raises(ValueError, match="index -6 is out of range for 5 samples"):
        ds[-6]
    with pytest.raises(IndexError, match="index 5 is out of range for 5 samples"):
        ds[5]
    with pytest.raises(ValueError, match="needs at least one dataset"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="dataset 1 is an IterableDataset .*use ChainDataset"):
        ConcatDataset([Squares(2), Count(0, 3)])


def test_chain_dataset():
    chained = Count(0, 2) + Count(5, 7)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [0, 1, 5, 6] and len(chained) == 4
    with pytest.raises(TypeError, match="dataset 1 is a Squares; use ConcatDataset"):
        list(ChainDataset([Count(0, 1), Squares(2)]))


def test_random_split_lengths_partition_the_dataset():
    parts = random_split(range(10), [3, 7], generator=ember.Generator().manual_seed(42))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    again = random_split(range(10), [3, 7], generator=ember.Generator().manual_seed(42))
    assert again[0].indices == parts[0].indices
    other = random_split(range(10), [3, 7], generator=ember.Generator().manual_seed(43))
    assert other[0].indices != parts[0].indices


def test_random_split_fractions_deal_the_remainder_round_robin():
    # floor(0.3 * 11) = 3 and floor(0.7 * 11) = 7: the one left over goes to the first split
    assert [len(p) for p in random_split(range(11), [0.3, 0.7])] == [4, 7]
    assert [len(p) for p in random_split(range(30), [0.3, 0.3, 0.4])] == [9, 9, 12]
    ember.manual_seed(5)
    a = random_split(range(20), [0.5, 0.5])[0].indices
    ember.manual_seed(5)
    assert random_split(range(20), [0.5, 0.5])[0].indices == a


@needs_torch
def test_random_split_sizes_match_torch():
    for n, fractions in [(11, [0.3, 0.7]), (10, [0.25, 0.25, 0.5]), (7, [0.1, 0.2, 0.3, 0.4])]:
        ref = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert [len(p) for p in random_split(range(n), fractions)] == ref


def test_random_split_errors():
    with pytest.warns(UserWarning, match="split 1 is empty"):
        random_split(range(3), [0.9, 0.1])
    with pytest.raises(ValueError, match=r"lengths \[3, 3\] must be non-negative integers summing to "
                                         "the dataset's length 10"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="fraction 1.5 at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])


def test_docstring_examples():
    result = doctest.testmod(dataset_module, extraglobs={"ember": ember})
    assert result.attempted >= 8 and result.failed == 0
