"""ember.onnx.export: the API (names, dynamic axes, modes, the file) and its errors."""

import doctest
import importlib
import os

import numpy as np
import pytest

import ember
from ember import nn
from ember.onnx import OnnxExportError
from tests.onnx.common import assert_matches, onnx, ort


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 3))


class _TwoArgs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, y):
        return self.fc(x) + y, y * 2


def test_mlp_matches_onnxruntime_and_keeps_the_parameter_names(tmp_path):
    proto = assert_matches(_mlp(), ember.randn(5, 4), tmp_path)
    assert [i.name for i in proto.graph.initializer] == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert proto.opset_import[0].version == 17


def test_input_and_output_names_are_honoured(tmp_path):
    path = tmp_path / "m.onnx"
    ember.onnx.export(_TwoArgs(), (ember.randn(2, 4), ember.randn(2, 3)), path,
                      input_names=["features", "offset"], output_names=["score", "twice"])
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["features", "offset"]
    assert [o.name for o in session.get_outputs()] == ["score", "twice"]


def test_default_names_are_the_forward_arguments(tmp_path):
    path = tmp_path / "m.onnx"
    ember.onnx.export(_TwoArgs(), (ember.randn(2, 4), ember.randn(2, 3)), path)
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["x", "y"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]


def test_dynamic_batch_axis_runs_at_another_batch_size(tmp_path):
    feed = np.random.default_rng(0).standard_normal((7, 4)).astype(np.float32)
    proto = assert_matches(_mlp(), ember.randn(2, 4), tmp_path, feeds=[feed],
                           input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    assert [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == \
        ["batch", 4]
    assert [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == \
        ["batch", 3]


def test_dynamic_axes_as_a_list_and_on_outputs(tmp_path):
    path = tmp_path / "m.onnx"
    ember.onnx.export(_mlp(), ember.randn(2, 4), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": [0], "y": {0: "rows"}})
    proto = onnx.load(str(path))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "rows"


def test_eval_mode_for_export_and_each_module_mode_restored(tmp_path):
    model, x = _mlp(), ember.randn(3, 4)
    model[2].eval()  # a module in its own mode stays so
    ember.onnx.export(model, x, tmp_path / "m.onnx")
    assert model.training and model[0].training and not model[2].training
    got, = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x.numpy()})
    model.eval()  # the graph is the eval-mode forward: no dropout
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous")
    assert ember.onnx.export(_mlp(), ember.randn(2, 4), path) == path
    assert os.listdir(tmp_path) == ["m.onnx"]
    onnx.checker.check_model(onnx.load(str(path)))
    with pytest.raises(OnnxExportError):
        ember.onnx.export(_Unsupported(), ember.randn(2, 3), path)
    assert os.listdir(tmp_path) == ["m.onnx"]
    onnx.checker.check_model(onnx.load(str(path)))  # the previous export, intact


class _Body(nn.Module):
    def forward(self, x):
        return ember.cumprod(x, 1)


class _Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.body = _Body()

    def forward(self, x):
        return self.body(self.fc(x))


def test_unsupported_op_error_names_the_op_and_module(tmp_path):
    with pytest.raises(OnnxExportError, match=r"CumProd \(ember op\) in the forward of module 'body' has "
                       r"no ONNX export yet; supported ops: Abs, Add, .*LSTMSequence.*Write that part"):
        ember.onnx.export(_Unsupported(), ember.randn(2, 3), tmp_path / "m.onnx")


def test_ops_whose_results_nobody_uses_are_not_exported(tmp_path):
    class Model(nn.Module):
        def forward(self, x):
            ember.cumprod(x, 1)  # computed and dropped: no need for an export
            return x * 2

    proto = assert_matches(Model(), ember.randn(2, 3), tmp_path)
    assert [n.op_type for n in proto.graph.node] == ["Mul"]


def test_keyword_arguments_and_non_tensor_arguments(tmp_path):
    class Model(nn.Module):
        def forward(self, x, scale=1.0, bias=None):
            return x * scale + bias

    x, bias = ember.randn(2, 3), ember.randn(3)
    path = tmp_path / "m.onnx"
    ember.onnx.export(Model(), (x, 3.0, {"bias": bias}), path)
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["x", "bias"]
    got, = session.run(None, {"x": x.numpy(), "bias": bias.numpy()})
    np.testing.assert_allclose(got, x.numpy() * 3 + bias.numpy(), rtol=1e-6)


def test_bad_arguments_are_refused_with_what_to_do(tmp_path):
    path, x = tmp_path / "m.onnx", ember.randn(2, 4)
    with pytest.raises(TypeError, match="model must be an ember.nn.Module"):
        ember.onnx.export(lambda t: t, x, path)
    with pytest.raises(ValueError, match="opset_version must be an int from 17"):
        ember.onnx.export(_mlp(), x, path, opset_version=12)
    with pytest.raises(ValueError, match=r"input_names must be 1 distinct non-empty strings .* "
                       r"got \['a', 'b'\]"):
        ember.onnx.export(_mlp(), x, path, input_names=["a", "b"])
    with pytest.raises(ValueError, match=r"dynamic_axes names \['y'\], which are neither input names"):
        ember.onnx.export(_mlp(), x, path, dynamic_axes={"y": {0: "batch"}})
    with pytest.raises(ValueError, match="dynamic axis 2 of input 'input' is out of range"):
        ember.onnx.export(_mlp(), x, path, dynamic_axes={"input": {2: "batch"}})
    with pytest.raises(ValueError, match="example_inputs holds no Tensor"):
        ember.onnx.export(_mlp(), (), path)
    assert not os.listdir(tmp_path)


def test_newer_opset(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.GELU(), nn.AdaptiveAvgPool1d(1))
    proto = assert_matches(model, ember.randn(2, 3, 4), tmp_path, opset_version=20)
    assert "Gelu" in [n.op_type for n in proto.graph.node]


def test_docstring_example_runs():
    module = importlib.import_module("ember.onnx.export")  # (the attribute is the function)
    result = doctest.testmod(module, extraglobs={"ember": ember, "np": np})
    assert result.attempted and not result.failed
