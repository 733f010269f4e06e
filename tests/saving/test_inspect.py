import pickle

import numpy as np
import pytest
from safetensors.numpy import save_file

import ember
from ember.saving import FileFormatError, inspect_file, save
from tests.harness import torch


def test_a_checkpoint_is_described_without_loading(tmp_path):
    model = ember.nn.Linear(3, 2)
    w = model.weight
    save({"model": model.state_dict(), "epoch": 4, "best": float("inf"), "again": w,
          "lrs": [0.1, 0.01]}, tmp_path / "ckpt")
    text = inspect_file(tmp_path / "ckpt")
    assert text.splitlines()[0] == f"{tmp_path / 'ckpt'}: ember file, format version 1, written by ember " \
                                   f"{ember.__version__}"
    assert "  'model': OrderedDict (2 entries)" in text
    assert "    'weight': tensor float32 [2, 3] (6 values, 24 B) requires_grad" not in text  # detached
    assert "    'weight': tensor float32 [2, 3] (6 values, 24 B)" in text
    assert "    'bias': tensor float32 [2] (2 values, 8 B)" in text
    assert "  'epoch': 4" in text and "  'best': inf" in text and "  'lrs': [0.1, 0.01]" in text
    assert "  'again': tensor float32 [2, 3] (6 values, 24 B) requires_grad" in text
    assert text.splitlines()[-1] == "total: 3 tensors, 14 values, 56 B"


def test_a_shared_tensor_is_counted_once(tmp_path):
    w = ember.zeros(10)
    save([w, w], tmp_path / "c")
    text = inspect_file(tmp_path / "c")
    assert "[1]: tensor '1' again" not in text and "again (the same object as above, stored once)" in text
    assert text.splitlines()[-1] == "total: 1 tensor, 10 values, 40 B"


def test_a_plain_safetensors_file_is_listed(tmp_path):
    save_file({"emb": np.zeros((1000, 64), np.float16), "ids": np.arange(5)}, tmp_path / "p",
              metadata={"source": "test"})
    text = inspect_file(tmp_path / "p")
    assert "plain safetensors file (not written by ember.save), 2 tensors" in text
    assert "  metadata 'source': test" in text
    assert "  emb: float16 [1000, 64] (64,000 values, 128.0 kB)" in text
    assert "  ids: int64 [5] (5 values, 40 B)" in text
    assert text.splitlines()[-1] == "total: 2 tensors, 64,005 values, 128.0 kB"


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_a_pytorch_safetensors_file_is_listed(tmp_path):
    from safetensors.torch import save_file as torch_save_file

    torch_save_file(torch.nn.Linear(4, 3).state_dict(), tmp_path / "m.safetensors")
    text = inspect_file(tmp_path / "m.safetensors")
    assert "  weight: float32 [3, 4] (12 values, 48 B)" in text and "  bias: float32 [3]" in text


def test_damage_and_pickles_are_reported(tmp_path):
    path = tmp_path / "c"
    save({"epoch": 3}, path)
    path.write_bytes(path.read_bytes().replace(b'"epoch\\",3', b'"epoch\\",4'))
    assert "WARNING: the structure's checksum does not match: the file is damaged" in inspect_file(path)
    path.write_bytes(pickle.dumps({"a": 1}, protocol=4))
    with pytest.raises(FileFormatError, match="is a Python pickle"):
        inspect_file(path)
    path.write_bytes(b"\x05\0\0\0\0\0\0\0{abc}")
    with pytest.raises(FileFormatError, match="its safetensors header is not valid JSON"):
        inspect_file(path)


def test_a_whole_model_file_shows_its_architecture_and_weights(tmp_path):
    from ember import layers

    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu", name="dense"),
                                     layers.Dense(2, name="out")])
    model.compile("adam", "mse", metrics=["mae"])
    model.save(tmp_path / "m.ember")
    text = inspect_file(tmp_path / "m.ember")
    assert "ember model file, format version 1" in text
    assert "model: Sequential" in text and "input shape: [None, 4]" in text
    assert "dense (Dense): units=3, activation='relu'" in text
    assert "compiled: optimizer Adam, loss 'mse', metrics ['mae']" in text
    assert "'dense.kernel': tensor float32 [4, 3]" in text
    assert text.splitlines()[-1].strip() == "total: 4 tensors, 23 values, 92 B"
