import numpy as np
import pytest

import ember
from ember import layers as L
from ember.layers import activations, initializers, regularizers
from ember.layers.layer import reset_name_counters, to_snake_case


class Scale(L.Layer):
    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w", regularizer="l2")
        self.count = self.add_weight((), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        return x * self.w


def test_names_auto_numbered_per_class():
    reset_name_counters()
    assert [L.Dense(2).name, L.Dense(2).name, L.Conv2D(1, 1).name] == ["dense", "dense_1", "conv2d"]
    assert L.Dense(2, name="head").name == "head"
    assert to_snake_case("MaxPooling2D") == "max_pooling2d"
    assert to_snake_case("MultiHeadAttention") == "multi_head_attention"


def test_lazy_build_once_and_lock():
    layer = Scale()
    assert not layer.built
    y = layer(ember.ones(2, 3))
    assert layer.built and y.shape == (2, 3)
    assert [tuple(w.shape) for w in layer.weights] == [(3,), ()]
    assert layer.trainable_weights[0] is layer.w and layer.non_trainable_weights[0] is layer.count
    assert not layer.count.requires_grad and layer.w.requires_grad
    assert list(layer.state_dict()) == ["w", "count"]
    assert layer.count_params() == 4
    with pytest.raises(RuntimeError, match="already built: its state is locked"):
        layer.add_weight((1,), name="late")


def test_losses_regularizer_and_activity():
    layer = Scale(activity_regularizer=regularizers.L1(0.5))
    layer(ember.ones(2, 3))
    values = [float(v.item()) for v in layer.losses]
    assert values == pytest.approx([0.5 * 6, 0.01 * 3])
    layer.add_loss(ember.tensor(1.0))
    assert len(layer.losses) == 3
    layer(ember.ones(1, 3))
    assert len(layer.losses) == 2  # cleared per call


def test_trainable_flag_and_weights_io():
    layer = Scale()
    layer(ember.ones(1, 3))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not layer.w.requires_grad and layer.losses == []
    layer.trainable = True
    layer.set_weights([np.full(3, 2.0), np.array(5.0)])
    np.testing.assert_allclose(layer.get_weights()[0], [2, 2, 2])
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError, match=r"weight shape \(3,\) is not compatible"):
        layer.set_weights([np.ones(4), np.array(1.0)])


def test_count_params_unbuilt_and_default_output_shape():
    with pytest.raises(ValueError, match="isn't built"):
        Scale().count_params()
    assert Scale().compute_output_shape((None, 3)) == (None, 3)
    with pytest.raises(NotImplementedError, match="does not define call"):
        L.Layer()(ember.ones(1))
    with pytest.raises(TypeError, match="unrecognized keyword arguments"):
        L.Dense(3, units2=4)
    with pytest.raises(TypeError, match="expected a Tensor"):
        Scale()(3.0)


def test_config_round_trip_base_and_input_shape():
    layer = L.Dense(4, input_shape=(7,), name="d")
    assert layer.batch_input_shape == (None, 7)
    clone = L.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert L.Layer(name="x").get_build_config() == {"input_shape": None}
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        L.Layer(name="")


