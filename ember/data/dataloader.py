"""DataLoader: batches from a dataset, in order, made in the main process or in worker processes."""

import itertools
import multiprocessing
import pickle
import warnings

import numpy as np

from ember.backend.devices import cuda_is_available
from ember.backend.random import default_generator
from ember.data.collate import default_collate, default_convert
from ember.data.dataset import IterableDataset
from ember.data.fetch import fetch_iterable, fetch_map, preserved_rng
from ember.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, draw_seed
from ember.data.worker import WorkerPool, describe_batch

__all__ = ["DataLoader"]

_STATE_KEYS = ("epoch", "position", "rng_state", "generator_state")


class _InfiniteConstantSampler(Sampler):
    """None forever: the 'indices' of an iterable dataset, which has none."""

    def __iter__(self):
        return itertools.repeat(None)


class _Progress:
    """Where a loader is: ``epoch`` (epochs completed), ``position`` (batches delivered in the
    current one), the state of the generator the current epoch drew its seeds from (to replay
    them on resume), a pending ``resume`` from ``load_state_dict``, and a ``token`` naming the
    iterator that owns the current epoch (an abandoned iterator must not move the count)."""

    __slots__ = ("epoch", "position", "epoch_rng_state", "resume", "token")

    def __init__(self):
        self.epoch, self.position, self.epoch_rng_state, self.resume, self.token = 0, 0, None, None, 0


def _context(value, num_workers):
    """The multiprocessing context: ``value`` checked, else fork where the platform has it."""
    if value is None:
        methods = multiprocessing.get_all_start_methods()
        return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if num_workers == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         "(num_workers > 0), but got num_workers=0")
    if isinstance(value, str):
        methods = multiprocessing.get_all_start_methods()
        if value not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                             f"{methods!r}, but got multiprocessing_context={value!r}")
        return multiprocessing.get_context(value)
    if not isinstance(value, multiprocessing.context.BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a string "
                        f"specifying the start method, but got multiprocessing_context={value!r}")
    return value


