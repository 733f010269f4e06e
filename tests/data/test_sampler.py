import doctest
from collections import Counter

import numpy as np
import pytest

import ember
import ember.data
from ember.data import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from ember.data import sampler as sampler_module
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")


def test_sequential_sampler():
    s = SequentialSampler(range(4))
    assert list(s) == [0, 1, 2, 3] and len(s) == 4


def test_random_sampler_is_a_fresh_permutation_each_pass():
    s = RandomSampler(range(50))
    first, second = list(s), list(s)
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))
    assert first != second and len(s) == 50


def test_random_sampler_reproducible_under_manual_seed_and_generator():
    ember.manual_seed(3)
    a = list(RandomSampler(range(20)))
    ember.manual_seed(3)
    assert list(RandomSampler(range(20))) == a
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    assert list(RandomSampler(range(20), generator=g1)) == list(RandomSampler(range(20), generator=g2))
    # a generator of its own leaves the global one alone
    state = ember.random.get_rng_state().numpy().copy()
    list(RandomSampler(range(20), generator=g1))
    np.testing.assert_array_equal(ember.random.get_rng_state().numpy(), state)


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10)
    drawn = list(s)
    assert len(s) == 10 and len(drawn) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]  # whole permutations first
    assert len(set(drawn[8:])) == 2
    with_replacement = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(with_replacement) == 300 and set(with_replacement) == {0, 1, 2}
    assert all(60 < c < 140 for c in Counter(with_replacement).values())


def test_random_sampler_errors_name_the_argument():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got "
                                         "num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40])
    drawn = list(s)
    assert sorted(drawn) == [10, 20, 30, 40] and len(s) == 4
    g = ember.Generator().manual_seed(1)
    assert list(SubsetRandomSampler([1, 2, 3], generator=g)) == \
        list(SubsetRandomSampler([1, 2, 3], generator=ember.Generator().manual_seed(1)))


def test_weighted_random_sampler_follows_the_weights():
    s = WeightedRandomSampler(ember.tensor([1.0, 3.0, 0.0]), num_samples=4000)
    counts = Counter(s)
    assert len(s) == 4000 and counts[2] == 0
    assert counts[1] / counts[0] == pytest.approx(3.0, rel=0.15)
    without = list(WeightedRandomSampler([1, 1, 1, 0], num_samples=3, replacement=False))
    assert sorted(without) == [0, 1, 2]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have "
                                         r"shape \(2, 2\)"):
        WeightedRandomSampler([[1, 2], [3, 4]], 2)
    with pytest.raises(ValueError, match="finite and non-negative with a positive sum"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="finite and non-negative with a positive sum"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="can't draw num_samples=3 without replacement from 2 "
                                         "non-zero weights"):
        WeightedRandomSampler([1, 0, 1], 3, replacement=False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1, 1], -1)


@needs_torch
@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)])
def test_batch_sampler_matches_torch(n, size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), size, drop_last)
    ref = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), size, drop_last)
    assert list(ours) == list(ref) and len(ours) == len(ref)


def test_batch_sampler_errors_name_the_argument():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got "
                                         "batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got "
                                         "batch_size=True"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=None"):
        BatchSampler(range(3), 2, None)


@needs_torch
@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True), (11, 4, False),
                                                    (2, 4, False), (12, 4, True)])
def test_distributed_sampler_matches_torch_without_shuffle(n, replicas, drop_last):
    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        ref = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                                  drop_last=drop_last)
        assert list(ours) == list(ref) and len(ours) == len(ref)


def test_distributed_sampler_shuffles_the_same_on_every_rank():
    ranks = [DistributedSampler(range(20), 4, r, seed=5) for r in range(4)]
    parts = [list(s) for s in ranks]
    assert sorted(sum(parts, [])) == list(range(20))  # a partition: same order on every rank
    for s in ranks:
        s.set_epoch(1)
    assert [list(s) for s in ranks] != parts
    assert list(DistributedSampler(range(20), 4, 0, seed=5)) == parts[0]


def test_distributed_sampler_finds_the_launch(monkeypatch):
    for var in ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(RuntimeError, match="num_replicas and rank were not given and no distributed "
                                           "launch was found"):
        DistributedSampler(range(10))
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "2")
    s = DistributedSampler(range(10), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (3, 2, [2, 5, 8, 1])


def test_distributed_sampler_rank_error():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(10), num_replicas=2, rank=2)


def test_docstring_examples():
    result = doctest.testmod(sampler_module, extraglobs={"ember": ember})
    assert result.attempted >= 6 and result.failed == 0
