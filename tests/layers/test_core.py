import numpy as np
import pytest
import torch

import ember
from ember import layers as L


def test_dense_matches_closed_form_and_counts():
    layer = L.Dense(10, activation="relu")
    x = np.random.default_rng(0).standard_normal((4, 784)).astype(np.float32)
    y = layer(ember.tensor(x))
    k, b = layer.get_weights()
    assert k.shape == (784, 10) and b.shape == (10,) and not b.any()
    np.testing.assert_allclose(y.detach().numpy(), np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-5)
    assert layer.count_params() == 7850
    assert L.Dense(10, use_bias=False)(ember.ones(1, 784)) is not None
    assert layer.compute_output_shape((None, 5, 784)) == (None, 5, 10)


def test_dense_gradient_matches_torch():
    layer = L.Dense(3)
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    layer(ember.tensor(x)).square().sum().backward()
    lin = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.get_weights()[0].T))
        lin.bias.zero_()
    lin(torch.tensor(x)).square().sum().backward()
    np.testing.assert_allclose(layer.kernel.grad.numpy(), lin.weight.grad.numpy().T, rtol=1e-4, atol=1e-5)


def test_dense_errors_name_layer_and_shapes():
    layer = L.Dense(10, name="dense_1")
    layer(ember.ones(2, 784))
    with pytest.raises(ValueError, match=r"'dense_1'.*784 features.*\(32, 28, 28\).*add a Flatten layer"):
        layer(ember.ones(32, 28, 28))
    with pytest.raises(ValueError, match=r"'d' \(Dense\).*expected min_ndim=2, found ndim=1"):
        L.Dense(2, name="d")(ember.ones(3))
    with pytest.raises(ValueError, match="units must be a positive integer"):
        L.Dense(0)
    with pytest.raises(ValueError, match="received a list of 2"):
        L.Dense(2)([ember.ones(1, 2), ember.ones(1, 2)])
    with pytest.raises(ValueError, match="Unknown constraint"):
        L.Dense(2, kernel_constraint=object())
    with pytest.raises(ValueError, match="last dimension of the inputs should be defined"):
        L.Dense(2).build((None, None))


def test_dense_regularizers_and_config():
    layer = L.Dense(2, kernel_regularizer="l2", bias_regularizer=ember.layers.regularizers.L1(1.0))
    layer(ember.ones(1, 3))
    expected = 0.01 * float((layer.kernel.detach().numpy() ** 2).sum())
    assert [v.item() for v in layer.losses] == pytest.approx([expected, 0.0])
    clone = L.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config() and not clone.built


def test_activation_identity_lambda():
    x = ember.tensor([[-1.0, 2.0]])
    assert L.Activation("relu")(x).tolist() == [[0.0, 2.0]]
    assert L.Activation.from_config(L.Activation("tanh").get_config()).get_config()["activation"] == "tanh"
    assert L.Identity()(x) is x
    lam = L.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    assert lam(x).tolist() == [[-3.0, 6.0]]
    assert lam.compute_output_shape((None, 2)) == (None, 2)
    assert L.Lambda(lambda t: t, output_shape=(4,)).compute_output_shape((None, 2)) == (None, 4)
    assert L.Lambda(lambda t: t, output_shape=lambda s: s).compute_output_shape((None, 2)) == (None, 2)
    with pytest.raises(TypeError, match="function must be callable"):
        L.Lambda(3)


def test_input_layer_and_spec():
    layer = L.InputLayer(shape=(3,))
    assert layer.batch_input_shape == (None, 3) and layer.compute_output_shape((None, 3)) == (None, 3)
    assert L.InputLayer.from_config(layer.get_config()).shape == (3,)
    x = ember.ones(1, 3)
    assert layer(x) is x
    spec = L.InputSpec(ndim=2)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        spec.check(layer, (1, 2, 3))
    with pytest.raises(ValueError, match="expected max_ndim=1"):
        L.InputSpec(max_ndim=1).check(layer, (1, 2))
    with pytest.raises(ValueError, match="expected axis -1 of the input to have value 4"):
        L.InputSpec(axes={-1: 4}).check(layer, (1, 2))
