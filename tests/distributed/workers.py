"""Programs that tests/distributed/test_mpi.py runs under ``mpirun -n 2``: ``python -m
tests.distributed.workers NAME DIR`` writes what the test checks to DIR/rank<r>.json."""

import json
import sys

import numpy as np

import ember
import ember.distributed as dist


def collectives():
    rank = dist.get_rank()
    t = ember.tensor([1.0, 2.0]) * (rank + 1)
    dist.all_reduce(t)
    m = ember.tensor([float(rank)])
    dist.all_reduce(m, dist.ReduceOp.MAX)
    a = ember.tensor([float(rank + 1)])
    dist.all_reduce(a, dist.ReduceOp.AVG)
    b = ember.tensor([rank * 10.0, 5.0])
    dist.broadcast(b, src=1)
    view = ember.zeros(2, 3)[:, 1]  # not contiguous: reduced through a copy, written back
    view += rank + 1
    dist.all_reduce(view)
    dist.barrier()
    return {"sum": t.tolist(), "max": m.tolist(), "avg": a.tolist(), "bcast": b.tolist(),
            "view": view.tolist()}


def _batch():
    rng = np.random.default_rng(0)
    return rng.standard_normal((8, 5)).astype(np.float32), rng.integers(0, 3, 8)


def make_net():
    return ember.nn.Sequential(ember.nn.Linear(5, 4), ember.nn.Tanh(), ember.nn.Linear(4, 3))


def train(model, x, y, steps=3):
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        ember.nn.functional.cross_entropy(model(ember.tensor(x)), ember.tensor(y)).backward()
        opt.step()
    opt.zero_grad()


def ddp():
    """Two ranks on half a batch each take the steps one process takes on the whole batch."""
    rank = dist.get_rank()
    ember.manual_seed(rank)  # different initial weights: DDP must replace them with rank 0's
    net = make_net()
    model = dist.DistributedDataParallel(net)
    start = {k: v.tolist() for k, v in net.state_dict().items()}
    x, y = _batch()
    half = slice(rank * 4, rank * 4 + 4)
    train(model, x[half], y[half])
    weights = {k: v.tolist() for k, v in net.state_dict().items()}
    loss = ember.nn.functional.cross_entropy
    with model.no_sync():  # accumulated locally, averaged by the next backward outside no_sync
        loss(model(ember.tensor(x[half])), ember.tensor(y[half])).backward()
    local = net[0].weight.grad.tolist()
    loss(model(ember.tensor(x[half])), ember.tensor(y[half])).backward()
    return {"start": start, "weights": weights, "local_grad": local, "grad": net[0].weight.grad.tolist()}


def fit():
    rank = dist.get_rank()
    ember.manual_seed(rank)
    # no Input: the layers are built by fit's first batch, after which rank 0's weights are shared
    model = ember.models.Sequential([ember.layers.Dense(8, activation="relu"),
                                     ember.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((64, 5)).astype(np.float32), rng.integers(0, 3, 64)
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=2)
    return {"weights": [w.tolist() for w in model.get_weights()], "history": history.history}


if __name__ == "__main__":
    dist.init_process_group()
    result = globals()[sys.argv[1]]()
    with open(f"{sys.argv[2]}/rank{dist.get_rank()}.json", "w") as f:
        json.dump({"rank": dist.get_rank(), **result}, f)
