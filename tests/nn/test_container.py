"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict against torch.nn."""

import copy
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="the reference needs torch")


def kinds(container):
    return [type(m).__name__ for m in container]


def keys(module):
    return list(module._modules)


def layers(lib):
    return [lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid(), lib.nn.Linear(2, 2)]


# ---- Sequential ----
def test_sequential_runs_its_modules_in_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = ember.randn(5, 3)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).detach().numpy(), expected.detach().numpy())
    assert nn.Sequential()(x) is x  # empty: the identity
    assert names_of(model) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def names_of(module):
    return [n for n, _ in module.named_parameters()]


def test_sequential_from_an_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU()),
                                       ("out", nn.Linear(3, 1))]))
    assert keys(model) == ["fc", "act", "out"] and model.fc is model[0] and model[-1] is model.out
    assert names_of(model) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    tail = model[1:]
    assert type(tail) is nn.Sequential and keys(tail) == ["act", "out"] and tail.out is model.out


def test_sequential_indexing():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    model = nn.Sequential(a, b, c)
    assert model[0] is a and model[-1] is c and model[-3] is a
    assert list(model) == [a, b, c] and len(model) == 3
    assert list(model[::2]) == [a, c] and keys(model[::2]) == ["0", "2"]
    for index in (3, -4):
        with pytest.raises(IndexError, match=f"index {index} is out of range for a Sequential of length 3"):
            model[index]
    model[1] = nn.ELU()
    assert kinds(model) == ["ReLU", "ELU", "Sigmoid"]


@needs_torch
@pytest.mark.parametrize("edit", [
    lambda s, lib: s.append(lib.nn.ELU()),
    lambda s, lib: s.extend([lib.nn.ELU(), lib.nn.SELU()]),
    lambda s, lib: s.insert(1, lib.nn.ELU()),
    lambda s, lib: s.insert(-1, lib.nn.ELU()),
    lambda s, lib: s.insert(4, lib.nn.ELU()),
    lambda s, lib: s.pop(1),
    lambda s, lib: s.pop(-1),
    lambda s, lib: s.__delitem__(0),
    lambda s, lib: s.__delitem__(-2),
    lambda s, lib: s.__delitem__(slice(1, 3)),
])
def test_sequential_edits_match_torch(edit):
    ours, ref = nn.Sequential(*layers(ember)), torch.nn.Sequential(*layers(torch))
    result, ref_result = edit(ours, ember), edit(ref, torch)
    assert kinds(ours) == kinds(ref) and keys(ours) == keys(ref)
    assert (result is ours) == (ref_result is ref)
    assert type(result).__name__ == type(ref_result).__name__


def test_sequential_edits():
    relu, tanh = nn.ReLU(), nn.Tanh()
    model = nn.Sequential(relu)
    assert model.append(tanh) is model and model[1] is tanh
    assert model.insert(0, nn.ELU()) is model and kinds(model) == ["ELU", "ReLU", "Tanh"]
    assert model.pop(1) is relu and keys(model) == ["0", "1"] and kinds(model) == ["ELU", "Tanh"]
    with pytest.raises(IndexError, match="insert: index 5 is out of range for a Sequential of length 2"):
        model.insert(5, nn.ReLU())
    combined = model + nn.Sequential(nn.Sigmoid())
    assert kinds(combined) == ["ELU", "Tanh", "Sigmoid"] and combined[1] is tanh
    with pytest.raises(TypeError, match="can only add a Sequential to a Sequential, got ReLU"):
        model + nn.ReLU()
    with pytest.raises(TypeError, match="str is not a Module subclass"):
        model.append("relu")


@needs_torch
def test_sequential_delete_renames_like_torch():
    def named(lib):
        return lib.nn.Sequential(OrderedDict([("a", lib.nn.ReLU()), ("b", lib.nn.Tanh()),
                                              ("c", lib.nn.Sigmoid())]))
    ours, ref = named(ember), named(torch)
    del ours[1]
    del ref[1]
    assert keys(ours) == keys(ref)


