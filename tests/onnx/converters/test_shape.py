"""Shape ops, indexing, reductions and elementwise math export, with a dynamic batch
(ember/onnx/converters/shape.py, indexing.py, reduction.py, elementwise.py, arithmetic.py)."""

import numpy as np

import ember
from ember import nn
from tests.onnx.common import assert_matches

_rng = np.random.default_rng(0)


class _Shapes(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 6)
        self.norm = nn.GroupNorm(2, 6)

    def forward(self, x, mask):
        h = self.lin(x)  # (N, T, 6)
        a, b, c = h.chunk(3, -1)
        s = ember.stack([a, b, c], 1).permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], -1)
        s = s[:, 1:, None, ::2] + s[:, :-1, None, 1::2]
        s = s.squeeze(2).flip(1)
        s = ember.cat([s, s[:, -1:].repeat(1, 2, 1)], 1)
        m = h.masked_fill(mask.unsqueeze(-1), 0.0)
        g = self.norm(m.transpose(1, 2)).sum(-1)
        first = h.unbind(2)[0]
        picked = h[:, :, [0, 2, 2]].clamp(min=-0.5, max=0.5)
        top = h.narrow(1, 1, 2).max(dim=1)[0]
        flat = h.flatten(1).unsqueeze(1).expand(-1, 2, -1)
        return s, g * first.mean(1, keepdim=True), picked, top, flat.tril().triu(-3)


def test_shapes_and_indexing_follow_a_dynamic_batch(tmp_path):
    x, mask = ember.randn(2, 5, 4), ember.tensor(_rng.random((2, 5)) > 0.5)
    feeds = [_rng.standard_normal((3, 5, 4)).astype(np.float32), _rng.random((3, 5)) > 0.5]
    assert_matches(_Shapes(), (x, mask), tmp_path, feeds=feeds,
                   dynamic_axes={"x": {0: "batch"}, "mask": {0: "batch"}})


class _Math(nn.Module):
    def forward(self, x, k, c):
        y = (x * 3 - 1) / (x.abs() + 1) ** 2
        y = y + ember.floor_divide(x, 0.7) + ember.remainder(x, 0.6) + ember.remainder(k, 3)
        y = y + x.exp().log1p() + ember.expm1(x * 0.1) + x.abs().sqrt().rsqrt() + x.square()
        y = y + ember.log2(x.abs() + 1) + ember.log10(x.abs() + 1) + x.sin() * x.cos() + x.tan().tanh()
        y = y + x.trunc() + ember.frac(x) + x.round(decimals=1) + x.sign() + x.ceil() + x.erf()
        y = y + ember.where(c, x, 0.25) + ember.maximum(x, y) - ember.minimum(x, y)
        y = y + ember.lerp(x, y, 0.3) + x.clamp(-1, 1) + ember.nn.functional.logsigmoid(x)
        z = ember.logsumexp(y, 1) + y.amax(1) - y.amin(1) + y.prod(1) + y.norm(dim=1)
        z = z + y.cumsum(1).sum(1) + y.var(1) + y.std(1, correction=0) + x.sum() + k.sum(1).float()
        z = z + y.norm(p=3, dim=1) + y.norm(p=float("inf"), dim=1)
        return y.to(ember.float64), z, ember.einsum("bi,bj->bij", x, y)


def test_elementwise_math_and_reductions(tmp_path):
    x, k = ember.randn(3, 4), ember.tensor(_rng.integers(-5, 5, (3, 4)))
    c = ember.tensor(_rng.random((3, 4)) > 0.5)
    feeds = [_rng.standard_normal((5, 4)).astype(np.float32), _rng.integers(-5, 5, (5, 4)),
             _rng.random((5, 4)) > 0.5]
    assert_matches(_Math(), (x, k, c), tmp_path, feeds=feeds,
                   dynamic_axes={"x": {0: "batch"}, "k": {0: "batch"}, "c": {0: "batch"}})
