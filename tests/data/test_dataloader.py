"""DataLoader in the main process (num_workers=0): batching, order, seeding, resume, arguments.
Worker processes are tested in test_workers.py."""

import doctest

import numpy as np
import pytest

import ember
import ember.data
from ember.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
)
from ember.data import dataloader as dataloader_module
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")


class Augmented(Dataset):
    """Sample i is ``rand(3) + i``: its random draws show how the generator was seeded."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.rand(3) + i, i


class Plain(Dataset):
    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _values(batches):
    """Batches as nested lists (comparable with ==)."""
    out = []
    for b in batches:
        if isinstance(b, (list, tuple)):
            out.append([x.tolist() if hasattr(x, "tolist") else x for x in b])
        else:
            out.append(b.tolist() if hasattr(b, "tolist") else b)
    return out


def test_batches_in_order_with_a_short_last_one():
    loader = DataLoader(Plain(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(y) for _, y in batches] == [4, 4, 2]
    x, y = batches[0]
    assert x.shape == (4, 2) and x.dtype == ember.float32 and y.tolist() == [0, 1, 2, 3]
    assert [len(y) for _, y in DataLoader(Plain(10), batch_size=4, drop_last=True)] == [4, 4]
    assert len(DataLoader(Plain(10), batch_size=4, drop_last=True)) == 2


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=1)])
def test_batches_match_torch(kwargs):
    ours = DataLoader(Plain(7), **kwargs)
    ref = torch.utils.data.DataLoader(Plain(7), **kwargs)
    assert _values(ours) == _values(ref) and len(ours) == len(ref)
    torch_stream = type("TorchStream", (torch.utils.data.IterableDataset,),
                        {"__init__": Stream.__init__, "__iter__": Stream.__iter__, "__len__": Stream.__len__})
    stream_ours = DataLoader(Stream(7), **kwargs)
    stream_ref = torch.utils.data.DataLoader(torch_stream(7), **kwargs)
    assert _values(stream_ours) == _values(stream_ref) and len(stream_ours) == len(stream_ref)


def test_batch_size_none_yields_single_converted_samples():
    samples = list(DataLoader(Plain(3), batch_size=None))
    assert len(samples) == 3
    x, y = samples[2]
    assert isinstance(x, ember.Tensor) and x.shape == (2,) and y == 2  # NumPy -> tensor, int stays


def test_samplers_and_batch_samplers():
    loader = DataLoader(Plain(6), batch_size=2, sampler=[5, 3, 1])
    assert [y.tolist() for _, y in loader] == [[5, 3], [1]]
    loader = DataLoader(Plain(6), batch_sampler=[[0, 5], [2]])
    assert [y.tolist() for _, y in loader] == [[0, 5], [2]] and loader.batch_size is None
    loader = DataLoader(Plain(6), batch_sampler=BatchSampler(SequentialSampler(range(6)), 4, True))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3]]


def test_dataset_with_getitems_fetches_whole_batches():
    class Batched(Plain):
        calls = []

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [self[i] for i in indices]

    ds = Batched(5)
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert ds.calls == [[0, 1], [2, 3], [4]]


def test_shuffle_is_reproducible_and_changes_every_epoch():
    ember.manual_seed(0)
    loader = DataLoader(Plain(20), batch_size=5, shuffle=True)
    first, second = _values(loader), _values(loader)
    assert first != second
    assert sorted(sum((b[1] for b in first), [])) == list(range(20))
    ember.manual_seed(0)
    assert _values(loader) == first
    g = ember.Generator().manual_seed(1)
    by_generator = _values(DataLoader(Plain(20), batch_size=5, shuffle=True, generator=g))
    g.manual_seed(1)
    assert _values(DataLoader(Plain(20), batch_size=5, shuffle=True, generator=g)) == by_generator


def test_a_loader_with_its_own_generator_leaves_the_global_one_alone():
    state = ember.random.get_rng_state().numpy().copy()
    g = ember.Generator().manual_seed(1)
    list(DataLoader(Augmented(), batch_size=3, shuffle=True, generator=g))
    np.testing.assert_array_equal(ember.random.get_rng_state().numpy(), state)


def test_per_sample_seeding_does_not_leak_into_the_training_loop():
    # The loader draws once per epoch from the global generator (the base seed; the shuffled
    # order is drawn from a generator seeded by one more draw); per-sample seeding is undone.
    ember.manual_seed(0)
    draws_random = [ember.rand(1).item() for _ in DataLoader(Augmented(), batch_size=3)]
    ember.manual_seed(0)
    draws_plain = [ember.rand(1).item() for _ in DataLoader(Plain(), batch_size=3)]
    assert draws_random == draws_plain
    initial = ember.random.initial_seed()
    list(DataLoader(Augmented(), batch_size=3))
    assert ember.random.initial_seed() == initial


def test_augmentation_depends_only_on_the_epoch_seed_and_the_sample():
    def per_sample(batch_size):
        ember.manual_seed(4)
        rows = {}
        for x, y in DataLoader(Augmented(), batch_size=batch_size):
            rows.update({i: r for i, r in zip(y.tolist(), x.numpy().tolist())})
        return rows

    by_twos = per_sample(2)
    assert by_twos == per_sample(5)
    assert len({tuple(np.round(np.array(r) - i, 6)) for i, r in by_twos.items()}) == 10  # all differ


def test_resume_mid_epoch_gives_exactly_the_remaining_batches():
    ember.manual_seed(0)
    loader = DataLoader(Augmented(12), batch_size=2, shuffle=True)
    epoch0, epoch1 = _values(loader), _values(loader)

    ember.manual_seed(0)
    loader = DataLoader(Augmented(12), batch_size=2, shuffle=True)
    it = iter(loader)
    seen = [next(it) for _ in range(3)]
    state, rng = loader.state_dict(), ember.random.get_rng_state()
    assert _values(seen) == epoch0[:3]
    assert state["epoch"] == 0 and state["position"] == 3 and len(state["rng_state"]) == 40
    del it

    ember.manual_seed(123)  # a new process: other seeds, until the checkpoint is restored
    resumed = DataLoader(Augmented(12), batch_size=2, shuffle=True)
    ember.random.set_rng_state(rng)
    resumed.load_state_dict(state)
    assert resumed.state_dict() == state
    assert _values(resumed) == epoch0[3:]
    assert resumed.state_dict()["epoch"] == 1 and resumed.state_dict()["position"] == 0
    assert _values(resumed) == epoch1


def test_resume_with_an_own_generator():
    loader = DataLoader(Augmented(10), batch_size=3, shuffle=True, generator=ember.Generator().manual_seed(5))
    full = _values(loader) + _values(loader)

    loader = DataLoader(Augmented(10), batch_size=3, shuffle=True, generator=ember.Generator().manual_seed(5))
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    resumed = DataLoader(Augmented(10), batch_size=3, shuffle=True, generator=ember.Generator())
    resumed.load_state_dict(state)
    assert _values(resumed) + _values(resumed) == full[1:]


def test_resume_between_epochs_and_of_an_iterable_dataset():
    loader = DataLoader(Plain(4), batch_size=2)
    list(loader)
    assert loader.state_dict() == {"epoch": 1, "position": 0, "rng_state": None, "generator_state": None}
    stream = DataLoader(Stream(7), batch_size=2)
    it = iter(stream)
    next(it), next(it)
    resumed = DataLoader(Stream(7), batch_size=2)
    resumed.load_state_dict(stream.state_dict())
    assert _values(resumed) == [[4, 5], [6]]


def test_an_abandoned_iterator_does_not_move_the_count():
    loader = DataLoader(Plain(6), batch_size=2)
    old = iter(loader)
    next(old)
    new = iter(loader)
    next(new)
    list(old)
    assert loader.state_dict()["epoch"] == 0 and loader.state_dict()["position"] == 1


def test_load_state_dict_errors():
    loader = DataLoader(Plain(4))
    with pytest.raises(ValueError, match=r"the state dict lacks \['position', 'rng_state', "
                                         r"'generator_state'\]; pass a dict returned by "
                                         "DataLoader.state_dict"):
        loader.load_state_dict({"epoch": 0})
    with pytest.raises(ValueError, match="position should be a non-negative integer, got -1"):
        loader.load_state_dict({"epoch": 0, "position": -1, "rng_state": None, "generator_state": None})


def test_iterable_dataset_in_the_main_process():
    assert _values(DataLoader(Stream(5), batch_size=2)) == [[0, 1], [2, 3], [4]]
    assert _values(DataLoader(Stream(5), batch_size=2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(DataLoader(Stream(5), batch_size=2)) == 3
    assert len(DataLoader(Stream(5), batch_size=2, drop_last=True)) == 2


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(num_workers=-1), ValueError, "num_workers should be non-negative, got num_workers=-1; use "
                                       "num_workers=0"),
    (dict(batch_size=0), ValueError, "batch_size should be a positive integer value, but got batch_size=0"),
    (dict(shuffle=True, sampler=[0, 1]), ValueError, "sampler option is mutually exclusive with shuffle"),
    (dict(timeout=-1), ValueError, "timeout should be non-negative, got timeout=-1"),
    (dict(prefetch_factor=2), ValueError, "prefetch_factor only applies to worker processes"),
    (dict(num_workers=1, prefetch_factor=0), ValueError, "prefetch_factor should be a positive integer, "
                                                         "got prefetch_factor=0"),
    (dict(persistent_workers=True), ValueError, "persistent_workers=True needs worker processes"),
    (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually exclusive with "
                                                          "batch_size, shuffle, sampler, and drop_last"),
    (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables auto-batching"),
    (dict(multiprocessing_context="spawn"), ValueError, "multiprocessing_context can only be used with "
                                                        r"multi-process loading \(num_workers > 0\)"),
    (dict(num_workers=1, multiprocessing_context="teleport"), ValueError,
     "multiprocessing_context option should specify a valid start method in .*, but got "
     "multiprocessing_context='teleport'"),
    (dict(num_workers=1, multiprocessing_context=3), TypeError,
     "multiprocessing_context option should be a valid context object"),
])
def test_argument_errors_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Plain(4), **kwargs)


@pytest.mark.parametrize("name, value", [("shuffle", True), ("sampler", [0]), ("batch_sampler", [[0]])])
def test_iterable_dataset_refuses_ordering_arguments(name, value):
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: expected unspecified {name} "
                                         f"option, but got {name}="):
        DataLoader(Stream(3), **{name: value})


def test_settings_are_fixed_after_construction():
    loader = DataLoader(Plain(4))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is "
                                         "initialized"):
        loader.batch_size = 2
    loader.num_workers = 0  # not a fixed one, as in PyTorch


def test_pin_memory_warns_without_a_gpu():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    loader = DataLoader(Plain(4), pin_memory=True)  # as in PyTorch, the warning comes with iter()
    with pytest.warns(UserWarning, match="pin_memory=True has no effect: no CUDA device was found"):
        assert len(list(loader)) == 4


def test_ember_utils_data_is_ember_data():
    import ember.utils.data

    assert ember.utils.data.DataLoader is DataLoader
    assert ember.utils.data.TensorDataset is TensorDataset
    assert ember.utils.data.get_worker_info is ember.data.get_worker_info
    assert ember.utils.data.transforms is ember.data.transforms
    assert ember.utils.data.datasets is ember.data.datasets


def test_docstring_examples():
    result = doctest.testmod(dataloader_module, extraglobs={"ember": ember})
    assert result.attempted >= 2 and result.failed == 0