class DataLoader:
    """Batches of a dataset: sampled, fetched, collated, in the main process or in workers.

    Args:
        dataset: a map-style ``Dataset`` (``[]`` and ``len``) or an ``IterableDataset``.
        batch_size: samples per batch; None turns batching off (each sample is yielded alone,
            NumPy arrays converted to tensors).
        shuffle: a new random order every epoch (map-style datasets only).
        sampler: the order of the indices (excludes ``shuffle``).
        batch_sampler: yields whole lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: 0 loads in the main process; more starts that many worker processes
            (``fork`` where the platform has it, else ``spawn``).
        collate_fn: turns a list of samples into a batch (default ``default_collate``; see also
            ``pad_collate`` for variable-length samples).
        pin_memory: accepted for PyTorch compatibility; ember's host arrays need no pinning.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from the workers before raising (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker once it is seeded.
        multiprocessing_context: a start method name (``"spawn"``...) or a multiprocessing context.
        generator: the ``ember.Generator`` the epoch's seeds are drawn from (default: the global one).
        prefetch_factor: batches each worker prepares ahead (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.

    Reproducibility (where ember goes further than PyTorch): at the start of each epoch one base
    seed is drawn from ``generator`` (as PyTorch does), then the shuffled order. Before fetching
    sample ``i`` of a map-style dataset, in the main process and in workers alike, ember seeds
    the global generator from (the base seed, ``i``) (``ember.data.fetch.sample_states``), so
    random augmentations written with ember's generator (``ember.rand``, transforms) draw the same
    numbers for a sample whatever ``num_workers`` is, and the batches are identical for any
    ``num_workers``. In the main process the global generator is restored after each batch, so
    the training loop's own draws don't depend on the loader either. Workers also seed ember's,
    Python's and NumPy's global generators from ``base seed + worker id`` before
    ``worker_init_fn``, as PyTorch does (NumPy's and Python's global generators are not reseeded
    per sample: use ember's for augmentation). An ``IterableDataset`` has no indices: its draws
    come from those per-worker seeds.

    Resuming: ``state_dict()`` records the epoch, the batches delivered in it and the generator
    state the epoch started from; ``load_state_dict()`` makes the next ``iter(loader)`` replay
    that epoch's order and continue at the next batch (an ``IterableDataset`` is re-read and the
    delivered batches are skipped).

    >>> loader = ember.data.DataLoader(ember.data.TensorDataset(ember.arange(10)), batch_size=4)
    >>> [len(x) for (x,) in loader]
    [4, 4, 2]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False):
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers should be non-negative, got num_workers="
                             f"{num_workers}; use num_workers=0 to load in the main process")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout should be non-negative, got timeout={timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor only applies to worker processes; pass "
                             "num_workers > 0, or leave prefetch_factor=None")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (isinstance(prefetch_factor, bool) or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive integer, got "
                             f"prefetch_factor={prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers=True needs worker processes; pass "
                             "num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} "
                                     f"option, but got {name}={value!r}; an IterableDataset decides its "
                                     "own order (shuffle inside its __iter__)")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle; shuffle "
                             "with a random sampler (e.g. RandomSampler) and drop shuffle=True")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self._context = _context(multiprocessing_context, num_workers)
        self.dataset = dataset
        self.batch_size = batch_size
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.drop_last = drop_last
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._iterator = None
        self._progress = _Progress()
        self._initialized = True

    def __setattr__(self, name, value):
        if self.__dict__.get("_initialized") and name in (
                "batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{name} attribute should not be set after DataLoader is initialized; "
                             "make a new DataLoader")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None or not self._iterator.usable:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator.reset()
        return self._iterator

    def state_dict(self):
        """Where the loader is, to resume an interrupted epoch at its next batch.

        Returns a dict of plain Python values (saveable with ``ember.save``): ``epoch`` (epochs
        completed), ``position`` (batches delivered in the current epoch), ``rng_state`` (the
        state the epoch's generator started from, to replay its order; None between epochs) and
        ``generator_state`` (the current state of the loader's own ``generator``, if it has one).
        """
        p = self._progress
        replay = p.position > 0 and p.epoch_rng_state is not None
        return {"epoch": p.epoch, "position": p.position,
                "rng_state": [int(b) for b in p.epoch_rng_state] if replay else None,
                "generator_state": None if self.generator is None else self.generator.get_state().tolist()}

    def load_state_dict(self, state_dict):
        """Resume from ``state_dict()``: the next ``iter(loader)`` continues that epoch at the batch
        after the last one delivered (the global generator is left as it is: restore it from the
        checkpoint with ``ember.random.set_rng_state``)."""
        missing = [k for k in _STATE_KEYS if k not in state_dict]
        if missing:
            raise ValueError(f"DataLoader.load_state_dict: the state dict lacks {missing}; pass a dict "
                             "returned by DataLoader.state_dict()")
        epoch, position = state_dict["epoch"], state_dict["position"]
        for name, value in (("epoch", epoch), ("position", position)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"DataLoader.load_state_dict: {name} should be a non-negative "
                                 f"integer, got {value!r}")
        if self.generator is not None and state_dict["generator_state"] is not None:
            self.generator.set_state(np.asarray(state_dict["generator_state"], dtype=np.uint8))
        p = self._progress
        rng_state = state_dict["rng_state"]
        p.epoch, p.position = int(epoch), int(position)
        p.epoch_rng_state = None if rng_state is None else np.asarray(rng_state, dtype=np.uint8)
        p.resume = (p.position, p.epoch_rng_state) if p.position else None


class _LoaderIter:
    """What the two iterators share: the start of an epoch (seeds, order, resume) and the count."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._generator = loader.generator
        self._progress = loader._progress
        if loader.pin_memory and not cuda_is_available():
            warnings.warn("DataLoader: pin_memory=True has no effect: no CUDA device was found",
                          UserWarning, stacklevel=3)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)

    def _begin_epoch(self):
        """Draw the epoch's base seed and order; on resume, replay them from the recorded
        generator state and skip the batches already delivered."""
        p = self._progress
        skip, rng_state = p.resume or (0, None)
        p.resume = None
        source = default_generator if self._generator is None else self._generator
        saved = None
        if rng_state is not None:
            if self._generator is None:  # the global generator: replay, then give it back
                saved = (source.initial_seed(), source.get_state())
            source.set_state(rng_state)
        try:
            p.epoch_rng_state = source.get_state()
            self._base_seed = draw_seed(self._generator)
            order = iter(self._index_sampler)
            if not self._iterable:
                for _ in itertools.islice(order, skip):
                    pass
            # Take the first batch of indices now, so that a random sampler draws its order at
            # the start of the epoch, whatever the caller draws before the first next().
            self._sampler_iter = itertools.chain(list(itertools.islice(order, 1)), order)
        finally:
            if saved is not None:
                source.manual_seed(saved[0])
                source.set_state(saved[1])
        p.token += 1
        self._token = p.token
        p.position = skip
        self._discard = skip if self._iterable else 0
        self._finished = False

    def __next__(self):
        if self._finished:
            raise StopIteration
        owner = self._token == self._progress.token
        try:
            while self._discard:
                self._discard -= 1
                self._next_data()
            data = self._next_data()
        except StopIteration:
            self._finished = True
            if owner:
                p = self._progress
                p.epoch, p.position, p.epoch_rng_state = p.epoch + 1, 0, None
            raise
        if owner:
            self._progress.position += 1
        return data


class _SingleProcessIter(_LoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._begin_epoch()
        self._dataset_iter = iter(self._dataset) if self._iterable else None

    def _next_data(self):
        indices = next(self._sampler_iter)
        if self._iterable:
            return fetch_iterable(self._dataset_iter, indices, self._auto_collation, self._collate_fn,
                                  self._drop_last)
        with preserved_rng():
            return fetch_map(self._dataset, indices, self._base_seed, self._auto_collation,
                             self._collate_fn)


class _MultiProcessIter(_LoaderIter):
    """Batches from worker processes, delivered in the sampler's order.

    Batch ``k`` goes to worker ``k mod num_workers`` (skipping workers whose iterable stream has
    ended); at most ``prefetch_factor * num_workers`` batches are in flight; batches that arrive
    early wait in ``_tasks`` until their turn.
    """

    def __init__(self, loader):
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._persistent = loader.persistent_workers
        self._timeout = loader.timeout
        self._epoch_id = 0
        self._begin_epoch()  # first: the workers are seeded from the epoch's base seed
        payload = (loader.dataset, self._iterable, self._auto_collation, loader.collate_fn,
                   loader.drop_last, loader.worker_init_fn)
        self._pool = WorkerPool(loader._context, self._num_workers, payload, self._epoch_id,
                                self._base_seed)
        self._start()

    @property
    def usable(self):
        return self._pool.alive

    def reset(self):
        """A new epoch on the same (persistent) workers."""
        self._epoch_id += 1
        self._pool.set_epoch(self._epoch_id)
        self._begin_epoch()
        self._start()

    def _start(self):
        self._send_idx = self._rcvd_idx = self._next_worker = 0
        self._tasks = {}  # batch number -> [worker id, indices] (+ (kind, body) once it arrived)
        self._active = [True] * self._num_workers
        self._sampler_done = False
        self._fill()

    def _fill(self):
        """Hand out batches until ``prefetch_factor * num_workers`` are in flight."""
        while (not self._sampler_done and any(self._active)
               and len(self._tasks) < self._prefetch_factor * self._num_workers):
            try:
                indices = next(self._sampler_iter)
            except StopIteration:
                self._sampler_done = True
                return
            while not self._active[self._next_worker]:
                self._next_worker = (self._next_worker + 1) % self._num_workers
            worker_id = self._next_worker
            self._next_worker = (worker_id + 1) % self._num_workers
            self._pool.put(worker_id, (self._epoch_id, self._send_idx, indices, self._base_seed))
            self._tasks[self._send_idx] = [worker_id, indices]
            self._send_idx += 1

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx and self._rcvd_idx not in self._tasks:
                self._rcvd_idx += 1  # its worker's stream had ended
            if self._rcvd_idx == self._send_idx:
                if not self._persistent:
                    self._pool.shutdown()
                raise StopIteration
            task = self._tasks[self._rcvd_idx]
            if len(task) == 3:
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
                self._fill()
                kind, body = task[2]
                if kind == "error":
                    body.reraise()
                return pickle.loads(body)
            worker_id, indices = task
            waiting_for = f"{describe_batch(self._rcvd_idx, indices)} from worker {worker_id}"
            epoch, number, kind, body = self._pool.get(self._timeout, waiting_for)
            if epoch != self._epoch_id:
                continue  # a result of an abandoned epoch (persistent workers)
            if kind == "end":  # this worker's part of the iterable dataset is done
                ended = self._tasks[number][0]
                self._active[ended] = False
                for k in [k for k, t in self._tasks.items() if t[0] == ended and len(t) == 2]:
                    del self._tasks[k]
                self._fill()
                continue
            self._tasks[number].append((kind, body))
