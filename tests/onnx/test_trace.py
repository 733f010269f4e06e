"""The tracer behind ember.onnx.export: what it records, and what it refuses to guess."""

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.functional.linear import Linear
from ember.onnx import OnnxExportError
from ember.onnx.trace import trace
from ember.ops.arithmetic import Add
from ember.ops.elementwise import Relu
from tests.onnx.common import assert_matches, op_types


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        y = self.fc(x)
        y += x  # in place on an activation: recorded
        return y.relu_()


def test_ops_are_recorded_with_their_module_and_parameters_by_name():
    model = nn.Sequential(_Block())
    t = trace(model, (ember.randn(2, 3),), {}, ["x"])
    assert [(n.op, n.module) for n in t.nodes] == [(Linear, "0.fc"), (Add, "0"), (Relu, "0")]
    linear = t.nodes[0]
    assert linear.args[0] is t.inputs[0]
    assert [(v.kind, v.name) for v in linear.args[1:]] == [("param", "0.fc.weight"), ("param", "0.fc.bias")]
    assert t.nodes[1].args[0] is linear.outputs[0] and t.nodes[1].args[1] is t.inputs[0]
    assert t.outputs == t.nodes[2].outputs


def test_in_place_ops_on_activations_and_inputs_are_exported(tmp_path):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = _Block()

        def forward(self, x):
            x.mul_(2)  # on the input itself
            return self.block(x)

    assert op_types(assert_matches(Model(), ember.randn(4, 3), tmp_path)) == ["Mul", "Gemm", "Add", "Relu"]


def test_user_functions_are_exported_through_their_ops(tmp_path):
    class Cube(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x * x

        @staticmethod
        def backward(ctx, gy):
            raise NotImplementedError

    class Model(nn.Module):
        def forward(self, x):
            return Cube.apply(x) + 1

    assert op_types(assert_matches(Model(), ember.randn(2, 3), tmp_path)) == ["Mul", "Mul", "Add"]


def test_a_constant_computed_from_the_input_values_is_refused(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            return x * (x > 0)  # a comparison: outside the recorded ops

    with pytest.raises(OnnxExportError, match=r"a constant of shape \(2, 3\) used by Mul \(ember op\) in the "
                       r"forward of module 'Model' was computed from the inputs' values"):
        ember.onnx.export(Model(), ember.randn(2, 3), tmp_path / "m.onnx")


def test_branching_on_the_input_values_is_refused(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            return x * 2 if x[0, 0].item() > 0 else x - 1

    with pytest.raises(OnnxExportError, match=r"runs different ops for inputs of other sizes or values .*"
                       r"Mul \(ember op\)"):
        ember.onnx.export(Model(), ember.tensor([[1.0, 2.0], [3.0, -1.0]]), tmp_path / "m.onnx")


def test_an_in_place_change_outside_the_recorded_ops_is_refused(tmp_path):
    class Model(nn.Module):
        def forward(self, tokens):
            shifted = tokens.clone()
            shifted += 1  # an integer tensor: no graph, so the change is not recorded
            return shifted * 2

    with pytest.raises(OnnxExportError, match=r"made by Clone \(ember op\) .* was modified in place outside "
                       r"ember's recorded ops .* use the out-of-place form"):
        ember.onnx.export(Model(), ember.tensor([[1, 2]]), tmp_path / "m.onnx")


def test_sizes_read_from_a_dynamic_axis(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            return x + ember.arange(x.shape[1])  # fine for a fixed size, refused for a dynamic one

    x = ember.randn(2, 3)
    assert_matches(Model(), x, tmp_path)
    with pytest.raises(OnnxExportError, match=r"a constant of shape \(3,\) used by Add .* depends on the "
                       r"size of a dynamic axis .* not a plain fill"):
        ember.onnx.export(Model(), x, tmp_path / "m.onnx", dynamic_axes={"x": {1: "n"}})

    class Mean(nn.Module):
        def forward(self, x):
            return x.sum(1) / x.shape[1]

    with pytest.raises(OnnxExportError, match=r"Div \(ember op\) .*: its argument 1 \(3\) changes with the "
                       r"inputs \(it was 6 for longer dynamic axes"):
        ember.onnx.export(Mean(), x, tmp_path / "m.onnx", dynamic_axes={"x": {1: "n"}})


def test_a_model_that_cannot_take_longer_dynamic_axes_is_named(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            return x.reshape(2, 6)

    with pytest.raises(OnnxExportError, match=r"failed on inputs with the dynamic axes longer "
                       r"\(x \(5, 3, 2\)\).*reshape: shape \(2, 6\) is invalid"):
        ember.onnx.export(Model(), ember.randn(2, 3, 2), tmp_path / "m.onnx", dynamic_axes={"x": {0: "b"}})


def test_fills_made_in_the_forward_follow_a_dynamic_axis(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            return x + ember.ones(x.shape[0], 1) * 2

    feed = np.ones((5, 3), np.float32)
    proto = assert_matches(Model(), ember.randn(2, 3), tmp_path, feeds=[feed], dynamic_axes={"x": {0: "b"}})
    assert "ConstantOfShape" in op_types(proto)
