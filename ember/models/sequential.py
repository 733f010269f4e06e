"""``Sequential``: a stack of layers, each called on the previous one's output.

A thin layer over the Functional graph: once the input shape is known (an ``Input`` first, a first
layer with ``input_shape=``, or the first call), the layers are called on a symbolic input, which
builds them and records the output shapes that ``summary()`` shows; running the model calls the
layers in order.
"""

from ember.layers.core import InputLayer
from ember.layers.layer import Layer
from ember.layers.node import Input, KerasTensor
from ember.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """``Sequential(layers=None, name=None)``.

    >>> import ember
    >>> model = Sequential([ember.layers.Dense(10, input_shape=(784,))])
    >>> model.count_params()
    7850
    """

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self.__dict__.update(_stack=[], _keys=[], _input=None, _graph=None)
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True):
        """Append ``layer`` (or an ``Input`` tensor, first only)."""
        if isinstance(layer, KerasTensor):
            if not layer.node.is_input:
                raise ValueError("Sequential.add: a symbolic tensor must come from Input(); add "
                                 f"layers instead (received the output of '{layer.node.layer.name}').")
            if self._stack or self._input is not None:
                raise ValueError("Sequential.add: an Input can only be the first entry of a "
                                 "Sequential model.")
            self.__dict__["_input"] = layer
            return
        if isinstance(layer, InputLayer):
            self.__dict__["_input"] = Input(shape=layer.shape, batch_size=layer.batch_size,
                                            name=layer.name)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: only instances of ember.layers.Layer (or Models) can "
                            f"be added; received {layer!r} of type {type(layer).__name__}.")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"Sequential.add: all layers must have unique names; "
                             f"'{layer.name}' is already in model '{self.name}'.")
        if not self._stack and self._input is None and layer.batch_input_shape is not None:
            shape = layer.batch_input_shape
            self.__dict__["_input"] = Input(shape=shape[1:], batch_size=shape[0])
        self._stack.append(layer)
        self._keys.append(self._track_layer(layer))
        if rebuild:
            self._build_graph()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("Sequential.pop: there are no layers in the model.")
        layer = self._stack.pop()
        del self._modules[self._keys.pop()]
        if rebuild:
            self._build_graph()
        return layer

    def _build_graph(self):
        if self._input is None or not self._stack:
            self.__dict__["_graph"] = None
            return
        x = self._input
        for layer in self._stack:
            x = layer(x)
        self.__dict__["_graph"] = x
        self.built = True

    @property
    def layers(self):
        return list(self._stack)

    def build(self, input_shape=None):
        if input_shape is not None and self._input is None:
            self.__dict__["_input"] = Input(shape=tuple(input_shape)[1:])
        self._build_graph()

    def call(self, inputs, training=None, mask=None):
        if self._graph is None and self._input is None and self._stack:
            self.build(tuple(inputs.shape))
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training) if "training" in layer._call_params() else layer(x)
        return x

    def compute_output_shape(self, input_shape):
        if self._input is None:
            self.build(input_shape)
        return (input_shape[0],) + tuple(self._graph.shape[1:]) if self._graph is not None else \
            tuple(input_shape)

    def layer_output_shapes(self):
        """Each layer's output shape (None before the model is built)."""
        if self._graph is None:
            return [None] * len(self._stack)
        shapes, x = [], self._graph
        node = x.node
        while node is not None and not node.is_input:
            shapes.append(node.output_tensors[0].shape if len(node.output_tensors) == 1
                          else [t.shape for t in node.output_tensors])
            node = node.input_tensors[0].node if node.input_tensors else None
        return list(reversed(shapes))

    @property
    def input_shape(self):
        return None if self._input is None else self._input.shape

    @property
    def output_shape(self):
        return None if self._graph is None else self._graph.shape

    def get_config(self):
        """``{'name', 'trainable', 'layers': [{'class_name', 'config'}, ...]}``, an InputLayer first
        when the model has an Input (Keras' layout)."""
        from ember.models.serialization import serialize_layer

        layers = [serialize_layer(layer) for layer in self._stack]
        if self._input is not None:
            layers.insert(0, {"class_name": "InputLayer", "config": {
                "shape": self._input.shape[1:], "batch_size": self._input.shape[0],
                "name": self._input.node.layer.name}})
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new Sequential of new layers from ``get_config()`` (ember.layers classes, and your own
        through ``custom_objects`` or ``@ember.saving.register_serializable()``)."""
        from ember.models.serialization import deserialize_layer

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for spec in config["layers"]:
            if spec["class_name"] == "InputLayer":
                model.add(Input(**spec["config"]))
            else:
                model.add(deserialize_layer(spec, custom_objects, what="Sequential.from_config"))
        return model
