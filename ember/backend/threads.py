"""How many threads ember's own parallel loops use: ``ember.get_num_threads()`` / ``set_num_threads``.

BLAS (matrix products) has its own pool; ember uses this count for work NumPy runs on one thread,
such as optimizer updates over many parameters. The default is ``OMP_NUM_THREADS`` when set,
else the number of CPUs.
"""

import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["get_num_threads", "set_num_threads", "parallel_map"]

_state = {"threads": None, "pool": None}


def get_num_threads():
    if _state["threads"] is None:
        env = os.environ.get("OMP_NUM_THREADS", "")
        _state["threads"] = int(env) if env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
    return _state["threads"]


def set_num_threads(n):
    """Use ``n`` threads for ember's parallel loops (and BLAS, when threadpoolctl is installed)."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _state["threads"] = n
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=False)
        _state["pool"] = None
    try:
        import threadpoolctl  # optional: also sizes NumPy's BLAS pool
    except ImportError:
        return
    threadpoolctl.threadpool_limits(n)


def parallel_map(fn, items, work):
    """``fn(item)`` for every item, on ``get_num_threads()`` threads when ``work`` (elements
    touched) is large enough to pay for them; NumPy releases the GIL inside its loops."""
    items = list(items)
    threads = min(get_num_threads(), len(items))
    if threads < 2 or work < 1 << 20:
        for item in items:
            fn(item)
        return
    if _state["pool"] is None:
        _state["pool"] = ThreadPoolExecutor(max_workers=get_num_threads(),
                                            thread_name_prefix="ember")
    for future in [_state["pool"].submit(fn, item) for item in items]:
        future.result()  # re-raises a worker's exception here