def test_activations_by_name():
    x = ember.tensor([-1.0, 0.0, 2.0])
    assert activations.get("relu")(x).tolist() == [0.0, 0.0, 2.0]
    assert activations.get(None)(x) is x
    np.testing.assert_allclose(activations.get("softmax")(x).numpy().sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(activations.get("leaky_relu")(x).numpy(), [-0.2, 0, 2], rtol=1e-6)
    assert activations.serialize(activations.get("swish")) == "silu"
    with pytest.raises(ValueError, match="Unknown activation 'relux'. Valid names: .*relu"):
        activations.get("relux")


@pytest.mark.parametrize("name,shape,limit", [("glorot_uniform", (30, 20), np.sqrt(6 / 50)),
                                              ("he_uniform", (3, 3, 4, 8), np.sqrt(6 / 36)),
                                              ("lecun_uniform", (10, 5), np.sqrt(3 / 10)),
                                              ("random_uniform", (10, 5), 0.05)])
def test_uniform_initializers_limits(name, shape, limit):
    w = initializers.get(name)(shape).numpy()
    assert w.shape == shape and np.abs(w).max() <= limit + 1e-6 and np.abs(w).max() > 0.8 * limit


def test_normal_initializers_and_fans():
    assert initializers.compute_fans((3, 3, 4, 8)) == (36, 72)
    assert initializers.compute_fans((5,)) == (5, 5)
    w = initializers.get("he_normal")((400, 300)).numpy()
    std = np.sqrt(2 / 400)
    assert abs(w.std() - std) < 0.05 * std and np.abs(w).max() <= 2 * std / 0.8796 + 1e-6
    t = initializers.get("truncated_normal")((1000,)).numpy()
    assert np.abs(t).max() <= 0.1 + 1e-6
    q = initializers.get("orthogonal")((6, 4)).numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    assert initializers.get("zeros")((2,)).tolist() == [0, 0]
    assert initializers.Constant(3)((2,)).tolist() == [3, 3]
    a, b = initializers.GlorotNormal(seed=3)((4, 4)), initializers.GlorotNormal(seed=3)((4, 4))
    assert np.array_equal(a.numpy(), b.numpy())
    cfg = initializers.serialize(initializers.RandomNormal(stddev=0.1))
    assert initializers.get(cfg).stddev == 0.1
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="mode must be"):
        initializers.VarianceScaling(mode="x")
    with pytest.raises(ValueError, match="distribution must be"):
        initializers.VarianceScaling(distribution="x")
    with pytest.raises(ValueError, match="2 or more dimensions"):
        initializers.Orthogonal()((3,))


def test_regularizers():
    x = ember.tensor([1.0, -2.0])
    assert regularizers.get("l1")(x).item() == pytest.approx(0.03)
    assert regularizers.get("l2")(x).item() == pytest.approx(0.05)
    assert regularizers.get("l1_l2")(x).item() == pytest.approx(0.08)
    assert regularizers.L1L2()(x).item() == 0
    r = regularizers.get(regularizers.serialize(regularizers.L2(0.3)))
    assert isinstance(r, regularizers.L2) and r.l2 == 0.3
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L1(-1)


def test_input_wraps_a_keras_tensor(tmp_path):
    x = L.Input(shape=(4,))
    hidden = L.Dense(3)(x)
    full = ember.models.Model(x, L.Dense(2)(hidden))
    features = L.Input(tensor=hidden, name="features", shape=(3,), dtype="float32")
    assert features is hidden and features.shape == (None, 3)
    head_layer = L.Dense(5)
    head = ember.models.Model(features, head_layer(features))  # a model that starts mid-graph
    assert head.input_names == ["features"]
    assert [type(la).__name__ for la in head.layers] == ["InputLayer", "Dense"]
    h = np.ones((2, 3), np.float32)
    ref = head_layer(ember.tensor(h)).detach().numpy()
    np.testing.assert_allclose(head.predict(h, verbose=0), ref, rtol=1e-6)
    assert full.predict(np.ones((2, 4), np.float32), verbose=0).shape == (2, 2)  # built before: unchanged
    head.save(tmp_path / "head.ember")
    loaded = ember.models.load_model(tmp_path / "head.ember")
    np.testing.assert_allclose(loaded.predict(h, verbose=0), head.predict(h, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="Graph disconnected"):  # as Keras 3: the graph is cut there
        ember.models.Model(x, head.outputs[0])


def test_input_tensor_errors():
    with pytest.raises(ValueError, match=r"takes a symbolic KerasTensor .*received Tensor\. A model's "
                       r"inputs hold no data: create Input\(shape=\(3,\)\) and pass the data when calling"):
        L.Input(tensor=ember.ones(2, 3))
    t = L.Input(shape=(3,))
    for arg, value in (("shape", (4,)), ("batch_size", 2), ("batch_shape", (None, 2))):
        with pytest.raises(ValueError, match=rf"tensor= has shape \(None, 3\), which does not agree with "
                           rf"{arg}=.*; leave {arg} out, it comes from the tensor"):
            L.Input(tensor=t, **{arg: value})
    with pytest.raises(ValueError, match="tensor= has dtype float32, which does not agree with dtype='int"):
        L.Input(tensor=t, dtype="int64")
