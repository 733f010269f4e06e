"""Worker processes for ``DataLoader(num_workers > 0)``: starting, feeding, collecting, stopping.

Each worker runs ``_worker_loop``. It reads tasks ``(epoch, number, indices, base_seed)`` from its
own pipe, fetches and collates that batch (``ember/data/fetch.py``, the same code the main process
runs when ``num_workers=0``) and puts ``(epoch, number, kind, body)`` on the result queue that all
workers share: kind ``"batch"`` (body: the pickled batch), ``"error"`` (an ``_ErrorReport`` with
the worker's traceback) or ``"end"`` (an iterable dataset ran out). The DataLoader's iterator
decides which worker makes which batch and puts the batches back in order.
"""

import dataclasses
import io
import os
import pickle
import queue
import random
import sys
import time
import traceback
import weakref

import numpy as np

from ember.backend.random import default_generator
from ember.data.fetch import fetch_iterable, fetch_map
from ember.tensor import Tensor, as_tensor

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool"]

_POLL_S = 0.5  # how often a waiting process checks that its peer is alive and not shutting down
_SHUTDOWN_PATIENCE_S = 2.0  # how long stopping workers may take before they are terminated

_worker_info = None  # set in each worker process


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: its ``id`` (0 .. ``num_workers`` - 1),
    ``num_workers``, the ``seed`` of its generators for this epoch (the epoch's base seed + ``id``),
    and its own copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """A ``WorkerInfo`` in a DataLoader worker process, None in the main process.

    Use it in an ``IterableDataset.__iter__`` to give each worker its own share of the stream,
    or in ``worker_init_fn`` to set up per-worker state.

    >>> ember.data.get_worker_info() is None
    True
    """
    return _worker_info


def _seed_worker(worker_id, num_workers, base_seed, dataset):
    """Seed the worker's generators as PyTorch does: ember's (and Python's) with ``base_seed +
    id``, NumPy's global one from both, so that no two workers draw the same numbers."""
    global _worker_info
    seed = base_seed + worker_id
    default_generator.manual_seed(seed)
    random.seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)


class _Pickler(pickle.Pickler):
    """Pickles ember tensors as their arrays. Tensors refuse plain pickle (loading a pickle can
    run code); between a DataLoader and its own worker processes the bytes never leave the program."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _rebuild_tensor, (obj._data, obj.requires_grad)
        return NotImplemented


def _rebuild_tensor(array, requires_grad):
    return as_tensor(array).requires_grad_(requires_grad)


def dumps(obj):
    """Pickle ``obj`` for a worker or from a worker, tensors included."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


class _Message(str):
    """A message that KeyError shows as it is, not quoted on one line (PyTorch's trick)."""

    def __repr__(self):
        return str(self)


class _ErrorReport:
    """An exception raised in a worker, carried to the main process with its traceback text."""

    def __init__(self, worker_id, where):
        exc_type, exc, _ = sys.exc_info()
        self.type_name = exc_type.__name__
        self.text = "".join(traceback.format_exception(exc))
        self.worker_id = worker_id
        self.where = where
        try:  # the type travels only if it can (a class defined inside a function can't)
            self.exc_type = pickle.loads(pickle.dumps(exc_type))
        except (pickle.PicklingError, AttributeError, TypeError):
            self.exc_type = None

    def reraise(self):
        message = (f"Caught {self.type_name} in DataLoader worker process {self.worker_id} "
                   f"{self.where}.\nOriginal {self.text}")
        if self.exc_type is None:  # a type the main process can't know
            raise RuntimeError(message)
        if issubclass(self.exc_type, KeyError):
            message = _Message(message)
        try:
            error = self.exc_type(message)
        except Exception:  # the type wants other arguments: keep the message, change the type
            error = RuntimeError(message)
        raise error


def describe_batch(number, indices):
    """``batch 3 (sample indices [6, 7])`` for messages (at most 16 indices shown)."""
    if not isinstance(indices, list):
        return f"batch {number} (sample index {indices})"
    if indices and indices[0] is None:  # an iterable dataset's batch has no indices
        return f"batch {number}"
    shown = ", ".join(map(str, indices[:16])) + (", ..." if len(indices) > 16 else "")
    return f"batch {number} (sample indices [{shown}])"


