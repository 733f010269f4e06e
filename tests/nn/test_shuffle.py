"""pixel_shuffle, pixel_unshuffle, channel_shuffle and their layers against PyTorch: values,
gradients of first and second order, reprs, batched and unbatched inputs, and each error."""

import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
if torch is not None:
    import torch.nn.functional as TF


@pytest.mark.parametrize("shape,r", [((1, 8, 2, 3), 2), ((2, 9, 2, 2), 3), ((4, 2, 3), 2),
                                     ((2, 3, 8, 1, 2), 2), ((1, 3, 2, 2), 1)])
def test_pixel_shuffle(shape, r):
    check_op(lambda x: F.pixel_shuffle(x, r), (lambda x: TF.pixel_shuffle(x, r)) if torch else None,
             shapes=[shape])
    check_op(nn.PixelShuffle(r), torch.nn.PixelShuffle(r) if torch else None, shapes=[shape])


@pytest.mark.parametrize("shape,r", [((1, 2, 4, 6), 2), ((2, 1, 6, 3), 3), ((3, 4, 2), 2),
                                     ((2, 2, 1, 2, 4), 2), ((1, 3, 2, 2), 1)])
def test_pixel_unshuffle(shape, r):
    check_op(lambda x: F.pixel_unshuffle(x, r), (lambda x: TF.pixel_unshuffle(x, r)) if torch else None,
             shapes=[shape])
    check_op(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r) if torch else None, shapes=[shape])


@pytest.mark.parametrize("shape,groups", [((1, 6, 2, 3), 2), ((2, 6, 4), 3), ((2, 4, 3, 2, 2), 4),
                                          ((6, 2, 3), 2), ((1, 5, 2), 1), ((1, 6, 2, 1, 2, 1), 6)])
def test_channel_shuffle(shape, groups):
    check_op(lambda x: F.channel_shuffle(x, groups),
             (lambda x: TF.channel_shuffle(x, groups)) if torch else None, shapes=[shape])
    check_op(nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups) if torch else None, shapes=[shape])


def test_unshuffle_inverts_shuffle():
    x = ember.randn(2, 12, 3, 5)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    np.testing.assert_array_equal(F.channel_shuffle(F.channel_shuffle(x, 3), 4).numpy(), x.numpy())


def test_channel_shuffle_order():
    x = ember.arange(6.0).reshape(1, 6, 1)
    assert F.channel_shuffle(x, 3).flatten().tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]


@needs_torch
def test_reprs_and_state_match_torch():
    for name, arg in (("PixelShuffle", 3), ("PixelUnshuffle", 2), ("ChannelShuffle", 4)):
        layer, tlayer = getattr(nn, name)(arg), getattr(torch.nn, name)(arg)
        assert repr(layer) == repr(tlayer)
        assert dict(layer.state_dict()) == {} and list(layer.parameters()) == []


@pytest.mark.parametrize("call,match", [
    (lambda: F.pixel_shuffle(ember.ones(1, 6, 2, 3), 2),
     r"^pixel_shuffle: the 6 channels of the input \(1, 6, 2, 3\) must be divisible by upscale_factor \*\* 2 "
     r"= 4$"),
    (lambda: F.pixel_shuffle(ember.ones(4, 3), 2),
     r"^pixel_shuffle: expects an input of shape \(\*, C, H, W\) with at least 3 dimensions, "
     r"got \(4, 3\)$"),
    (lambda: F.pixel_shuffle(ember.ones(1, 4, 2, 2), 0),
     r"^pixel_shuffle: expects a positive upscale_factor, got 0$"),
    (lambda: nn.PixelShuffle(2)(ember.ones(2, 3, 2, 2)), r"pixel_shuffle: the 3 channels of the input"),
    (lambda: F.pixel_unshuffle(ember.ones(1, 2, 5, 6), 2),
     r"^pixel_unshuffle: the height 5 and width 6 of the input \(1, 2, 5, 6\) must be divisible by "
     r"downscale_factor = 2$"),
    (lambda: F.pixel_unshuffle(ember.ones(2, 4), 2),
     r"^pixel_unshuffle: expects an input of shape \(\*, C, H, W\) with at least 3 dimensions, "
     r"got \(2, 4\)$"),
    (lambda: F.pixel_unshuffle(ember.ones(1, 1, 2, 2), -1),
     r"^pixel_unshuffle: expects a positive downscale_factor, got -1$"),
    (lambda: F.channel_shuffle(ember.ones(1, 6, 2, 3), 4),
     r"^channel_shuffle: the 6 channels of the input \(1, 6, 2, 3\) must be divisible by groups = 4$"),
    (lambda: F.channel_shuffle(ember.ones(2, 6), 2),
     r"^channel_shuffle: expects an input of shape \(N, C, \*\) with more than 2 dimensions, got \(2, 6\)$"),
    (lambda: F.channel_shuffle(ember.ones(2, 6, 1), 0), r"^channel_shuffle: expects a positive number of "
                                                        r"groups, got 0$"),
    (lambda: nn.ChannelShuffle(3)(ember.ones(2, 4, 3)), r"channel_shuffle: the 4 channels"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize("module", ["ember.nn.functional.shuffle", "ember.nn.modules.shuffle"])
def test_docstring_examples(module):
    result = doctest.testmod(sys.modules[module], extraglobs={"ember": ember, "nn": nn, "F": F})
    assert result.failed == 0 and result.attempted > 0
