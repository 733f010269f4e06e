"""Resumable training: N epochs straight == k epochs, a checkpoint mid-epoch, and the rest in a new
process, bit for bit, with dropout, a shuffling loader, a random augmentation, momentum and a
learning-rate schedule all in play."""

import os
import subprocess
import sys

import numpy as np

import ember
from ember.saving import load, save

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS, STOP_EPOCH, STOP_BATCH = 4, 2, 2  # interrupted after batch 2 of epoch 2 (0-based epochs)


class NoisyDataset(ember.data.Dataset):
    """24 fixed points; each read adds fresh noise from the global generator (an augmentation)."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((24, 4)).astype(np.float32)
        self.y = rng.integers(0, 3, 24)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return ember.tensor(self.x[i]) + 0.1 * ember.randn(4), int(self.y[i])


def _setup(seed):
    ember.manual_seed(seed)
    model = ember.nn.Sequential(ember.nn.Linear(4, 16), ember.nn.ReLU(), ember.nn.Dropout(0.3),
                                ember.nn.Linear(16, 3))
    optimizer = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    loader = ember.data.DataLoader(NoisyDataset(), batch_size=5, shuffle=True)
    return model, optimizer, scheduler, loader


def _train(model, optimizer, scheduler, loader, first_epoch, stop_at=None):
    """Train from ``first_epoch`` to EPOCHS; with ``stop_at=(epoch, batch)``, return the checkpoint
    taken after that batch instead."""
    loss_fn = ember.nn.CrossEntropyLoss()
    for epoch in range(first_epoch, EPOCHS):
        for batch, (x, y) in enumerate(loader, start=loader.state_dict()["position"]):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
            if stop_at == (epoch, batch + 1):
                return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "loader": loader.state_dict(),
                        "epoch": epoch, "rng": ember.random.get_rng_state()}
        scheduler.step()
    return None


def resume(checkpoint_path, out_path):
    """The second process: fresh objects (another seed), the checkpoint restored, training finished."""
    model, optimizer, scheduler, loader = _setup(seed=123)
    checkpoint = load(checkpoint_path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    loader.load_state_dict(checkpoint["loader"])
    ember.random.set_rng_state(checkpoint["rng"])
    _train(model, optimizer, scheduler, loader, checkpoint["epoch"])
    save(model.state_dict(), out_path)


def test_training_resumed_in_a_new_process_is_bit_identical(tmp_path):
    straight = _setup(seed=0)
    _train(*straight, first_epoch=0)
    expected = straight[0].state_dict()

    checkpoint = _train(*_setup(seed=0), first_epoch=0, stop_at=(STOP_EPOCH, STOP_BATCH))
    assert checkpoint["loader"]["position"] == STOP_BATCH  # mid-epoch
    save(checkpoint, tmp_path / "ckpt")
    script = tmp_path / "resume.py"
    script.write_text("import sys\nfrom tests.saving.test_resume import resume\n"
                      "resume(sys.argv[1], sys.argv[2])\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "ckpt"), str(tmp_path / "final")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    resumed = load(tmp_path / "final")
    assert list(resumed) == list(expected)
    for name in expected:
        assert resumed[name]._data.tobytes() == expected[name]._data.tobytes(), name
    # and the run really learned something different from the initial weights
    assert not np.array_equal(resumed["0.weight"]._data, _setup(seed=0)[0].state_dict()["0.weight"]._data)


def test_every_state_dict_round_trips(tmp_path):
    model, optimizer, scheduler, loader = _setup(seed=0)
    plateau = ember.optim.lr_scheduler.ReduceLROnPlateau(ember.optim.Adam(model.parameters()))
    checkpoint = _train(model, optimizer, scheduler, loader, 0, stop_at=(1, 3))
    checkpoint["plateau"] = plateau.state_dict()  # holds inf ("best", "mode_worse")
    save(checkpoint, tmp_path / "c")
    loaded = load(tmp_path / "c")
    for key in ("scheduler", "loader", "plateau", "epoch"):
        assert loaded[key] == checkpoint[key], key
    assert loaded["optimizer"]["param_groups"] == checkpoint["optimizer"]["param_groups"]
    assert loaded["rng"]._data.tobytes() == checkpoint["rng"]._data.tobytes()
