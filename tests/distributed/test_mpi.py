"""ember.distributed under ``mpirun -n 2`` (tests/distributed/workers.py), and in one process."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.distributed as dist

mpi4py = pytest.importorskip("mpi4py")
MPIEXEC = next((p for p in (os.path.join(os.path.dirname(sys.executable), "mpiexec"), shutil.which("mpiexec"))
                if p and os.path.exists(p)), None)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_workers(name, tmp_path):
    if MPIEXEC is None:
        pytest.skip("no mpiexec (pip install mpich)")
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "-m", "tests.distributed.workers", name,
                           str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    return results, done.stdout


def test_collectives_over_two_ranks(tmp_path):
    (r0, r1), _ = run_workers("collectives", tmp_path)
    for r in (r0, r1):
        assert r["sum"] == [3.0, 6.0] and r["max"] == [1.0] and r["avg"] == [1.5]
        assert r["bcast"] == [10.0, 5.0] and r["view"] == [3.0, 3.0]


def test_ddp_on_half_batches_equals_one_process_on_the_whole_batch(tmp_path):
    from tests.distributed.workers import _batch, make_net, train

    (r0, r1), _ = run_workers("ddp", tmp_path)
    assert r0["start"] == r1["start"]  # rank 1 started from rank 0's weights
    ember.manual_seed(0)
    net = make_net()
    assert {k: v.tolist() for k, v in net.state_dict().items()} == r0["start"]
    x, y = _batch()
    train(net, x, y)
    for key, value in net.state_dict().items():
        np.testing.assert_allclose(r0["weights"][key], value.numpy(), rtol=1e-5, atol=1e-6)
        assert r0["weights"][key] == r1["weights"][key]  # the ranks agree exactly
    # no_sync: each rank accumulated its own gradient; the next backward averaged the sum
    assert r0["local_grad"] != r1["local_grad"] and r0["grad"] == r1["grad"]
    np.testing.assert_allclose(r0["grad"], np.add(r0["local_grad"], r1["local_grad"]), rtol=1e-5, atol=1e-6)


def test_fit_under_mpirun_trains_one_model_and_prints_once(tmp_path):
    (r0, r1), out = run_workers("fit", tmp_path)
    assert r0["weights"] == r1["weights"]
    assert r0["history"] == r1["history"] and len(r0["history"]["loss"]) == 2
    assert set(r0["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert out.count("Epoch 1/2") == 1  # rank 0's progress only


def test_one_process_group():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.DistributedDataParallel(ember.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="ember distributes over MPI only"):
        dist.init_process_group("nccl")
    dist.init_process_group()
    try:
        assert dist.get_rank() == 0 and dist.get_world_size() == 1
        with pytest.raises(RuntimeError, match="already initialised"):
            dist.init_process_group()
        t = ember.tensor([1.0, 2.0])
        dist.all_reduce(t)
        dist.broadcast(t, 0)
        assert t.tolist() == [1.0, 2.0]
        with pytest.raises(ValueError, match="src=1 is not a rank"):
            dist.broadcast(t, 1)
        model = dist.DistributedDataParallel(ember.nn.Linear(3, 2))
        model(ember.ones(4, 3)).sum().backward()
        np.testing.assert_array_equal(model.module.weight.grad.numpy(), np.full((2, 3), 4.0))
        assert list(model.state_dict()) == ["module.weight", "module.bias"]
        history = ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(1)])
        history.compile("sgd", "mse")
        assert len(history.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0).history["loss"]) == 1
    finally:
        dist.destroy_process_group()


def test_fit_sets_the_epoch_of_a_distributed_sampler():
    data = ember.data.TensorDataset(ember.randn(12, 3), ember.randn(12, 1))
    sampler = dist.DistributedSampler(data, num_replicas=2, rank=1)
    loader = ember.data.DataLoader(data, batch_size=3, sampler=sampler)
    model = ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(1)])
    model.compile("sgd", "mse")
    orders = []
    record = ember.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: orders.append(list(sampler)))
    model.fit(loader, epochs=3, verbose=0, callbacks=[record])
    assert sampler.epoch == 2 and orders[0] != orders[1]  # reshuffled every epoch, the same on every rank


def test_error_messages(monkeypatch):
    import builtins

    with pytest.raises(TypeError, match=r"init_process_group: unexpected arguments \['backend_options'\]"):
        dist.init_process_group(backend_options=1)
    real_import = builtins.__import__

    def no_mpi4py(name, *args, **kwargs):
        if name.startswith("mpi4py"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpi4py)
    with pytest.raises(RuntimeError, match=r"mpi4py is not installed; install mpi4py and an MPI library"):
        dist.init_process_group()
    assert not dist.is_available()
    monkeypatch.undo()
    with pytest.raises(ValueError, match=r"world_size=4 but MPI started this process with world_size=1"):
        dist.init_process_group(world_size=4)
    dist.init_process_group(rank=0, world_size=1)
    try:
        t = ember.tensor([1, 2])
        with pytest.raises(TypeError, match=r"ReduceOp.AVG needs a floating tensor, got ember.int64"):
            dist.all_reduce(t, dist.ReduceOp.AVG)
        with pytest.raises(ValueError, match=r"async_op=True is not supported"):
            dist.all_reduce(t, async_op=True)
        with pytest.raises(ValueError, match=r"async_op=True is not supported"):
            dist.broadcast(t, async_op=True)
        with pytest.raises(TypeError, match=r"all_reduce: expected a Tensor, got list"):
            dist.all_reduce([1.0])
        with pytest.raises(TypeError, match=r"DistributedDataParallel: expected an nn.Module, got function"):
            dist.DistributedDataParallel(lambda x: x)
    finally:
        dist.destroy_process_group()


def test_fit_refuses_fewer_samples_than_ranks():
    from ember.models import data_adapter

    with pytest.raises(ValueError, match=r"fit: 3 samples can't be shared among 4 processes"):
        data_adapter.shard((np.ones((3, 2)), None, None), 0, 4)
    x, y, w = data_adapter.shard((np.arange(10).reshape(5, 2), np.arange(5), None), 1, 2)
    assert x.tolist() == [[2, 3], [6, 7]] and y.tolist() == [1, 3] and w is None
