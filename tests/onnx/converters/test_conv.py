"""Convolution, pooling and batch norm models export (ember/onnx/converters/conv.py, pooling.py)."""

import numpy as np

import ember
from ember import nn
from ember.nn import functional as F
from tests.onnx.common import assert_matches, op_types


def _with_statistics(model):
    """Batch norms with running statistics other than the initial ones."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.data.copy_(ember.randn(m.num_features))
            m.running_var.data.copy_(ember.rand(m.num_features) + 0.5)
    return model


def test_cnn_with_a_dynamic_batch(tmp_path):
    model = _with_statistics(nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, groups=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)))
    feed = np.random.default_rng(0).standard_normal((4, 3, 16, 16)).astype(np.float32)
    proto = assert_matches(model, ember.randn(2, 3, 16, 16), tmp_path, feeds=[feed],
                           dynamic_axes={"input": {0: "batch"}})
    assert op_types(proto) == ["Conv", "Mul", "Add", "Relu", "MaxPool", "Conv", "ReduceMean", "Reshape",
                               "Gemm"]
    reshape = next(n for n in proto.graph.node if n.op_type == "Reshape")
    shape = next(i for i in proto.graph.initializer if i.name == reshape.input[1])
    assert list(np.frombuffer(shape.raw_data, np.int64)) == [0, 8]  # 0: the batch, copied at run time


class _Layers(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(3, 4, 3, stride=2, padding=2, dilation=2)
        self.bn = nn.BatchNorm1d(4)
        self.p1 = nn.AvgPool1d(2, padding=1)
        self.c2 = nn.Conv2d(4, 6, (3, 2), padding="same", groups=2)
        self.up = nn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1)
        self.mp = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.ap = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)

    def forward(self, x):
        y = self.p1(self.bn(self.c1(x)))
        z = self.c2(y.unsqueeze(2).expand(-1, -1, 5, -1))
        u = self.up(z)
        return (self.mp(u), self.ap(u), F.avg_pool2d(u, 2, padding=1), F.adaptive_avg_pool2d(u, (3, 2)),
                F.max_pool1d(y, 2, dilation=2))


def test_conv1d_transposed_dilated_grouped_and_pooling_variants(tmp_path):
    feed = np.random.default_rng(0).standard_normal((5, 3, 17)).astype(np.float32)
    assert_matches(_with_statistics(_Layers()), ember.randn(2, 3, 17), tmp_path, feeds=[feed],
                   dynamic_axes={"x": {0: "batch"}})
