"""The resampling kernels, checked against PyTorch's interpolate/grid_sample and closed forms."""

import numpy as np
import pytest

from ember.data.transforms._resample import affine_output_size, affine_warp, inverse_affine_matrix, resize


@pytest.mark.parametrize("size", [(8, 5), (30, 40), (17, 10), (9, 50)])
@pytest.mark.parametrize("antialias", [True, False])
def test_bilinear_resize_matches_torch(size, antialias):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((3, 17, 23)).astype(np.float32)
    expected = torch.nn.functional.interpolate(torch.from_numpy(x)[None], size=size, mode="bilinear",
                                               align_corners=False, antialias=antialias)[0].numpy()
    np.testing.assert_allclose(resize(x, size, "bilinear", antialias), expected, atol=2e-6)


@pytest.mark.parametrize("size", [(8, 5), (30, 40), (3, 70)])
def test_nearest_resize_matches_torch(size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((2, 17, 23)).astype(np.float32)
    expected = torch.nn.functional.interpolate(torch.from_numpy(x)[None], size=size, mode="nearest")[0]
    np.testing.assert_array_equal(resize(x, size, "nearest"), expected.numpy())


def test_resize_of_a_constant_image_is_constant_and_uint8_is_rounded():
    np.testing.assert_allclose(resize(np.full((1, 7, 9), 0.3), (20, 3)), 0.3)
    out = resize(np.array([[[0, 255]]], np.uint8), (1, 4))
    assert out.dtype == np.uint8 and out.tolist() == [[[0, 64, 191, 255]]]


def _torchvision_grid(torch, matrix, w, h, ow, oh):
    """torchvision's ``_affine_grid``, written out, as the reference for the sampling positions."""
    theta = torch.tensor(matrix, dtype=torch.float64).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3, dtype=torch.float64)
    base[..., 0] = torch.linspace((1.0 - ow) * 0.5, (ow - 1.0) * 0.5, ow, dtype=torch.float64)
    base[..., 1] = torch.linspace((1.0 - oh) * 0.5, (oh - 1.0) * 0.5, oh, dtype=torch.float64)[:, None]
    base[..., 2] = 1
    scaled = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=torch.float64)
    return (base.view(1, oh * ow, 3) @ scaled).view(1, oh, ow, 2)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_affine_warp_matches_torch_grid_sample(mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).random((3, 17, 23))
    matrix = inverse_affine_matrix((1.5, -2.0), 33.0, (2, -1), 1.2, (10.0, -5.0))
    fill = np.array([0.3, 0.5, 0.7]).reshape(-1, 1, 1)
    with_ones = torch.cat([torch.from_numpy(x), torch.ones(1, 17, 23, dtype=torch.float64)])[None]
    grid = _torchvision_grid(torch, matrix, 23, 17, 23, 17)
    sampled = torch.nn.functional.grid_sample(with_ones, grid, mode=mode, padding_mode="zeros",
                                              align_corners=False)[0].numpy()
    image, mask = sampled[:3], sampled[3:]
    expected = np.where(mask < 0.5, fill, image) if mode == "nearest" else mask * (image - fill) + fill
    np.testing.assert_allclose(affine_warp(x, matrix, (17, 23), mode, fill), expected, atol=1e-12)


def test_pure_translation_shifts_pixels():
    x = np.arange(20.0).reshape(1, 4, 5)
    matrix = inverse_affine_matrix((0.0, 0.0), 0.0, (2, 1), 1.0, (0.0, 0.0))
    out = affine_warp(x, matrix, (4, 5), "bilinear", -1.0)
    np.testing.assert_allclose(out[0, 1:, 2:], x[0, :3, :3])
    assert (out[0, 0] == -1).all() and (out[0, :, :2] == -1).all()


def test_expanded_output_size_of_rotations():
    assert affine_output_size(inverse_affine_matrix((0, 0), 90.0, (0, 0), 1.0, (0, 0)), 6, 4) == (4, 6)
    # corners at 5 +- 5 * sqrt(2) = -2.07 .. 12.07: floor/ceil to whole pixels, as PIL's expand
    assert affine_output_size(inverse_affine_matrix((0, 0), 45.0, (0, 0), 1.0, (0, 0)), 10, 10) == (16, 16)
