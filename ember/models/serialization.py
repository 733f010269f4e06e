"""Architectures as data: a layer or model as ``{"class_name", "config"}`` and back, and JSON.

``to_json``/``model_from_json`` hold the architecture only (no weights). A class is found by its
name among: ``custom_objects=``, an active ``ember.saving.custom_object_scope``, the classes
decorated with ``@ember.saving.register_serializable()``, and ember's built-in layers and models.
Nothing is imported or executed by name.

>>> import ember
>>> model = ember.models.Sequential([ember.layers.Input((4,)), ember.layers.Dense(2)])
>>> clone = ember.models.model_from_json(model.to_json())
>>> [type(layer).__name__ for layer in clone.layers]
['Dense']
"""

import json

import ember
from ember.layers.layer import Layer
from ember.saving.format import FileFormatError
from ember.saving.registry import get_registered_name, get_registered_object

__all__ = ["serialize_layer", "deserialize_layer", "model_from_json", "JSON_FORMAT", "JSON_VERSION"]

JSON_FORMAT, JSON_VERSION = "ember.architecture", 1


def serialize_layer(layer):
    """``{"class_name", "config"}`` (and ``"registered_name"`` for a registered class)."""
    spec = {"class_name": type(layer).__name__, "config": layer.get_config()}
    registered = get_registered_name(type(layer))
    if registered != type(layer).__name__:
        spec["registered_name"] = registered
    return spec


def layer_class(spec, custom_objects=None, what="from_config"):
    """The class a spec names, or a ValueError that names it and says how to make it known."""
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential

    name = spec["class_name"]
    cls = get_registered_object(spec.get("registered_name", name), custom_objects)
    if cls is None:
        cls = {"Sequential": Sequential, "Functional": Functional, "Model": Functional}.get(name)
    if cls is None:
        cls = getattr(ember.layers, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"{what}: unknown layer class {name!r}. It is not an ember layer; if it is "
                         f"your own class, decorate it with @ember.saving.register_serializable() or "
                         f"pass custom_objects={{{name!r}: {name}}}")
    return cls


def deserialize_layer(spec, custom_objects=None, what="from_config"):
    """A new (unbuilt) layer or model from ``serialize_layer``'s dict."""
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential

    cls = layer_class(spec, custom_objects, what)
    if issubclass(cls, (Sequential, Functional)):
        return cls.from_config(spec["config"], custom_objects=custom_objects)
    return cls.from_config(spec["config"])


def model_to_json(model, **json_kwargs):
    """The architecture of ``model`` as a JSON string (``model.to_json()``)."""
    spec = {"format": JSON_FORMAT, "version": JSON_VERSION, "ember_version": ember.__version__,
            **serialize_layer(model), "build_input_shape": build_input_shape(model)}
    try:
        return json.dumps(spec, **json_kwargs)
    except TypeError as error:
        raise TypeError(f"to_json: the architecture of '{model.name}' holds a value JSON can't hold "
                        f"({error}); Lambda layers and other Python functions can't be saved") from None


def model_from_json(json_string, custom_objects=None):
    """A new model with the architecture of ``model.to_json()``'s text (weights freshly
    initialised: load them with ``load_weights``)."""
    try:
        spec = json.loads(json_string)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: the text is not valid JSON ({error})") from None
    if not isinstance(spec, dict) or "class_name" not in spec or "config" not in spec:
        raise ValueError("model_from_json: expected the text of model.to_json(), a JSON object with "
                         "'class_name' and 'config'")
    if spec.get("version", 0) > JSON_VERSION:
        raise FileFormatError(f"model_from_json: the architecture was written by a newer ember "
                              f"(format version {spec['version']}, ember {spec.get('ember_version')}); "
                              f"this ember reads version {JSON_VERSION}: upgrade ember")
    model = deserialize_layer(spec, custom_objects, what="model_from_json")
    build(model, spec.get("build_input_shape"))
    return model


def build_input_shape(model):
    """The input shape(s) a subclassed model was first called with (None for Sequential and
    Functional models, whose config rebuilds them)."""
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential

    if isinstance(model, (Sequential, Functional)) or not model.built:
        return None
    return model._build_input_shape


def build(model, input_shape):
    """Create a rebuilt subclassed model's weights by calling it once on zeros of ``input_shape``."""
    if input_shape is None or model.built:
        return

    def zeros(shape):
        return ember.zeros(*[1 if d is None else d for d in shape])

    nested = isinstance(input_shape[0], (list, tuple)) if input_shape else False
    x = [zeros(s) for s in input_shape] if nested else zeros(input_shape)
    was_training = model.training
    model.eval()
    with ember.no_grad():
        model(x)
    model.train(was_training)
