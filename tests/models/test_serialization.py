"""Architectures as data: custom layers and subclassed models round-trip through to_json,
model_from_json, save and load_model, found by registration or custom_objects."""

import json

import numpy as np
import pytest

import ember
from ember import layers
from ember.saving import FileFormatError, custom_object_scope, register_serializable


class Scale(layers.Layer):
    """A custom layer without get_config: its constructor arguments are recorded."""

    def __init__(self, factor=2.0, axes=(1,), **kwargs):
        super().__init__(**kwargs)
        self.factor, self.axes = factor, axes

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="random_normal", name="w")

    def call(self, x):
        return self.factor * x * self.w


class Offset(layers.Layer):
    """An __init__ without **kwargs: name and trainable are set after construction."""

    def __init__(self, offset):
        super().__init__()
        self.offset = offset

    def call(self, x):
        return x + self.offset


@register_serializable(package="tests")
class TwoLayerNet(ember.models.Model):
    def __init__(self, hidden=8, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(hidden, activation="relu")
        self.out = layers.Dense(classes)

    def call(self, x):
        return self.out(self.hidden(x))


def _x():
    return np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)


def test_a_custom_layer_records_its_constructor_arguments():
    layer = Scale(0.5, axes=[1, 2], name="s")
    config = layer.get_config()
    assert config["factor"] == 0.5 and config["axes"] == [1, 2] and config["name"] == "s"
    clone = Scale.from_config(config)
    assert (clone.factor, clone.axes, clone.name) == (0.5, [1, 2], "s")


def test_an_init_without_kwargs_still_round_trips_its_name():
    clone = Offset.from_config(Offset(3, ).get_config() | {"name": "shift"})
    assert (clone.offset, clone.name) == (3, "shift")


def test_an_argument_json_cannot_hold_names_itself_and_the_fix():
    layer = Offset(offset=np.ones(3))
    with pytest.raises(TypeError, match=r"Offset.*argument offset=array.*not a JSON value.*get_config"):
        layer.get_config()


def test_a_hand_written_get_config_wins_over_the_recorded_arguments():
    class Doubled(Scale):
        def get_config(self):
            return {**super().get_config(), "factor": self.factor * 2}

    assert Doubled(1.5).get_config()["factor"] == 3.0


def test_sequential_with_a_custom_layer_round_trips_through_json():
    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(3), Scale(0.5)])
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    with pytest.raises(ValueError, match=r"unknown layer class 'Scale'.*register_serializable.*"
                                         r"custom_objects=\{'Scale': Scale\}"):
        ember.models.model_from_json(text)
    clone = ember.models.model_from_json(text, custom_objects={"Scale": Scale})
    assert [type(layer) for layer in clone.layers] == [layers.Dense, Scale]
    assert clone.layers[1].factor == 0.5 and clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0))


def test_custom_object_scope_makes_a_class_known_inside_the_block():
    x = ember.models.Input((4,))
    model = ember.models.Model(x, Offset(1.0)(layers.Dense(2)(x)))
    with custom_object_scope({"Offset": Offset}):
        clone = ember.models.model_from_json(model.to_json())
    assert clone.layers[-1].offset == 1.0
    with pytest.raises(ValueError, match="unknown layer class 'Offset'"):
        ember.models.model_from_json(model.to_json())


def test_a_registered_subclassed_model_saves_and_resumes_training(tmp_path):
    ember.manual_seed(0)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((32, 4)).astype(np.float32), rng.integers(0, 3, 32)
    model = TwoLayerNet(hidden=5, classes=3)
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "net.ember")
    loaded = ember.models.load_model(tmp_path / "net.ember")  # found through the registry
    assert type(loaded) is TwoLayerNet and loaded.hidden.units == 5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    ember.manual_seed(3)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    ember.manual_seed(3)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_subclassed_model_to_json_is_built_for_its_input_shape():
    model = TwoLayerNet(hidden=7)
    model(ember.zeros(2, 4))
    spec = json.loads(model.to_json())
    assert spec["registered_name"] == "tests>TwoLayerNet" and spec["build_input_shape"] == [None, 4]
    clone = ember.models.model_from_json(model.to_json())
    assert clone.count_params() == model.count_params() == 4 * 7 + 7 + 7 * 3 + 3


def test_an_unregistered_subclassed_model_needs_custom_objects(tmp_path):
    class Plain(ember.models.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = Plain(units=3)
    model(ember.ones(1, 2))
    model.save(tmp_path / "p.ember")
    with pytest.raises(ValueError, match=r"load_model\(.*p.ember\).*unknown layer class 'Plain'"):
        ember.models.load_model(tmp_path / "p.ember")
    loaded = ember.models.load_model(tmp_path / "p.ember", custom_objects={"Plain": Plain})
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2)), verbose=0),
                                  model.predict(np.ones((1, 2)), verbose=0))


def test_json_from_a_newer_ember_or_of_something_else_is_refused():
    model = ember.models.Sequential([layers.Input((2,)), layers.Dense(1)])
    spec = json.loads(model.to_json())
    with pytest.raises(FileFormatError, match="newer ember .format version 7"):
        ember.models.model_from_json(json.dumps(spec | {"version": 7}))
    with pytest.raises(ValueError, match="not valid JSON"):
        ember.models.model_from_json("{oops")
    with pytest.raises(ValueError, match="'class_name' and 'config'"):
        ember.models.model_from_json("[1, 2]")
