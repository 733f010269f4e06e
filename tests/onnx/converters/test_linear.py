"""Products and padding export (ember/onnx/converters/linear.py, misc.py)."""

import ember
from ember import nn
from ember.nn import functional as F
from tests.onnx.common import assert_matches, op_types


class _Products(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.fc_no_bias = nn.Linear(4, 2, bias=False)
        self.bilinear = nn.Bilinear(3, 4, 2)

    def forward(self, x, y):
        h = self.fc_no_bias(self.fc(x))  # (N, T, 2): MatMul on 3-D inputs
        b = self.bilinear(x[:, 0], y)
        return h @ h.mT, b, F.pad(x, (1, 2), value=0.5)


def test_linear_matmul_bilinear_and_padding(tmp_path):
    proto = assert_matches(_Products(), (ember.randn(2, 5, 3), ember.randn(2, 4)), tmp_path)
    assert {"MatMul", "Einsum", "Pad"} <= set(op_types(proto))
