import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
from ember import layers as L

X = np.random.default_rng(0).standard_normal((2, 7, 6, 3)).astype(np.float32)


def test_max_and_average_valid_match_torch():
    xt = torch.tensor(X).permute(0, 3, 1, 2)
    y = L.MaxPooling2D()(ember.tensor(X)).numpy()
    np.testing.assert_allclose(y, TF.max_pool2d(xt, 2).permute(0, 2, 3, 1).numpy())
    y = L.AveragePooling2D(3, strides=2)(ember.tensor(X)).numpy()
    np.testing.assert_allclose(y, TF.avg_pool2d(xt, 3, 2).permute(0, 2, 3, 1).numpy(), rtol=1e-5)
    assert L.MaxPooling2D().compute_output_shape((None, 7, 6, 3)) == (None, 3, 3, 3)


def test_same_padding_tf_semantics():
    x = np.arange(5, dtype=np.float32).reshape(1, 5, 1)
    assert L.MaxPooling1D(2, padding="same")(ember.tensor(x)).numpy().ravel().tolist() == [1, 3, 4]
    # the last window holds only x[4]: its average excludes the padding (TensorFlow's rule)
    assert L.AveragePooling1D(2, padding="same")(ember.tensor(x)).numpy().ravel().tolist() == [0.5, 2.5, 4]
    neg = -np.ones((1, 3, 3, 1), np.float32)
    assert L.MaxPooling2D(2, padding="same")(ember.tensor(neg)).numpy().max() == -1
    y = L.AveragePooling2D(2, padding="same")(ember.tensor(X))
    assert y.shape == (2, 4, 3, 3) == (2,) + L.AveragePooling2D(2, padding="same").compute_output_shape(
        (None, 7, 6, 3))[1:]
    np.testing.assert_allclose(y.numpy()[:, -1, 0], X[:, 6, 0:2].mean(1), rtol=1e-5)


def test_channels_first_and_global():
    xt = X.transpose(0, 3, 1, 2)
    y = L.MaxPooling2D(data_format="channels_first")(ember.tensor(xt))
    assert y.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(ember.tensor(X)).numpy(), X.mean((1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(ember.tensor(X)).numpy(), X.max((1, 2)))
    g = L.GlobalAveragePooling2D(keepdims=True)
    assert g(ember.tensor(X)).shape == (2, 1, 1, 3)
    assert g.compute_output_shape((None, 7, 6, 3)) == (None, 1, 1, 3)
    cf = L.GlobalMaxPooling2D(data_format="channels_first")
    assert cf.compute_output_shape((None, 3, 7, 6)) == (None, 3)
    assert L.GlobalAveragePooling1D()(ember.ones(2, 5, 4)).shape == (2, 4)
    assert L.GlobalMaxPooling1D()(ember.ones(2, 5, 4)).shape == (2, 4)
    cfg = L.MaxPooling2D(3, padding="same").get_config()
    assert L.MaxPooling2D.from_config(cfg).get_config() == cfg
    assert L.GlobalMaxPooling2D.from_config(L.GlobalMaxPooling2D().get_config()).keepdims is False


def test_pooling_gradient_flows():
    x = ember.tensor(X, requires_grad=True)
    L.AveragePooling2D(2, padding="same")(x).sum().backward()
    assert x.grad.shape == X.shape


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"'p' \(MaxPooling2D\).*expects inputs of rank 4.*\(2, 5\)"):
        L.MaxPooling2D(name="p")(ember.ones(2, 5))
    with pytest.raises(ValueError, match="smaller than the pool; use padding='same'"):
        L.MaxPooling2D(3)(ember.ones(1, 2, 2, 1))
    with pytest.raises(ValueError, match="expects inputs of rank 4"):
        L.GlobalAveragePooling2D()(ember.ones(2, 5, 3))


def test_3d_pooling_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 5, 3)).astype(np.float32)
    tx = torch.tensor(x).permute(0, 4, 1, 2, 3)
    y = L.MaxPooling3D()(ember.tensor(x)).numpy()
    np.testing.assert_array_equal(y, torch.nn.functional.max_pool3d(tx, 2).permute(0, 2, 3, 4, 1).numpy())
    y = L.AveragePooling3D((2, 3, 2), strides=1)(ember.tensor(x)).numpy()
    want = torch.nn.functional.avg_pool3d(tx, (2, 3, 2), stride=1).permute(0, 2, 3, 4, 1).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)
    assert L.AveragePooling3D(padding="same")(ember.tensor(x)).shape == (2, 2, 3, 3, 3)
    assert L.MaxPooling3D().compute_output_shape((None, 4, 6, 5, 3)) == (None, 2, 3, 2, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(ember.tensor(x)).numpy(), x.mean((1, 2, 3)),
                               rtol=1e-6)
    assert L.GlobalMaxPooling3D(keepdims=True)(ember.tensor(x)).shape == (2, 1, 1, 1, 3)
    with pytest.raises(ValueError,
                       match=r"expects inputs of rank 5 \(\(batch, depth, height, width, channels\)"):
        L.MaxPooling3D()(ember.ones(2, 4, 4, 3))