def _worker_loop(worker_id, num_workers, payload, tasks, results, done, current_epoch, epoch,
                 base_seed, parent_pid):
    """The body of a worker process (see the module's docstring)."""
    try:
        if isinstance(payload, bytes):
            payload = pickle.loads(payload)
        dataset, iterable, auto_collation, collate_fn, drop_last, worker_init_fn = payload
        _seed_worker(worker_id, num_workers, base_seed, dataset)
        pending = None  # an error in worker_init_fn or iter(dataset), reported with the next batch
        dataset_iter = None
        try:
            if worker_init_fn is not None:
                worker_init_fn(worker_id)
            if iterable:
                dataset_iter = iter(dataset)
        except Exception:
            pending = _ErrorReport(worker_id, "while starting (in worker_init_fn or iter(dataset))")
        ended = False
        while True:
            if not tasks.poll(_POLL_S):
                if done.is_set() or os.getppid() != parent_pid:
                    return  # shutting down, or the main process died
                continue
            try:
                task = tasks.recv()
            except (EOFError, OSError):  # the main process closed the pipe
                return
            if task is None:
                return
            task_epoch, number, indices, task_seed = task
            if done.is_set() or task_epoch != current_epoch.value:
                continue  # left over from an epoch that was abandoned
            if task_epoch != epoch:  # persistent workers: a new epoch starts as fresh workers would
                epoch, ended = task_epoch, False
                _seed_worker(worker_id, num_workers, task_seed, dataset)
                try:
                    dataset_iter = iter(dataset) if iterable else None
                except Exception:
                    pending = _ErrorReport(worker_id, "while starting an epoch (in iter(dataset))")
            if ended:
                continue
            if pending is not None:
                results.put((epoch, number, "error", pending))
                pending = None
                continue
            try:
                if iterable:
                    batch = fetch_iterable(dataset_iter, indices, auto_collation, collate_fn, drop_last)
                else:
                    batch = fetch_map(dataset, indices, task_seed, auto_collation, collate_fn)
                results.put((epoch, number, "batch", dumps(batch)))
            except Exception as e:
                if iterable and isinstance(e, StopIteration):
                    ended = True
                    results.put((epoch, number, "end", None))
                else:
                    where = "while fetching " + describe_batch(number, indices)
                    results.put((epoch, number, "error", _ErrorReport(worker_id, where)))
    except KeyboardInterrupt:
        pass  # the main process sees Ctrl-C too, and stops the workers
    finally:
        if done.is_set():
            results.cancel_join_thread()  # don't wait to flush results nobody will read


def _stop(workers, task_pipes, results, done, patience):
    """Stop the workers: signal, wait up to ``patience`` seconds, then terminate the rest."""
    done.set()
    for pipe in task_pipes:
        try:
            pipe.send(None)
        except OSError:  # the worker is gone already
            pass
        pipe.close()
    deadline = time.monotonic() + patience
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.is_alive():
            w.terminate()
            w.join()
    results.cancel_join_thread()
    results.close()


class WorkerPool:
    """``num_workers`` processes that fetch batches of one dataset.

    Args:
        context: a ``multiprocessing`` context (fork, spawn or forkserver).
        num_workers: how many processes.
        payload: ``(dataset, iterable, auto_collation, collate_fn, drop_last, worker_init_fn)``;
            pickled (tensors included) unless the context forks.
        epoch: the id of the first epoch.
        base_seed: its base seed (each worker's generators start from ``base_seed + id``).

    The workers stop when ``shutdown()`` is called or the pool is garbage collected.
    """

    def __init__(self, context, num_workers, payload, epoch, base_seed):
        if context.get_start_method() != "fork":
            try:
                payload = dumps(payload)
            except (pickle.PicklingError, AttributeError, TypeError) as e:
                raise RuntimeError(
                    f"DataLoader: with the {context.get_start_method()!r} start method the dataset, "
                    f"collate_fn and worker_init_fn are pickled to reach the workers, and that "
                    f"failed: {e}. Define them at module level (no lambdas or local functions).") from e
        self._results = context.Queue()
        self._done = context.Event()
        self._epoch = context.RawValue("q", epoch)
        self._tasks = []
        self.workers = []
        # Registered first, so that workers already started are stopped if a later start fails.
        self._stop = weakref.finalize(self, _stop, self.workers, self._tasks, self._results,
                                      self._done, _SHUTDOWN_PATIENCE_S)
        for worker_id in range(num_workers):
            reader, writer = context.Pipe(duplex=False)
            w = context.Process(target=_worker_loop, daemon=True, name=f"ember DataLoader worker {worker_id}",
                                args=(worker_id, num_workers, payload, reader, self._results, self._done,
                                      self._epoch, epoch, base_seed, os.getpid()))
            w.start()
            reader.close()
            self._tasks.append(writer)
            self.workers.append(w)

    @property
    def alive(self):
        return self._stop.alive

    def set_epoch(self, epoch):
        """Start epoch ``epoch``: workers skip the tasks of earlier epochs still in their pipes."""
        self._epoch.value = epoch

    def put(self, worker_id, task):
        self._tasks[worker_id].send(task)

    def get(self, timeout, waiting_for):
        """The next result of any worker; raises RuntimeError (and stops the pool) when a worker
        died or none came within ``timeout`` seconds (0: wait forever)."""
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            wait = _POLL_S if deadline is None else max(0.0, min(_POLL_S, deadline - time.monotonic()))
            try:
                return self._results.get(timeout=wait)
            except queue.Empty:
                pass
            dead = [(i, w) for i, w in enumerate(self.workers) if not w.is_alive()]
            if dead:
                self.shutdown(patience=0.0)
                which = ", ".join(f"worker {i} (pid {w.pid}, exit code {w.exitcode})" for i, w in dead)
                raise RuntimeError(
                    f"DataLoader {which} exited unexpectedly while the loader waited for {waiting_for}. "
                    "A crash in the dataset or collate_fn, or running out of memory, ends a worker this "
                    "way; run with num_workers=0 to see the error in the main process")
            if deadline is not None and time.monotonic() >= deadline:
                self.shutdown(patience=0.0)
                raise RuntimeError(
                    f"DataLoader timed out after {timeout} seconds waiting for {waiting_for}; the "
                    "dataset is slower than that: raise timeout= (0 waits forever) or speed up "
                    "__getitem__")

    def shutdown(self, patience=_SHUTDOWN_PATIENCE_S):
        """Stop the workers (at most ``patience`` seconds of waiting, then they are terminated)."""
        if self._stop.alive:
            self._stop.detach()
            _stop(self.workers, self._tasks, self._results, self._done, patience)