# ---- ModuleList ----
def test_module_list_registers_its_modules():
    model = nn.Module()
    model.blocks = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
    assert names_of(model) == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"]
    assert [n for n, _ in model.named_modules()] == ["", "blocks", "blocks.0", "blocks.1"]
    with pytest.raises(NotImplementedError, match="ModuleList has no forward: iterate over it"):
        model.blocks(ember.ones(1, 2))


def test_module_list_indexing_and_edits():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    blocks = nn.ModuleList([a, b])
    assert blocks[0] is a and blocks[-1] is b and len(blocks) == 2 and list(blocks) == [a, b]
    assert blocks.append(c) is blocks and blocks[2] is c
    assert type(blocks[1:]) is nn.ModuleList and list(blocks[1:]) == [b, c] and keys(blocks[1:]) == ["0", "1"]
    with pytest.raises(IndexError, match="index 3 is out of range for a ModuleList of length 3"):
        blocks[3]
    blocks[0] = nn.ELU()
    assert kinds(blocks) == ["ELU", "Tanh", "Sigmoid"]
    assert blocks.pop() is c and blocks.append(c) is blocks  # pop's index defaults to -1 (ember)
    assert blocks.pop(0) is not a and kinds(blocks) == ["Tanh", "Sigmoid"] and keys(blocks) == ["0", "1"]
    blocks.insert(1, a)
    assert list(blocks) == [b, a, c]
    del blocks[0]
    assert list(blocks) == [a, c] and keys(blocks) == ["0", "1"]
    assert list(blocks + nn.ModuleList([b])) == [a, c, b]
    assert blocks.extend([b]) is blocks and len(blocks) == 3
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.ModuleList([1])


@needs_torch
@pytest.mark.parametrize("edit", [
    lambda s, lib: s.append(lib.nn.ELU()),
    lambda s, lib: s.extend([lib.nn.ELU(), lib.nn.SELU()]),
    lambda s, lib: s.insert(1, lib.nn.ELU()),
    lambda s, lib: s.insert(4, lib.nn.ELU()),
    lambda s, lib: s.pop(1),
    lambda s, lib: s.pop(-1),
    lambda s, lib: s.__delitem__(0),
    lambda s, lib: s.__delitem__(slice(0, 2)),
    lambda s, lib: s.__setitem__(-1, lib.nn.ELU()),
])
def test_module_list_edits_match_torch(edit):
    ours, ref = nn.ModuleList(layers(ember)), torch.nn.ModuleList(layers(torch))
    edit(ours, ember)
    edit(ref, torch)
    assert kinds(ours) == kinds(ref) and keys(ours) == keys(ref)


@needs_torch
def test_module_list_repr_matches_torch():
    def stack(lib):
        return lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.ReLU()])
    assert repr(stack(ember)) == repr(stack(torch))


# ---- ModuleDict ----
def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    heads.update([("mask", nn.Linear(4, 1))])
    heads["act"] = nn.ReLU()
    assert list(heads) == list(heads.keys()) == ["cls", "box", "mask", "act"]
    assert kinds(heads.values()) == ["Linear", "Linear", "Linear", "ReLU"]
    assert [k for k, _ in heads.items()] == ["cls", "box", "mask", "act"]
    assert "box" in heads and "seg" not in heads and len(heads) == 4
    assert names_of(heads)[:2] == ["cls.weight", "cls.bias"]
    assert heads.box is heads["box"]
    removed = heads.pop("box")
    assert type(removed).__name__ == "Linear" and list(heads) == ["cls", "mask", "act"]
    del heads["mask"]
    assert list(heads) == ["cls", "act"]
    with pytest.raises(TypeError, match="module name should be a string, got int"):
        heads[1] = nn.ReLU()
    with pytest.raises(NotImplementedError, match="ModuleDict has no forward: index it"):
        heads(ember.ones(1))
    heads.clear()
    assert len(heads) == 0 and names_of(heads) == []


@needs_torch
def test_module_dict_names_match_torch():
    def build(lib):
        model = lib.nn.Module()
        model.heads = lib.nn.ModuleDict({"b": lib.nn.Linear(2, 1), "a": lib.nn.Linear(2, 2)})
        model.heads.update({"c": lib.nn.ReLU()})
        return model
    assert list(build(ember).state_dict()) == list(build(torch).state_dict())
    assert [n for n, _ in build(ember).named_modules()] == [n for n, _ in build(torch).named_modules()]


