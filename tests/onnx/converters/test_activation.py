"""Every activation of ember.nn exports (ember/onnx/converters/activation.py and friends)."""

import numpy as np
import pytest

import ember
from ember import nn
from tests.onnx.common import assert_matches, op_types

ACTIVATIONS = [
    (nn.ReLU(), ["Relu"]), (nn.ReLU(inplace=True), ["Relu"]), (nn.LeakyReLU(0.2), ["LeakyRelu"]),
    (nn.ELU(0.7), ["Elu"]), (nn.SELU(), ["Selu"]), (nn.CELU(1.3), ["Celu"]),
    (nn.GELU(), None), (nn.GELU("tanh"), None), (nn.Sigmoid(), ["Sigmoid"]), (nn.Tanh(), ["Tanh"]),
    (nn.Softmax(dim=1), ["Softmax"]), (nn.LogSoftmax(dim=-1), ["LogSoftmax"]), (nn.Softmin(dim=1), None),
    (nn.Softplus(), None), (nn.Softplus(beta=2, threshold=5), None), (nn.SiLU(inplace=True), None),
    (nn.Mish(), None), (nn.Hardtanh(-2, 2), ["Clip"]), (nn.ReLU6(), ["Clip"]),
    (nn.Hardsigmoid(), ["HardSigmoid"]), (nn.Hardswish(), ["HardSwish"]), (nn.LogSigmoid(), None),
    (nn.PReLU(6, 0.3), ["PRelu"]), (nn.Softsign(), None), (nn.GLU(), None), (nn.Threshold(0.5, -2.0), None),
    (nn.Hardshrink(0.7), ["Shrink"]), (nn.Softshrink(1.5), ["Shrink"]), (nn.Tanhshrink(), None),
    (nn.RReLU(0.1, 0.3).eval(), ["LeakyRelu"]),
]


def _input():
    x = ember.randn(4, 6).numpy() * 3
    edges = np.array([[30.0, -30.0, 0.0, 25.0, -25.0, 1e-3]], np.float32)  # saturation, thresholds
    return ember.tensor(np.concatenate([x, edges]))


@pytest.mark.parametrize("module, ops", ACTIVATIONS, ids=[repr(m) for m, _ in ACTIVATIONS])
def test_activation_matches_onnxruntime(module, ops, tmp_path):
    proto = assert_matches(module, _input(), tmp_path)
    if ops is not None:
        assert op_types(proto) == ops


def test_every_activation_module_is_covered():
    from ember.nn.modules import activation

    covered = {type(m).__name__ for m, _ in ACTIVATIONS} | {"Softmax2d"}  # 4-D input: below
    assert set(activation.__all__) <= covered


def test_softmax2d(tmp_path):
    assert op_types(assert_matches(nn.Softmax2d(), ember.randn(2, 3, 4, 5), tmp_path)) == ["Softmax"]


def test_gelu_becomes_one_node_from_opset_20(tmp_path):
    assert op_types(assert_matches(nn.GELU("tanh"), _input(), tmp_path, opset_version=20)) == ["Gelu"]
