"""``ember.distributed``: data-parallel training on MPI (mpi4py), as PyTorch's ``torch.distributed``.

Launch one process per worker with ``mpirun -n N python train.py``; in the script call
``init_process_group()``, wrap the model in ``DistributedDataParallel`` (every rank starts from
rank 0's weights; gradients are averaged over the ranks at the end of each ``backward()``) and
read a ``DistributedSampler``'s share of the data. A compiled Keras-style model needs none of
that: its ``fit`` shards array data over the ranks, averages the gradients and the logged
metrics, and prints its progress on rank 0 only.
"""

from ember.data.sampler import DistributedSampler  # noqa: F401
from ember.distributed.collectives import ReduceOp, all_reduce, barrier, broadcast  # noqa: F401
from ember.distributed.ddp import DistributedDataParallel, GradientAverager, sync_module_states  # noqa: F401
from ember.distributed.process_group import (  # noqa: F401
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)
