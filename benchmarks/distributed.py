"""Data-parallel scaling of a Keras-style fit on MPI: the LeNet-style CNN of benchmarks/nn.py,
one epoch of 4,096 28x28 samples at a global batch of 64, seconds per epoch (median of 3).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpirun -n 1 python benchmarks/distributed.py
    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 mpirun -n 1 python benchmarks/distributed.py
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 mpirun -n 2 python benchmarks/distributed.py

Each rank trains on its share of the samples with a batch of 64 / ranks, so every run takes the
same optimizer steps on the same global batches.
"""

import statistics
import time

import numpy as np

import ember
import ember.distributed as dist


def main():
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(0)
    L = ember.layers
    model = ember.models.Sequential([
        L.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
        L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4096, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, 4096)
    model.fit(x[:512], y[:512], batch_size=64 // world, verbose=0)  # warm up
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(x, y, batch_size=64 // world, verbose=0)
        times.append(time.perf_counter() - start)
    if rank == 0:
        print(f"{world} rank(s) x {ember.get_num_threads()} thread(s): "
              f"{statistics.median(times):.2f} s per epoch")


if __name__ == "__main__":
    main()
