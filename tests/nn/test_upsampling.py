"""nn.Upsample and its shorthands against PyTorch: values, gradients and reprs."""

import numpy as np
import pytest

import ember
from ember import nn
from tests.harness import check_op, torch

CASES = [
    ("Upsample", {"scale_factor": 2}, (1, 2, 3, 4)),
    ("Upsample", {"scale_factor": 2, "mode": "bilinear"}, (1, 2, 3, 4)),
    ("Upsample", {"size": (5, 7), "mode": "bicubic", "align_corners": True}, (2, 1, 3, 4)),
    ("Upsample", {"scale_factor": (1.5, 2), "mode": "nearest-exact"}, (1, 1, 4, 3)),
    ("Upsample", {"size": 9, "mode": "linear"}, (2, 3, 5)),
    ("Upsample", {"scale_factor": 2, "mode": "trilinear"}, (1, 1, 2, 3, 2)),
    ("UpsamplingNearest2d", {"scale_factor": 3}, (1, 2, 2, 3)),
    ("UpsamplingBilinear2d", {"size": (4, 6)}, (1, 2, 3, 3)),
]


@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=[f"{n}-{k}" for n, k, _ in CASES])
def test_upsample_matches_torch(name, kwargs, shape):
    layer = getattr(nn, name)(**kwargs)
    reference = getattr(torch.nn, name)(**kwargs) if torch else None
    check_op(layer, reference, shapes=[shape])
    if torch is not None:
        assert repr(layer) == repr(reference)


def test_upsample_has_no_parameters_and_doubles_an_image():
    layer = nn.Upsample(scale_factor=2)
    assert list(layer.parameters()) == []
    y = layer(ember.arange(4.0).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(y.numpy()[0, 0], [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
