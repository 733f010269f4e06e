"""Data parallelism: every rank holds the whole model and a share of each batch; after each
``backward()`` the gradients are averaged over the ranks, so every rank takes the same step."""

import contextlib

import numpy as np

from ember.autograd.engine import queue_callback
from ember.backend import array_module
from ember.distributed.collectives import _host, broadcast
from ember.distributed.process_group import comm
from ember.nn.modules.module import Module
from ember.tensor.tensor import Tensor

__all__ = ["DistributedDataParallel", "GradientAverager", "sync_module_states"]


def sync_module_states(module, src=0):
    """Give every rank rank ``src``'s parameters and buffers (one broadcast each)."""
    for t in list(module.parameters()) + [b for b in module.buffers() if b is not None]:
        broadcast(t, src)


class GradientAverager:
    """Averages the ``.grad`` of ``parameters`` over the ranks once per backward pass.

    A hook on each parameter notices that a backward pass reached it and queues one callback
    for the end of that pass (``ember.autograd.engine.queue_callback``); the callback packs every
    gradient into one buffer per dtype, sums the buffers over the ranks with one MPI all-reduce
    each, and writes the averages back. A parameter that got no gradient on a rank counts as
    zeros there, and every rank ends with the same gradients (None only where no rank had one).
    """

    def __init__(self, parameters):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.enabled = True
        self._queued = False
        self._handles = [p.register_hook(self._hook) for p in self.parameters]

    def _hook(self, grad):
        if self.enabled and not self._queued:
            self._queued = True
            queue_callback(self.average)
        return None

    def average(self):
        """Average the current gradients now (the end-of-backward callback calls this)."""
        self._queued = False
        world = comm().Get_size()
        by_dtype = {}
        for p in self.parameters:
            by_dtype.setdefault(np.dtype(p._data.dtype), []).append(p)
        from mpi4py import MPI

        for dtype, params in by_dtype.items():
            sizes = [p._data.size for p in params]
            total = sum(sizes)
            flat = np.zeros(total + len(params), dtype)  # the gradients, then a has-gradient flag each
            offset = 0
            for i, (p, n) in enumerate(zip(params, sizes)):
                if p.grad is not None:
                    flat[offset:offset + n] = _host(p.grad._data).reshape(-1)
                    flat[total + i] = 1
                offset += n
            comm().Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
            flat[:total] /= world
            offset = 0
            for i, (p, n) in enumerate(zip(params, sizes)):
                if flat[total + i]:
                    _set_grad(p, flat[offset:offset + n].reshape(p.shape))
                offset += n

    def remove(self):
        """Stop averaging (remove the hooks)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []


def _set_grad(p, values):
    xp = array_module(p._data)
    values = values if xp is np else xp.asarray(values)
    if p.grad is not None and p.grad.shape == p.shape and not p.grad.requires_grad:
        p.grad._data[...] = values
    else:
        p.grad = Tensor._make(values.copy() if xp is np else values, False, None, 0)


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the MPI ranks (PyTorch's DDP).

    On construction every rank receives rank 0's parameters and buffers; during training the
    buffers (BatchNorm's running statistics) are broadcast from rank 0 before each forward pass
    (``broadcast_buffers=True``), and each ``backward()`` ends with the gradients averaged over
    the ranks. ``with ddp.no_sync():`` accumulates gradients locally (gradient accumulation); the
    first backward after it averages what has accumulated. The wrapped model is ``ddp.module``,
    whose ``state_dict()`` has the original keys (the wrapper's has ``module.`` in front).

    Launched as ``mpirun -n 2 python train.py``::

        dist.init_process_group()
        model = dist.DistributedDataParallel(Net())
        loader = DataLoader(data, batch_size=32, sampler=dist.DistributedSampler(data))
        for x, y in loader:  # the usual loop: zero_grad, loss.backward(), step
            ...
    """

    def __init__(self, module, device_ids=None, broadcast_buffers=True, find_unused_parameters=False,
                 **kwargs):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got {type(module).__name__}")
        comm()  # a clear error when init_process_group() was not called
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        sync_module_states(module)
        self._averager = GradientAverager(module.parameters())

    def forward(self, *args, **kwargs):
        if self.broadcast_buffers and self.training:
            for b in self.module.buffers():
                if b is not None:
                    broadcast(b, 0)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward passes keep their gradients local (no averaging)."""
        previous = self._averager.enabled
        self._averager.enabled = False
        try:
            yield
        finally:
            self._averager.enabled = previous
