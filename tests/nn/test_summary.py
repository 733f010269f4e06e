import doctest

import numpy as np
import pytest

import ember
import ember.nn.summary as summary_module
from ember import nn
from ember.nn.summary import summary
from tests.harness import torch


class Block(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)
        self.act = nn.ReLU()
        self.register_buffer("scale", ember.ones(n_out))  # a buffer is not a parameter

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block(6, 16), Block(16, 8))
        self.head = nn.Linear(8, 3)
        self.unused = nn.Linear(2, 2)

    def forward(self, x):
        return self.head(self.features(x))


def rows_by_name(result):
    return {r.name: r for r in result.rows}


def test_counts_match_the_parameters(capsys):
    model = Net()
    result = summary(model, input_size=(4, 6))
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 112 + 136 + 27 + 6
    assert result.trainable_params == result.total_params and result.non_trainable_params == 0
    rows = rows_by_name(result)
    for name, m in model.named_modules():
        assert rows[name].num_params == sum(p.numel() for p in m.parameters())
        assert rows[name].type == type(m).__name__
    assert capsys.readouterr().out == str(result) + "\n"


def test_output_shapes_and_names():
    result = summary(Net(), input_size=(4, 6))
    assert [r.name for r in result.rows] == [
        "", "features", "features.0", "features.0.fc", "features.0.act", "features.1",
        "features.1.fc", "features.1.act", "head", "unused"]
    shapes = {r.name: r.output_shape for r in result.rows}
    assert shapes[""] == (4, 3) and shapes["features"] == (4, 8)
    assert shapes["features.0.fc"] == (4, 16) and shapes["features.1.act"] == (4, 8)
    assert shapes["unused"] is None  # never called
    assert [r.depth for r in result.rows] == [0, 1, 2, 3, 3, 2, 3, 3, 1, 1]


def test_the_table():
    text = str(summary(Net(), input_size=(4, 6)))
    lines = text.splitlines()
    assert lines[0] == 'Model: "Net"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Trainable"]
    assert lines[4].split() == ["Net", "(4,", "3)", "281", "Yes"]
    assert lines[6].split() == ["features.0", "(Block)", "(4,", "16)", "112", "Yes"]
    assert lines[6].startswith("    features.0")  # indented by depth
    assert lines[8].split() == ["features.0.act", "(ReLU)", "(4,", "16)", "0", "--"]
    assert lines[13].split() == ["unused", "(Linear)", "--", "6", "Yes"]
    assert lines[-4:] == ["Total params: 281 (1.10 KB)", "Trainable params: 281 (1.10 KB)",
                          "Non-trainable params: 0 (0 B)", lines[1]]
    assert set(lines[1]) == {"="} and len(lines[1]) == max(len(line) for line in lines[2:-4])
    assert repr(summary(Net(), input_size=(4, 6))) == "<ModelSummary of Net: 281 parameters>"


def test_depth_folds_deeper_layers_into_their_ancestor():
    result = summary(Net(), input_size=(4, 6), depth=1)
    assert [(r.name, r.num_params) for r in result.rows] == [("", 281), ("features", 248),
                                                             ("head", 27), ("unused", 6)]
    assert [r.name for r in summary(Net(), input_size=(4, 6), depth=0).rows] == [""]
    assert summary(Net(), input_size=(4, 6), depth=0).total_params == 281


def test_frozen_parameters_are_non_trainable():
    model = Net()
    model.features.requires_grad_(False)
    model.head.bias.requires_grad_(False)
    result = summary(model, input_size=(1, 6))
    assert result.non_trainable_params == 248 + 3
    assert result.trainable_params == 24 + 6
    rows = rows_by_name(result)
    assert (rows["features"].trainable_params, rows["head"].trainable_params) == (0, 24)
    text = str(result)
    assert "Non-trainable params: 251 (1004 B)" in text and "Trainable params: 30 (120 B)" in text
    line = {ln.split()[0]: ln.split() for ln in text.splitlines()[4:-5]}
    assert line["features"][-1] == "No" and line["head"][-1] == "Partial"
    assert line["Net"][-1] == "Partial" and line["unused"][-1] == "Yes"


def test_shared_layers_are_listed_and_counted_once():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    result = summary(model, input_size=(2, 4))
    assert [r.name for r in result.rows] == ["", "0", "1"]
    assert result.total_params == 20 == sum(p.numel() for p in model.parameters())


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 4)
        self.b = nn.Linear(5, 4)
        self.seen = None

    def forward(self, x, y):
        self.seen = (x.dtype, y.dtype)
        return self.a(x) + self.b(y), y


def test_several_inputs_and_outputs():
    model = TwoInputs()
    result = summary(model, input_size=[(2, 3), (2, 5)])
    assert rows_by_name(result)[""].output_shape == [(2, 4), (2, 5)]
    assert "[(2, 4), (2, 5)]" in str(result)
    summary(model.double(), input_size=[(2, 3), (2, 5)], dtypes=[ember.float64, ember.float64])
    assert model.seen == (ember.float64, ember.float64)


