import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

import ember
from ember.saving import FileFormatError, load, save
from tests.harness import torch
from tests.saving.common import assert_same


def _small_checkpoint():
    return {"w": ember.randn(3, 2, requires_grad=True), "steps": ember.tensor([1, 2], dtype=ember.int64),
            "epoch": 3, "lr": 0.1, "best": (float("inf"), "min")}


def _load_or_refuse(path, original):
    """Loading a damaged file raises FileFormatError naming it, or gives back exactly the original."""
    try:
        loaded = load(path)
    except FileFormatError as e:
        assert str(path) in str(e)
        return False
    assert_same(loaded, original)
    return True


def test_every_truncation_is_detected(tmp_path):
    obj, path = _small_checkpoint(), tmp_path / "c"
    save(obj, path)
    data = path.read_bytes()
    for cut in range(len(data)):
        path.write_bytes(data[:cut])
        with pytest.raises(FileFormatError, match="truncated|corrupt"):
            load(path)


def test_single_bit_flips_are_detected_or_harmless(tmp_path):
    obj, path = _small_checkpoint(), tmp_path / "c"
    save(obj, path)
    data = bytearray(path.read_bytes())
    harmless = 0
    flips = [(i, b) for i in range(len(data)) for b in range(8)]  # every bit of the file
    for i, bit in flips:
        data[i] ^= 1 << bit
        path.write_bytes(bytes(data))
        harmless += _load_or_refuse(path, obj)
        data[i] ^= 1 << bit
    # harmless flips exist (JSON whitespace, the header's padding), but no tensor byte is one of them
    assert harmless < len(flips) // 10


def test_damaged_tensor_bytes_name_the_tensor(tmp_path):
    path = tmp_path / "c"
    save({"w": ember.zeros(100)}, path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"corrupt: the checksum of tensor 'w' does not match"):
        load(path)


def _rewrite_metadata(path, change):
    """Rewrite a saved file with its metadata changed (the tensors kept)."""
    with safe_open(path, "np") as f:
        metadata, arrays = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    change(metadata)
    save_file(arrays, path, metadata=metadata)


def test_a_damaged_structure_is_detected(tmp_path):
    path = tmp_path / "c"
    save({"epoch": 3}, path)
    _rewrite_metadata(path, lambda m: m.update(structure=m["structure"].replace("3", "4")))
    with pytest.raises(FileFormatError, match="corrupt: the checksum of its structure does not match"):
        load(path)
    _rewrite_metadata(path, lambda m: m.pop("structure_crc32"))
    with pytest.raises(FileFormatError, match=r"ember metadata is damaged \(missing \['structure_crc32'\]"):
        load(path)


def test_a_mismatched_tensor_list_is_detected(tmp_path):
    path = tmp_path / "c"
    save({"w": ember.zeros(2)}, path)
    with safe_open(path, "np") as f:
        metadata = f.metadata()
    save_file({"v": np.zeros(2, np.float32)}, path, metadata=metadata)
    with pytest.raises(FileFormatError, match=r"its tensors \['v'\] do not match the saved "
                                              r"structure's \['w'\]"):
        load(path)


def test_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "c"
    save({"w": ember.zeros(2)}, path)
    _rewrite_metadata(path, lambda m: m.update(format_version="2", ember_version="9.0"))
    with pytest.raises(FileFormatError, match=r"written by ember 9.0 in file format version 2; this ember "
                                              r"reads versions up to 1: upgrade ember"):
        load(path)


def test_an_unknown_structure_node_is_refused(tmp_path):
    from ember.saving.format import crc32

    path = tmp_path / "c"
    save({"epoch": 3}, path)

    def add_node(m):
        m["structure"] = json.dumps({"set": [1, 2]})
        m["structure_crc32"] = str(crc32(np.frombuffer(m["structure"].encode(), np.uint8)))
    _rewrite_metadata(path, add_node)
    with pytest.raises(FileFormatError, match=r"unknown node \['set'\] in the saved structure; was it "
                                              "written by a newer ember"):
        load(path)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # unpickling this would create the marker file


@pytest.mark.parametrize("protocol", [2, 5])
def test_a_pickle_is_refused_without_running_it(tmp_path, protocol):
    marker, path = tmp_path / "ran", tmp_path / "model.safetensors"  # the name does not matter
    path.write_bytes(pickle.dumps(_RunsCode(str(marker)), protocol=protocol))
    with pytest.raises(FileFormatError, match=rf"is a Python pickle \(protocol {protocol}\), e.g. written by "
                                              r"torch.save.*never unpickles.*safetensors.torch.save_file"):
        load(path)
    assert not marker.exists()


def test_an_old_protocol_pickle_is_refused(tmp_path):
    path = tmp_path / "p"
    path.write_bytes(pickle.dumps({"a": list(range(100))}, protocol=0))
    with pytest.raises(FileFormatError, match="looks like a Python pickle"):
        load(path)


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_torch_save_files_are_refused(tmp_path):
    path = tmp_path / "m.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(FileFormatError, match=r"m.pt is a PyTorch checkpoint \(torch.save: a zip holding a "
                                              r"pickle\)"):
        load(path)
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(FileFormatError, match="is a Python pickle"):
        load(path)


def test_other_files_are_refused_with_what_they_are(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(FileFormatError, match=r"is a NumPy .npy file: read it with numpy.load"):
        load(tmp_path / "a.npy")
    with zipfile.ZipFile(tmp_path / "m.ember", "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(FileFormatError, match="is a zip archive, not a file written by ember.save"):
        load(tmp_path / "m.ember")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\0" * 20)
    with pytest.raises(FileFormatError, match="a damaged zip archive"):
        load(tmp_path / "bad.zip")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(FileFormatError, match="has 0 bytes, fewer than the 8-byte header length"):
        load(tmp_path / "empty")
    (tmp_path / "text").write_bytes(b"hello world, not a tensor file")
    with pytest.raises(FileFormatError, match=r"its header claims \d+ bytes but the file has 30 bytes"):
        load(tmp_path / "text")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing")
    assert sorted(os.listdir(tmp_path)) == ["a.npy", "bad.zip", "empty", "m.ember", "text"]
