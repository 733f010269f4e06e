"""DataLoader with worker processes: order, reproducibility, errors, timeouts, shutdown."""

import gc
import multiprocessing
import os
import random
import time

import numpy as np
import pytest

import ember
import ember.data
from ember.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")
# Lambdas and local functions reach workers only by fork (spawn pickles them).
needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the test passes a local function to the workers")


class Augmented(Dataset):
    """Sample i is ``rand(3) + i``: its random draws show how the generator was seeded."""

    def __init__(self, n=12):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return ember.rand(3) + i, i


class SlowFirst(Dataset):
    """The first batch takes longest, so later batches come back from the workers first."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i < 2:
            time.sleep(0.2)
        return i


class WhoAmI(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"pid": os.getpid(), "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "python": random.random(), "numpy": float(np.random.random()),
                "same_dataset_type": type(info.dataset) is WhoAmI}


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3:
            raise ValueError(f"bad sample {i}")
        return i


class NeedsTwoArguments(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class FailingOddly(Failing):
    def __getitem__(self, i):
        raise NeedsTwoArguments(1, 2)


class Sleepy(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(30)
        return i


class Crashing(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


class Pid(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return os.getpid()


class SplitRange(IterableDataset):
    """0 .. n-1, each worker taking every num_workers-th number (PyTorch's documented recipe)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


class Unsplit(IterableDataset):
    def __iter__(self):
        return iter(range(3))


def _values(batches):
    return [[x.tolist() if hasattr(x, "tolist") else x for x in b] if isinstance(b, (list, tuple))
            else b.tolist() for b in batches]


def _assert_stopped(workers):
    assert workers and all(w.exitcode is not None for w in workers)
    assert not set(multiprocessing.active_children()) & set(workers)


@pytest.mark.parametrize("shuffle", [False, True])
def test_same_batches_and_augmentation_whatever_num_workers(shuffle):
    runs = {}
    for num_workers in (0, 1, 2):
        ember.manual_seed(7)
        loader = DataLoader(Augmented(), batch_size=3, shuffle=shuffle, num_workers=num_workers)
        runs[num_workers] = [_values(loader), _values(loader)]  # two epochs
        runs[num_workers].append(ember.rand(2).tolist())  # the global generator after them
    assert runs[0] == runs[1] == runs[2]
    epoch0, epoch1, _ = runs[0]
    assert epoch0 != epoch1
    with_generator = [
        _values(DataLoader(Augmented(), batch_size=3, shuffle=True, num_workers=n,
                           generator=ember.Generator().manual_seed(3))) for n in (0, 2)]
    assert with_generator[0] == with_generator[1]


def test_batches_come_back_in_order():
    loader = DataLoader(SlowFirst(), batch_size=2, num_workers=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]


@needs_fork
def test_worker_info_seeds_and_worker_init_fn():
    calls = multiprocessing.get_context("fork").Queue()
    ember.manual_seed(0)
    loader = DataLoader(WhoAmI(), batch_size=None, num_workers=2,
                        worker_init_fn=lambda worker_id: calls.put((worker_id, get_worker_info().id)))
    samples = list(loader)
    assert sorted(calls.get(timeout=5) for _ in range(2)) == [(0, 0), (1, 1)]
    by_worker = {s["id"]: s for s in samples}
    assert set(by_worker) == {0, 1} and len({s["pid"] for s in samples}) == 2
    assert os.getpid() not in {s["pid"] for s in samples}
    assert all(s["num_workers"] == 2 and s["same_dataset_type"] for s in samples)
    assert by_worker[1]["seed"] == by_worker[0]["seed"] + 1  # base seed + worker id, as PyTorch
    assert by_worker[0]["python"] != by_worker[1]["python"]  # Python's and NumPy's generators
    assert by_worker[0]["numpy"] != by_worker[1]["numpy"]  # are seeded per worker too
    assert get_worker_info() is None


def test_worker_exception_carries_its_traceback_and_batch():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 1 while fetching batch 1 (sample indices [2, 3])" \
        in message
    assert "Original Traceback (most recent call last)" in message
    assert 'raise ValueError(f"bad sample {i}")' in message and "ValueError: bad sample 3" in message


def test_worker_exception_of_an_unbuildable_type_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="Caught NeedsTwoArguments in DataLoader worker process 0"):
        next(iter(DataLoader(FailingOddly(), batch_size=2, num_workers=1)))


@needs_fork
def test_worker_init_fn_error_is_reported():
    def init(worker_id):
        raise KeyError("no such resource")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0 while starting "
                                       r"\(in worker_init_fn or iter\(dataset\)\)"):
        next(iter(DataLoader(Failing(), batch_size=2, num_workers=1, worker_init_fn=init)))


def test_timeout_fires_on_a_slow_dataset_and_stops_the_workers():
    it = iter(DataLoader(Sleepy(), batch_size=2, num_workers=1, timeout=0.3))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds waiting for batch 0 "
                                           r"\(sample indices \[0, 1\]\) from worker 0"):
        next(it)
    assert time.monotonic() - start < 10
    _assert_stopped(it._pool.workers)


def test_a_dead_worker_is_reported():
    it = iter(DataLoader(Crashing(), batch_size=2, num_workers=1))
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+, exit code 3\) exited "
                                           "unexpectedly while the loader waited for batch 0"):
        next(it)
    _assert_stopped(it._pool.workers)


