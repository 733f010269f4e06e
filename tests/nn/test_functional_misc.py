import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _tf():
    return torch.nn.functional


def _np(t):
    return t.detach().numpy()


# ---------------------------------------------------------------- pad
PAD_CASES = [
    ("constant", (3, 4, 5), (1, 2)), ("constant", (2, 3, 4, 5), (1, 0, 2, 3)),
    ("constant", (3, 4), (1, 1, 2, 2)), ("constant", (3, 4, 5), (-1, 2, 1, -2)),
    ("constant", (3, 4), (0, 0, 0, 0)),
    ("reflect", (2, 5), (2, 3)), ("reflect", (2, 3, 6), (2, 1)), ("reflect", (1, 2, 4, 5), (1, 2, 3, 1)),
    ("reflect", (3, 4, 5), (1, 2, 3, 1)), ("reflect", (1, 1, 2, 3, 4), (1, 1, 2, 2, 1, 0)),
    ("replicate", (2, 5), (4, 3)), ("replicate", (1, 2, 3, 4), (1, 2, 3, 6)),
    ("circular", (2, 5), (5, 3)), ("circular", (1, 2, 4, 4), (1, 2, 0, 4)),
]


@pytest.mark.parametrize("mode,shape,pad", PAD_CASES, ids=[f"{m}-{s}-{p}" for m, s, p in PAD_CASES])
def test_pad_matches_torch_and_gradchecks(mode, shape, pad):
    check_op(lambda x: F.pad(x, pad, mode=mode), lambda x: _tf().pad(x, pad, mode=mode),
             shapes=[shape])


@needs_torch
def test_pad_constant_value():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_np(F.pad(ember.tensor(a), (1, 1), value=-7.5)),
                                  _tf().pad(torch.tensor(a), (1, 1), value=-7.5).numpy())


def test_pad_errors():
    x = ember.ones(3, 4)
    with pytest.raises(ValueError, match=r"pad: the padding \(1, 1, 1\) must have an even length"):
        F.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match=r"pad: the padding \(1, 1, 1, 1, 1, 1\) covers 3 dimensions "
                                         r"but the input of shape \(3, 4\) has only 2"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"pad: reflect padding \(4, 1\) must be smaller than the size "
                                         r"4 of dimension 1"):
        F.pad(x, (4, 1), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: circular padding \(5, 1\) can't exceed the size 4"):
        F.pad(x, (5, 1), mode="circular")
    with pytest.raises(ValueError, match=r"pad: mode 'reflect' doesn't take a fill value"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)
    with pytest.raises(ValueError, match=r"pad: mode 'reflect' with 4 padding amounts needs an input of "
                                         r"3 or 4 dimensions"):
        F.pad(x, (1, 1, 1, 1), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: mode must be 'constant', 'reflect', 'replicate' or "
                                         r"'circular', got 'wrap'"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match=r"pad: padding \(-3, -2\) would give dimension 1 \(size 4\)"):
        F.pad(x, (-3, -2))
    with pytest.raises(ValueError, match=r"pad: negative padding \(-1, 1\) is only supported in "
                                         r"constant mode"):
        F.pad(x, (-1, 1), mode="replicate")
    with pytest.raises(ValueError, match=r"pad: replicate padding needs a non-empty dimension 1"):
        F.pad(ember.ones(3, 0), (1, 1), mode="replicate")


# ---------------------------------------------------------------- interpolate
INTERP_CASES = [
    ("nearest", (1, 2, 5), {"scale_factor": 2}), ("nearest", (1, 2, 5), {"size": 7}),
    ("nearest", (1, 2, 4, 5), {"scale_factor": 1.7}), ("nearest", (2, 1, 4, 5), {"size": (3, 8)}),
    ("nearest", (2, 1, 6, 5), {"scale_factor": (0.5, 3)}),
    ("nearest-exact", (2, 1, 4, 5), {"scale_factor": 1.5}),
    ("linear", (2, 2, 5), {"scale_factor": 2}), ("linear", (2, 2, 5), {"size": 3}),
    ("linear", (2, 2, 5), {"size": 9, "align_corners": True}),
    ("bilinear", (1, 2, 3, 4), {"scale_factor": 2}), ("bilinear", (1, 2, 4, 5), {"size": (7, 3)}),
    ("bilinear", (1, 2, 4, 5), {"scale_factor": 1.6, "align_corners": True}),
    ("bilinear", (1, 1, 4, 5), {"scale_factor": 2.5, "recompute_scale_factor": True}),
    ("bilinear", (1, 1, 4, 5), {"size": (1, 1), "align_corners": True}),
    ("bilinear", (1, 1, 4, 5), {"size": (4, 5)}),
    ("bicubic", (1, 2, 4, 5), {"scale_factor": 2}), ("bicubic", (2, 1, 5, 4), {"size": (3, 7)}),
    ("bicubic", (1, 1, 4, 5), {"scale_factor": 1.6, "align_corners": True}),
    ("bicubic", (1, 1, 6, 6), {"scale_factor": 0.5}), ("bicubic", (1, 1, 4, 5), {"size": (4, 5)}),
    ("bicubic", (1, 1, 3, 4), {"scale_factor": 2.5, "recompute_scale_factor": True}),
    ("bilinear", (1, 2, 9, 7), {"size": (4, 3), "antialias": True}),
    ("bilinear", (1, 1, 6, 8), {"scale_factor": (0.5, 1.5), "antialias": True}),
    ("bicubic", (1, 2, 9, 7), {"scale_factor": 0.4, "antialias": True}),
    ("bicubic", (1, 1, 5, 6), {"size": (3, 9), "align_corners": True, "antialias": True}),
    ("trilinear", (1, 2, 3, 4, 2), {"scale_factor": 2}),
    ("trilinear", (1, 1, 3, 4, 5), {"size": (2, 5, 3), "align_corners": True}),
    ("nearest", (1, 1, 2, 3, 4), {"scale_factor": (2, 1.5, 0.5)}),
    ("area", (2, 2, 7), {"size": 3}), ("area", (2, 2, 6), {"scale_factor": 0.5}),
    ("area", (1, 2, 7, 5), {"size": (3, 4)}), ("area", (1, 1, 4, 4), {"scale_factor": 1.5}),
]


@pytest.mark.parametrize("mode,shape,kwargs", INTERP_CASES, ids=[f"{m}-{s}-{k}" for m, s, k in INTERP_CASES])
def test_interpolate_matches_torch_and_gradchecks(mode, shape, kwargs):
    check_op(lambda x: F.interpolate(x, mode=mode, **kwargs),
             lambda x: _tf().interpolate(x, mode=mode, **kwargs), shapes=[shape])


def test_interpolate_nearest_upsampling_repeats_pixels():
    x = ember.arange(4.0).reshape(1, 1, 2, 2)
    y = F.interpolate(x, scale_factor=2)
    assert y.tolist() == [[[[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0],
                            [2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]]]


def test_interpolate_errors():
    x = ember.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"interpolate: give exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match=r"interpolate: give exactly one of size and scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match=r"interpolate: mode 'bilinear' needs a 4-D \(N, C, H, W\) "
                                         r"input, got shape \(1, 1, 4\)"):
        F.interpolate(ember.ones(1, 1, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: align_corners can only be set with the "
                                         r"interpolating modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"interpolate: expects an input of shape \(N, C, L\), "
                                         r"\(N, C, H, W\) or \(N, C, D, H, W\), got \(4, 4\)"):
        F.interpolate(ember.ones(4, 4), scale_factor=2)
    with pytest.raises(ValueError, match=r"interpolate: size=\(2, 2, 2\) must give one value per "
                                         r"spatial dimension"):
        F.interpolate(x, size=(2, 2, 2))
    with pytest.raises(ValueError, match=r"interpolate: input and output sizes must be positive"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'lanczos' is not supported"):
        F.interpolate(x, scale_factor=2, mode="lanczos")
    with pytest.raises(ValueError, match=r"interpolate: mode 'trilinear' needs a 5-D \(N, C, D, H, W\) "
                                         r"input, got shape \(1, 1, 4, 4\)"):
        F.interpolate(x, scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match=r"interpolate: antialias=True works with modes 'bilinear' and "
                                         r"'bicubic', not 'nearest'"):
        F.interpolate(x, scale_factor=0.5, antialias=True)


# ---------------------------------------------------------------- normalize and similarities
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim):
    check_op(lambda x: F.normalize(x, p, dim), lambda x: _tf().normalize(x, p, dim), shapes=[(3, 4)])


@needs_torch
def test_normalize_leaves_zero_vectors_zero_with_zero_gradient():
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.normalize(x), _tf().normalize(tx)
    np.testing.assert_allclose(_np(y), [[0.0, 0.0], [0.6, 0.8]])
    (y * ember.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    (ty * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), atol=1e-12)


@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), 1), (((4, 3), (3,)), -1),
                                        (((2, 3, 4), (2, 1, 4)), 1), (((5,), (5,)), 0)])
