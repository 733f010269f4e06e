import numpy as np
import pytest

import ember
from ember import layers as L


def test_flatten():
    x = ember.randn(2, 3, 4, 5)
    assert L.Flatten()(x).shape == (2, 60)
    assert L.Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    assert L.Flatten().compute_output_shape((None, None, 4)) == (None, None)
    cf = L.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(cf, x.numpy().transpose(0, 2, 3, 1).reshape(2, -1))
    with pytest.raises(ValueError, match="data_format must be"):
        L.Flatten(data_format="nchw")
    assert L.Flatten.from_config(L.Flatten().get_config()).data_format == "channels_last"


def test_reshape():
    x = ember.arange(24.0).reshape(2, 12)
    assert L.Reshape((3, 4))(x).shape == (2, 3, 4)
    assert L.Reshape((-1, 2))(x).shape == (2, 6, 2)
    assert L.Reshape((-1, 2)).compute_output_shape((None, 12)) == (None, 6, 2)
    assert L.Reshape((-1, 2)).compute_output_shape((None, None)) == (None, None, 2)
    with pytest.raises(ValueError, match=r"'r'.*cannot reshape an input of shape \(2, 12\).*"
                                         r"target_shape=\(5,\)"):
        L.Reshape((5,), name="r")(x)
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    assert L.Reshape.from_config(L.Reshape((3, 4)).get_config()).target_shape == (3, 4)


def test_permute():
    x = ember.randn(2, 3, 4)
    y = L.Permute((2, 1))(x)
    np.testing.assert_array_equal(y.numpy(), x.numpy().transpose(0, 2, 1))
    assert L.Permute((2, 1)).compute_output_shape((None, 3, 4)) == (None, 4, 3)
    with pytest.raises(ValueError, match="permutation of 1..2"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match=r"'p'.*expects inputs of rank 3"):
        L.Permute((2, 1), name="p")(ember.ones(2, 3))
    assert L.Permute.from_config(L.Permute((2, 1)).get_config()).dims == (2, 1)
