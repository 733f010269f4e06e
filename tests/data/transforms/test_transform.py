"""The Transform base: NumPy/Tensor in and out, joint (image, mask) calls, reproducibility, errors."""

import numpy as np
import pytest

import ember
from ember.data.transforms import RandomCrop, RandomHorizontalFlip, Transform


def test_numpy_in_numpy_out_and_tensor_in_tensor_out():
    x = np.arange(2 * 6 * 6, dtype=np.float32).reshape(2, 6, 6)
    out = RandomCrop(4)(x)
    assert isinstance(out, np.ndarray) and out.shape == (2, 4, 4)
    t_out = RandomCrop(4)(ember.tensor(x))
    assert isinstance(t_out, ember.Tensor) and t_out.shape == (2, 4, 4) and t_out.dtype == ember.float32
    assert not t_out.requires_grad


def test_tensor_that_requires_grad_is_accepted_and_result_is_outside_the_graph():
    x = ember.rand(1, 4, 4, requires_grad=True)
    out = RandomHorizontalFlip(p=1.0)(x)
    assert np.array_equal(out.numpy(), x.detach().numpy()[..., ::-1])
    assert out.grad_fn is None


def test_joint_call_applies_one_draw_to_image_and_mask():
    # the mask holds each pixel's index, so it tells where every image pixel came from
    index = np.arange(10 * 10).reshape(10, 10)
    image = np.stack([index, -index]).astype(np.float32)
    for seed in range(5):
        ember.manual_seed(seed)
        out_image, out_mask = RandomCrop(6, padding=2)(image, index)
        inside = out_mask > 0
        assert np.array_equal(out_image[0][inside], out_mask[inside].astype(np.float32))
        assert out_mask.dtype == index.dtype


def test_same_seed_same_draws_and_different_seeds_differ():
    x = np.random.default_rng(0).random((3, 16, 16)).astype(np.float32)
    crop = RandomCrop(8)
    ember.manual_seed(7)
    a = [crop(x) for _ in range(3)]
    ember.manual_seed(7)
    b = [crop(x) for _ in range(3)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, a[1:]))


def test_skipped_random_apply_returns_inputs_unchanged():
    x, m = np.ones((1, 2, 2)), np.zeros((2, 2), np.int64)
    assert RandomHorizontalFlip(p=0.0)(x) is x
    out = RandomHorizontalFlip(p=0.0)(x, m)
    assert out[0] is x and out[1] is m


def test_errors_name_the_problem():
    flip = RandomHorizontalFlip()
    with pytest.raises(TypeError, match="RandomHorizontalFlip: expected an image .* got no input"):
        flip()
    with pytest.raises(ValueError, match=r"expected an image of shape \(C, H, W\), got shape \(5,\)"):
        flip(np.zeros(5))
    with pytest.raises(ValueError, match=r"input 2 has shape \(3, 3\) but the image has shape \(1, 4, 4\)"):
        flip(np.zeros((1, 4, 4)), np.zeros((3, 3), np.int64))
    with pytest.raises(TypeError, match="input 1 is a list; expected a NumPy array or an ember Tensor"):
        flip([[1.0]])


def test_subclass_without_apply_says_what_to_define():
    with pytest.raises(NotImplementedError, match=r"Transform must define apply\(array, params, is_mask\)"):
        Transform()(np.zeros((1, 2, 2)))


def test_repr_lists_arguments():
    assert repr(RandomCrop(4, padding=1)) == (
        "RandomCrop(size=(4, 4), padding=1, pad_if_needed=False, fill=0, padding_mode='constant')")