class Lookup(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(ember.randn(10, 3))

    def forward(self, index):
        return self.table[index]


def test_dtypes_for_integer_inputs():
    result = summary(Lookup(), input_size=(2, 7), dtypes=[ember.int64])
    assert result.rows[0].output_shape == (2, 7, 3)
    assert summary(Lookup(), input_size=(5,), dtypes=ember.int64).rows[0].output_shape == (5, 3)


def test_input_data_instead_of_a_size():
    result = summary(Lookup(), input_data=ember.tensor([[1, 2, 3]]))
    assert result.rows[0].output_shape == (1, 3, 3)
    result = summary(TwoInputs(), input_data=[ember.ones(6, 3), np.ones((6, 5), np.float32)])
    assert result.rows[0].output_shape[0] == (6, 4)


def test_nested_tuple_outputs_of_a_recurrent_layer():
    result = summary(nn.LSTM(3, 8), input_size=(5, 2, 3))  # (seq, batch, features)
    assert result.rows[0].output_shape == [(5, 2, 8), [(1, 2, 8), (1, 2, 8)]]
    assert result.total_params == 4 * 8 * (3 + 8 + 2)


class ModeRecorder(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(2, 2)
        self.modes = []

    def forward(self, x):
        self.modes.append((self.training, self.inner.training, ember.is_grad_enabled()))
        return self.inner(x)


def test_runs_in_eval_mode_without_a_graph_and_restores_modes():
    model = ModeRecorder()
    model.inner.eval()  # mixed modes are restored layer by layer
    summary(model, input_size=(1, 2))
    assert model.modes == [(False, False, False)]
    assert model.training and not model.inner.training
    assert ember.is_grad_enabled()


class Broken(nn.Module):
    def forward(self, x):
        raise ValueError("shapes do not fit")


def all_hooks(model):
    return [h for m in model.modules() for h in (*m._forward_hooks, *m._forward_pre_hooks)]


def test_a_failing_forward_names_the_layer_and_cleans_up():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), Broken()))
    model[0].eval()
    with pytest.raises(RuntimeError, match=r"summary: running Sequential on sample inputs of shape "
                                           r"\(4, 2\) failed in layer '1.1' \(Broken\): ValueError: "
                                           "shapes do not fit") as info:
        summary(model, input_size=(4, 2))
    assert isinstance(info.value.__cause__, ValueError)
    assert all_hooks(model) == []
    assert model.training and not model[0].training and model[1][1].training


def test_an_input_of_the_wrong_shape_is_reported_with_the_layer():
    with pytest.raises(RuntimeError, match=r"sample inputs of shape \(4, 7\) failed in layer "
                                           r"'features.0.fc' \(Linear\)"):
        summary(Net(), input_size=(4, 7))


def test_hooks_are_removed_after_success():
    model = Net()
    summary(model, input_size=(1, 6))
    assert all_hooks(model) == []


def test_float64_model_bytes():
    result = summary(nn.Linear(100, 100).double(), input_size=(1, 100), dtypes=ember.float64)
    assert "Total params: 10,100 (78.91 KB)" in str(result)


@pytest.mark.parametrize("kwargs,error,message", [
    ({}, ValueError, r"pass exactly one of input_size \(the shape of a sample input"),
    ({"input_size": (1, 6), "input_data": ember.ones(1, 6)}, ValueError, "pass exactly one of"),
    ({"input_size": (1, "6")}, ValueError, r"input_size must be a shape \(a tuple of non-negative ints, "
                                           r"batch dimension first\) or a list of shapes, got \(1, '6'\)"),
    ({"input_size": [(1, 6), (1, -2)]}, ValueError, "input_size must be a shape"),
    ({"input_size": [(1, 6), (1, 2)], "dtypes": [ember.float32]}, ValueError,
     "got 1 dtypes for 2 inputs; give one dtype per input size"),
    ({"input_size": (1, 6), "depth": -1}, ValueError,
     r"depth must be a non-negative int \(0 shows the model only\), got -1"),
])
def test_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        summary(Net(), **kwargs)


def test_only_modules():
    with pytest.raises(TypeError, match="summary: expected an nn.Module, got function"):
        summary(lambda x: x, input_size=(1, 2))


def test_docstring_examples():
    result = doctest.testmod(summary_module, extraglobs={"ember": ember})
    assert result.attempted >= 2 and result.failed == 0


def cnn(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Conv2d(1, 4, 3, padding=1), nn_.BatchNorm2d(4), nn_.ReLU(),
                          nn_.MaxPool2d(2), nn_.Flatten(), nn_.Linear(4 * 4 * 4, 10))


def test_a_convolutional_network():
    model = cnn(ember)
    result = summary(model, input_size=(2, 1, 8, 8))
    assert [r.output_shape for r in result.rows] == [
        (2, 10), (2, 4, 8, 8), (2, 4, 8, 8), (2, 4, 8, 8), (2, 4, 4, 4), (2, 64), (2, 10)]
    assert [r.num_params for r in result.rows[1:]] == [40, 8, 0, 0, 0, 650]
    assert result.total_params == 698 == sum(p.numel() for p in model.parameters())


@pytest.mark.skipif(torch is None, reason="the reference needs torch")
def test_counts_match_torch():
    assert summary(cnn(ember), input_size=(1, 1, 8, 8)).total_params == sum(
        p.numel() for p in cnn(torch).parameters())


def test_summary_leaves_batch_norm_statistics_alone():
    model = cnn(ember)
    bn = model[1]
    before = [b.numpy().copy() for b in bn.buffers()]
    summary(model, input_size=(1, 1, 8, 8))  # batch 1 would fail in training mode
    for a, b in zip(before, bn.buffers()):
        np.testing.assert_array_equal(a, b.numpy())
    assert bn.training


def test_an_embedding_model_with_integer_inputs():
    model = nn.Sequential(nn.Embedding(100, 16), nn.Flatten(), nn.Linear(5 * 16, 2))
    result = summary(model, input_size=(3, 5), dtypes=[ember.int64])
    assert [r.output_shape for r in result.rows] == [(3, 2), (3, 5, 16), (3, 80), (3, 2)]
    assert result.total_params == 1600 + 162