def test_early_break_joins_the_workers():
    it = iter(DataLoader(Augmented(40), batch_size=2, num_workers=2))
    for _ in it:
        break
    workers = it._pool.workers
    assert all(w.is_alive() for w in workers)
    del it
    _assert_stopped(workers)


def test_workers_stop_after_the_epoch_and_when_the_loader_is_collected():
    it = iter(DataLoader(Augmented(6), batch_size=2, num_workers=2))
    list(it)
    _assert_stopped(it._pool.workers)
    loader = DataLoader(Augmented(6), batch_size=2, num_workers=2, persistent_workers=True)
    list(loader)
    workers = loader._iterator._pool.workers
    assert all(w.is_alive() for w in workers)
    del loader
    gc.collect()
    _assert_stopped(workers)


def test_persistent_workers_are_reused():
    persistent = DataLoader(Pid(), batch_size=2, num_workers=2, persistent_workers=True)
    first, second = set(sum(_values(persistent), [])), set(sum(_values(persistent), []))
    assert first == second and len(first) == 2 and os.getpid() not in first
    fresh = DataLoader(Pid(), batch_size=2, num_workers=2)
    assert not set(sum(_values(fresh), [])) & set(sum(_values(fresh), []))


def test_persistent_workers_after_an_abandoned_epoch():
    ember.manual_seed(1)
    reference = DataLoader(Augmented(20), batch_size=2, shuffle=True)
    expected = [_values(reference)[:1], _values(reference)]
    ember.manual_seed(1)
    loader = DataLoader(Augmented(20), batch_size=2, shuffle=True, num_workers=2, persistent_workers=True,
                        prefetch_factor=3)
    it = iter(loader)
    first = _values([next(it)])  # the workers have more batches of this epoch in flight
    assert [first, _values(loader)] == expected


def test_prefetch_factor_bounds_the_batches_in_flight():
    it = iter(DataLoader(Augmented(40), batch_size=1, num_workers=2, prefetch_factor=3))
    assert len(it._tasks) == 6
    next(it)
    assert len(it._tasks) <= 6


def test_resume_with_workers_matches_the_main_process():
    ember.manual_seed(2)
    expected = _values(DataLoader(Augmented(), batch_size=2, shuffle=True))
    ember.manual_seed(2)
    loader = DataLoader(Augmented(), batch_size=2, shuffle=True, num_workers=2)
    it = iter(loader)
    head = _values([next(it), next(it)])
    state = loader.state_dict()
    del it
    resumed = DataLoader(Augmented(), batch_size=2, shuffle=True, num_workers=2)
    resumed.load_state_dict(state)
    assert head + _values(resumed) == expected


def test_batch_size_none_with_workers():
    assert [x.item() for x, _ in DataLoader(TensorDataset(ember.arange(5), ember.zeros(5)),
                                            batch_size=None, num_workers=2)] == [0, 1, 2, 3, 4]


@needs_torch
def test_iterable_dataset_split_across_workers_like_torch():
    ours = _values(DataLoader(SplitRange(9), batch_size=2, num_workers=2))
    def torch_iter(self):
        info = torch.utils.data.get_worker_info()
        return iter(range(info.id, self.n, info.num_workers))

    torch_split = type("TorchSplitRange", (torch.utils.data.IterableDataset,),
                       {"__init__": SplitRange.__init__, "__iter__": torch_iter})
    ref = [b.tolist() for b in torch.utils.data.DataLoader(torch_split(9), batch_size=2, num_workers=2)]
    assert ours == ref
    assert sorted(sum(ours, [])) == list(range(9))


def test_iterable_dataset_with_workers_across_epochs():
    loader = DataLoader(SplitRange(7), batch_size=2, num_workers=3, persistent_workers=True)
    for _ in range(2):
        assert sorted(sum(_values(loader), [])) == list(range(7))
    # a dataset that does not split itself is read once per worker, as in PyTorch
    assert sorted(sum(_values(DataLoader(Unsplit(), batch_size=2, num_workers=2)), [])) == [0, 0, 1, 1, 2, 2]


def test_spawn_start_method_pickles_tensors_and_explains_what_cannot_be_pickled():
    ds = TensorDataset(ember.arange(6), ember.arange(6) * 10)
    loader = DataLoader(ds, batch_size=3, num_workers=1, multiprocessing_context="spawn")
    assert _values(loader) == [[[0, 1, 2], [0, 10, 20]], [[3, 4, 5], [30, 40, 50]]]
    bad = DataLoader(ds, batch_size=3, num_workers=1, multiprocessing_context="spawn",
                     collate_fn=lambda batch: batch)
    with pytest.raises(RuntimeError, match="with the 'spawn' start method the dataset, collate_fn and "
                                           "worker_init_fn are pickled .* Define them at module level"):
        iter(bad)


def test_worker_exception_of_a_local_type_becomes_runtime_error():
    class Local(Exception):
        pass

    class RaisesLocal(Failing):
        def __getitem__(self, i):
            raise Local("made inside a function")

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the dataset is a local class")
    with pytest.raises(RuntimeError, match="(?s)Caught Local in DataLoader worker process 0 .*made inside a "
                                           "function"):
        next(iter(DataLoader(RaisesLocal(), batch_size=2, num_workers=1)))