def test_cosine_similarity_matches_torch(shapes, dim):
    check_op(lambda a, b: F.cosine_similarity(a, b, dim),
             lambda a, b: _tf().cosine_similarity(a, b, dim), shapes=list(shapes))


@needs_torch
def test_cosine_similarity_of_a_zero_vector_matches_torch():
    a, b = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]), np.array([[1.0, 2.0, 2.0], [2.0, 0.0, 1.0]])
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.cosine_similarity(x, ember.tensor(b)), _tf().cosine_similarity(tx, torch.tensor(b))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-7, atol=1e-12)


def test_cosine_similarity_errors():
    with pytest.raises(ValueError, match=r"cosine_similarity: x1 of shape \(2, 3\) and x2 of shape "
                                         r"\(4, 3\) don't broadcast"):
        F.cosine_similarity(ember.ones(2, 3), ember.ones(4, 3))
    with pytest.raises(TypeError, match=r"cosine_similarity: expected a Tensor, got list"):
        F.cosine_similarity([1.0], ember.ones(1))
    with pytest.raises(ValueError, match=r"normalize: out= is not supported"):
        F.normalize(ember.ones(2, 2), out=ember.ones(2, 2))


@pytest.mark.parametrize("shapes,p,keepdim", [(((4, 3), (4, 3)), 2.0, False), (((4, 3), (3,)), 1.0, True),
                                              (((5,), (5,)), 3.0, False)])
def test_pairwise_distance_matches_torch(shapes, p, keepdim):
    check_op(lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim),
             lambda a, b: _tf().pairwise_distance(a, b, p, keepdim=keepdim), shapes=list(shapes))


def test_docstring_examples():
    result = doctest.testmod(sys.modules["ember.nn.functional.misc"],
                             extraglobs={"ember": ember, "nn": nn, "F": F})
    assert result.failed == 0 and result.attempted > 0
