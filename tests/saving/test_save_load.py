import collections
import importlib
import os

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import ember
from ember.saving import load, save
from tests.harness import torch
from tests.saving.common import assert_same, sample_object

save_module = importlib.import_module("ember.saving.save")  # the package's `save` is the function


def test_round_trip_keeps_values_types_and_order(tmp_path):
    obj = sample_object()
    save(obj, tmp_path / "ckpt.safetensors")
    assert_same(load(tmp_path / "ckpt.safetensors"), obj)


def test_a_shared_tensor_loads_as_one_tensor(tmp_path):
    save(sample_object(), tmp_path / "c")
    a, b = load(tmp_path / "c")["shared"]
    assert a is b


@pytest.mark.parametrize("map_location", [None, "cpu", ember.device("cpu")])
def test_map_location_cpu(tmp_path, map_location):
    save({"w": ember.ones(2, 2)}, tmp_path / "c")
    w = load(tmp_path / "c", map_location=map_location)["w"]
    assert w.device == ember.device("cpu") and w.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_a_state_dict_file_is_a_plain_safetensors_file(tmp_path):
    state = ember.nn.Linear(3, 2).state_dict()
    save(state, tmp_path / "w.safetensors")
    arrays = load_file(tmp_path / "w.safetensors")
    assert sorted(arrays) == sorted(state)
    assert all(np.array_equal(arrays[k], state[k]._data) for k in state)


def test_a_plain_safetensors_file_loads_as_a_dict_of_tensors(tmp_path):
    save_file({"b": np.arange(3, dtype=np.int32), "a": np.ones((2, 2), np.float32)}, tmp_path / "p")
    loaded = load(tmp_path / "p")
    assert loaded["b"].dtype == ember.int32 and loaded["b"].tolist() == [0, 1, 2]
    assert loaded["a"].shape == (2, 2)


def test_loaded_tensors_own_their_data_after_the_file_is_replaced_or_deleted(tmp_path):
    path = tmp_path / "c"
    save({"w": ember.arange(1000.0)}, path)
    w = load(path)["w"]
    save({"w": ember.zeros(1000)}, path)  # replaced
    v = load(path)["w"]
    os.remove(path)
    assert w.tolist() == list(map(float, range(1000))) and v.sum().item() == 0.0
    w.add_(1.0)  # writable
    assert w[0].item() == 1.0


@pytest.mark.parametrize("value, match", [
    ({"model": {"fc.weight": lambda x: x}}, r"obj\['model'\]\['fc.weight'\], a function \(<lambda>\)"),
    ({"s": {1, 2}}, r"obj\['s'\], a set"),
    ([ember.nn.Linear(1, 1)], r"obj\[0\], a Linear; .* Save state_dict\(\)s rather than modules"),
    ({1.5: 2}, r"obj has a key 1.5 of type float"),
    ({True: 2}, r"obj has a key True of type bool"),
    (collections.namedtuple("P", "x")(1), r"obj, a P; .* convert it to a plain list, tuple or dict"),
    ({"c": np.ones(2, np.complex64)}, r"obj\['c'\], an array of dtype complex64"),
])
def test_unsupported_values_are_refused_naming_their_place(tmp_path, value, match):
    with pytest.raises(TypeError, match=match):
        save(value, tmp_path / "c")
    assert os.listdir(tmp_path) == []


def test_a_container_that_holds_itself_is_refused(tmp_path):
    cycle = {"a": []}
    cycle["a"].append(cycle)
    with pytest.raises(TypeError, match=r"obj\['a'\]\[0\] contains itself"):
        save(cycle, tmp_path / "c")


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="ember.save: path should be a str or os.PathLike, got int"):
        save({}, 3)
    with pytest.raises(TypeError, match="ember.load: path should be a str or os.PathLike, got NoneType"):
        load(None)
    save({}, tmp_path / "c")
    with pytest.raises(TypeError, match="map_location should be None, a device string"):
        load(tmp_path / "c", map_location=lambda s, loc: s)


@pytest.mark.parametrize("fail_in", ["write", "replace"])
def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, fail_in):
    path = tmp_path / "ckpt"
    save({"epoch": 1, "w": ember.ones(3)}, path)

    def half_written(filename, arrays, metadata):
        with open(filename, "wb") as f:
            f.write(b"\0" * 10)
        raise OSError(28, "No space left on device")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    if fail_in == "write":
        monkeypatch.setattr(save_module, "write_safetensors", half_written)
    else:
        monkeypatch.setattr(save_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        save({"epoch": 2, "w": ember.zeros(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt"]  # no temporary file left behind
    assert load(path)["epoch"] == 1


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_weights_trained_in_pytorch_load_through_safetensors(tmp_path):
    from safetensors.torch import save_file as torch_save_file

    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    torch_save_file(reference.state_dict(), tmp_path / "m.safetensors")
    model = ember.nn.Sequential(ember.nn.Linear(5, 7), ember.nn.ReLU(), ember.nn.Linear(7, 3))
    model.load_state_dict(load_file(tmp_path / "m.safetensors"))
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(ember.tensor(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-6)
    # and through ember.load, which reads any plain safetensors file
    again = ember.nn.Sequential(ember.nn.Linear(5, 7), ember.nn.ReLU(), ember.nn.Linear(7, 3))
    again.load_state_dict(load(tmp_path / "m.safetensors"))
    np.testing.assert_allclose(again(ember.tensor(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-6)
