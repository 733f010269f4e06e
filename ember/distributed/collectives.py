"""Collective operations on tensors, in place as in PyTorch: every rank calls each one in the same
order. GPU tensors travel through host memory (MPI reads NumPy arrays)."""

import enum

import numpy as np

from ember.backend import array_module
from ember.distributed.process_group import comm
from ember.ops.inplace import bump_version
from ember.tensor.tensor import Tensor

__all__ = ["ReduceOp", "all_reduce", "broadcast", "barrier"]


class ReduceOp(enum.Enum):
    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


def _mpi_op(op):
    from mpi4py import MPI

    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]


def _check(op_name, tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op_name}: expected a Tensor, got {type(tensor).__name__}")


def _host(array):
    """A C-contiguous NumPy array with ``array``'s values (``array`` itself when it is one)."""
    if type(array) is np.ndarray and array.flags.c_contiguous:
        return array
    if type(array) is np.ndarray:
        return np.ascontiguousarray(array)
    return array_module(array).asnumpy(array)


def _write_back(tensor, host, op_name):
    if host is not tensor._data:
        xp = array_module(tensor._data)
        tensor._data[...] = host if xp is np else xp.asarray(host)
    bump_version(tensor, op_name)  # an in-place change: saved copies of the old value go stale


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replace ``tensor`` on every rank by the reduction (sum by default) over the ranks."""
    _check("all_reduce", tensor)
    if async_op:
        raise ValueError("all_reduce: async_op=True is not supported; the call returns when done")
    if op is ReduceOp.AVG and tensor._data.dtype.kind != "f":
        raise TypeError(f"all_reduce: ReduceOp.AVG needs a floating tensor, got {tensor.dtype}")
    from mpi4py import MPI

    host = _host(tensor._data)
    comm().Allreduce(MPI.IN_PLACE, host, op=_mpi_op(op))
    if op is ReduceOp.AVG:
        host /= comm().Get_size()
    _write_back(tensor, host, "all_reduce")


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank."""
    _check("broadcast", tensor)
    if async_op:
        raise ValueError("broadcast: async_op=True is not supported; the call returns when done")
    size = comm().Get_size()
    if not 0 <= src < size:
        raise ValueError(f"broadcast: src={src} is not a rank of this group of {size} processes")
    host = _host(tensor._data)
    comm().Bcast(host, root=src)
    _write_back(tensor, host, "broadcast")


def barrier(group=None):
    """Wait until every rank has called barrier()."""
    comm().Barrier()
