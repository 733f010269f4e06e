"""What the ONNX tests share: export a model, run the file with onnxruntime, compare with ember."""

import numpy as np
import pytest

import ember
from ember.onnx.trace import tensors_in

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def export_and_run(model, example_inputs, tmp_path, feeds=None, **kwargs):
    """Export ``model``, check the file, and return ``(onnx_outputs, ember_outputs, proto)`` for
    ``feeds`` (a list of arrays, one per input tensor; the example inputs by default)."""
    path = tmp_path / "model.onnx"
    ember.onnx.export(model, example_inputs, path, **kwargs)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = tensors_in(example_inputs)
    feeds = [t.numpy() for t in inputs] if feeds is None else feeds
    names = [i.name for i in session.get_inputs()]
    got = session.run(None, dict(zip(names, feeds)))
    args = _replace(example_inputs, iter(ember.tensor(f) for f in feeds))
    if not isinstance(args, tuple):
        args = (args,)
    if len(args) > 1 and callable(getattr(model, "call", None)):
        args = (list(args),)
    model.eval()
    with ember.no_grad():
        expected = [t.numpy() for t in tensors_in(model(*args))]
    return got, expected, proto


def assert_matches(model, example_inputs, tmp_path, feeds=None, atol=1e-5, **kwargs):
    """onnxruntime's outputs equal ember's within ``atol`` (and 1e-5 relative)."""
    got, expected, proto = export_and_run(model, example_inputs, tmp_path, feeds, **kwargs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=atol)
    return proto


def op_types(proto):
    return [n.op_type for n in proto.graph.node]


def _replace(structure, tensors):
    if isinstance(structure, ember.Tensor):
        return next(tensors)
    if isinstance(structure, (tuple, list)):
        return type(structure)(_replace(v, tensors) for v in structure)
    return structure
