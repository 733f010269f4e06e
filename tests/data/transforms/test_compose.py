import numpy as np
import pytest

import ember
from ember.data.transforms import Compose, Lambda, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor


def test_compose_applies_in_order():
    pipeline = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
    out = pipeline(np.array([[0, 255]], dtype=np.uint8))
    assert isinstance(out, ember.Tensor)
    np.testing.assert_allclose(out.numpy(), [[[-1.0, 1.0]]])


def test_compose_passes_several_inputs_through_every_transform():
    index = np.arange(64).reshape(8, 8)
    image = index[None].astype(np.float32)
    pipeline = Compose([RandomHorizontalFlip(), RandomCrop(5), Normalize((0.0,), (2.0,))])
    for seed in range(4):
        ember.manual_seed(seed)
        out_image, out_mask = pipeline(image, index)
        np.testing.assert_array_equal(out_image[0] * 2, out_mask)


def test_lambda_applies_to_each_input():
    double = Lambda(lambda x: x * 2)
    np.testing.assert_array_equal(double(np.ones(3)), [2, 2, 2])
    a, b = double(np.ones(1), np.full(1, 3))
    assert a.tolist() == [2] and b.tolist() == [6]


def test_errors_and_repr():
    with pytest.raises(TypeError, match=r"Compose: transforms\[1\] is a int, not a callable"):
        Compose([ToTensor(), 3])
    with pytest.raises(TypeError, match="Lambda: lambd should be callable, got a str"):
        Lambda("x")
    assert repr(Compose([ToTensor()])) == "Compose(\n    ToTensor()\n)"