# ---- ParameterList ----
def test_parameter_list_registers_and_converts():
    model = nn.Module()
    model.weights = nn.ParameterList([nn.Parameter(ember.ones(2, 2)), ember.zeros(3)])
    assert names_of(model) == ["weights.0", "weights.1"] and list(model.state_dict()) == names_of(model)
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.weights)
    assert model.weights.append(ember.ones(1)) is model.weights and len(model.weights) == 3
    model.weights.extend([ember.ones(4)])
    assert [tuple(p.shape) for p in model.weights] == [(2, 2), (3,), (1,), (4,)]
    assert model.weights[-1] is model.weights[3] and model.weights[0] is next(model.parameters())
    assert [tuple(p.shape) for p in model.weights[1:3]] == [(3,), (1,)]
    model.weights[1] = ember.full((3,), 2.0)
    assert model.weights[1].tolist() == [2.0] * 3 and isinstance(model.weights[1], nn.Parameter)
    with pytest.raises(IndexError, match="index 4 is out of range for a ParameterList of length 4"):
        model.weights[4]
    text = repr(model.weights)
    assert "(0): Parameter containing:" in text and "float32" in text and "(3): " in text


def test_parameter_list_gradients_flow():
    weights = nn.ParameterList([ember.full((2,), 2.0), ember.full((2,), 3.0)])
    (weights[0] * weights[1]).sum().backward()
    assert weights[0].grad.tolist() == [3.0, 3.0] and weights[1].grad.tolist() == [2.0, 2.0]
    clone = copy.deepcopy(weights)
    assert len(clone) == 2 and clone[0] is not weights[0] and clone[0].tolist() == [2.0, 2.0]


@needs_torch
def test_parameter_list_names_match_torch():
    def build(lib):
        model = lib.nn.Module()
        model.ps = lib.nn.ParameterList([lib.ones(2), lib.zeros(1)])
        model.ps.append(lib.nn.Parameter(lib.ones(3)))
        return model
    assert names_of(build(ember)) == [n for n, _ in build(torch).named_parameters()]


# ---- ParameterDict ----
def test_parameter_dict():
    model = nn.Module()
    model.params = nn.ParameterDict(OrderedDict([("w", ember.ones(2, 3)),
                                                 ("b", nn.Parameter(ember.zeros(3)))]))
    model.params.update([("scale", ember.ones(1))])
    model.params["shift"] = ember.zeros(1)
    assert list(model.params) == list(model.params.keys()) == ["w", "b", "scale", "shift"]
    assert names_of(model) == ["params.w", "params.b", "params.scale", "params.shift"]
    assert all(isinstance(p, nn.Parameter) for p in model.params.values())
    assert [k for k, _ in model.params.items()] == ["w", "b", "scale", "shift"]
    assert model.params.w is model.params["w"] and "b" in model.params and len(model.params) == 4
    del model.params["b"]
    assert list(model.params) == ["w", "scale", "shift"] and "params.b" not in model.state_dict()
    assert "(w): Parameter containing:" in repr(model.params)


@needs_torch
def test_parameter_dict_names_match_torch():
    def build(lib):
        model = lib.nn.Module()
        model.pd = lib.nn.ParameterDict({"z": lib.ones(1), "a": lib.ones(2)})
        model.pd["m"] = lib.nn.Parameter(lib.ones(1))
        return model
    assert names_of(build(ember)) == [n for n, _ in build(torch).named_parameters()]


@needs_torch
def test_parameter_dict_from_an_ordered_dict_matches_torch():
    def build(lib):
        model = lib.nn.Module()
        model.pd = lib.nn.ParameterDict(OrderedDict([("z", lib.ones(1)), ("a", lib.ones(2))]))
        model.pd["m"] = lib.nn.Parameter(lib.ones(1))
        return model
    assert names_of(build(ember)) == [n for n, _ in build(torch).named_parameters()] == [
        "pd.z", "pd.a", "pd.m"]
