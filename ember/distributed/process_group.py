"""The process group: which MPI processes train together, and this one's place among them."""

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized",
           "get_rank", "get_world_size"]

_state = {"comm": None}

_INSTALL = ("install mpi4py and an MPI library: pip install 'ember[distributed]' mpich (or use "
            "your cluster's MPI with mpi4py built against it)")


def is_available():
    """Whether mpi4py can be imported (distributed training needs it)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init_process_group(backend="mpi", **kwargs):
    """Join the processes started by ``mpirun`` (MPI's COMM_WORLD); without mpirun, a group of one.

    ``backend`` must be ``'mpi'``; PyTorch's other arguments (``init_method``, ``world_size``,
    ``rank``...) are not needed: MPI knows them."""
    if backend not in ("mpi", None):
        raise ValueError(f"init_process_group: ember distributes over MPI only; got backend={backend!r}, "
                         "use backend='mpi' (the default) and start the script with mpirun -n N")
    unknown = set(kwargs) - {"init_method", "world_size", "rank", "timeout", "store", "group_name"}
    if unknown:
        raise TypeError(f"init_process_group: unexpected arguments {sorted(unknown)}")
    if _state["comm"] is not None:
        raise RuntimeError("init_process_group: the process group is already initialised; call "
                           "destroy_process_group() first to start again")
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(f"init_process_group: mpi4py is not installed; {_INSTALL}") from None
    comm = MPI.COMM_WORLD
    for name in ("world_size", "rank"):
        given = kwargs.get(name)
        actual = comm.Get_size() if name == "world_size" else comm.Get_rank()
        if given is not None and given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given} but MPI started this process with "
                             f"{name}={actual}; leave {name} out (mpirun -n N sets it)")
    _state["comm"] = comm


def destroy_process_group():
    """Leave the process group (MPI itself finalizes when the program exits)."""
    _state["comm"] = None


def is_initialized():
    return _state["comm"] is not None


def comm():
    """The MPI communicator, or a clear error when init_process_group() was not called."""
    if _state["comm"] is None:
        raise RuntimeError("Default process group has not been initialized: call "
                           "ember.distributed.init_process_group() first (and start the script with "
                           "mpirun -n N python script.py)")
    return _state["comm"]


def get_rank():
    """This process's rank, 0 to world_size - 1."""
    return comm().Get_rank()


def get_world_size():
    """How many processes train together."""
    return comm().Get_size()
