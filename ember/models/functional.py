"""``Functional``: a Model defined by a graph of layer calls, ``Model(inputs, outputs, name=)``.

The graph is found by walking the ``Node``s back from ``outputs`` to ``inputs``; running the model
replays the nodes in topological order on real tensors, so a layer called twice (shared) runs
twice with the same weights, and a nested model is one node like any layer.
"""

from ember.layers.node import KerasTensor, flatten, map_structure
from ember.models.model import Model

__all__ = ["Functional"]


def _check_keras_tensors(what, structure):
    for t in flatten(structure):
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Model: all {what} must be symbolic tensors (from ember.models.Input or "
                            f"from calling layers on them); received {type(t).__name__}: {t!r}.")


class Functional(Model):
    """A Model of the graph that connects ``inputs`` (``Input`` tensors) to ``outputs``.

    ``inputs``/``outputs`` may be one KerasTensor, a list, or a dict (named inputs/outputs).
    """

    def __init__(self, inputs, outputs, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        _check_keras_tensors("inputs", inputs)
        _check_keras_tensors("outputs", outputs)
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        for t in flatten(inputs):
            if not t.node.is_input:
                raise ValueError(f"Model: inputs must come from ember.models.Input(); {t.name} is "
                                 f"the output of layer '{t.node.layer.name}'.")
        self.__dict__.update(_inputs_struct=inputs, _outputs_struct=outputs,
                             inputs=flatten(inputs), outputs=flatten(outputs))
        self.__dict__["_nodes"] = self._topological_nodes()
        names = {}
        for node in self._nodes:
            layer = node.layer
            if names.get(layer.name, layer) is not layer:
                raise ValueError(f"The name {layer.name!r} is used by 2 different layers in model "
                                 f"'{self.name}'. All layer names should be unique.")
            if layer.name not in names:
                names[layer.name] = layer
                self._track_layer(layer)
        self.built = True

    def _topological_nodes(self):
        input_ids = {t.uid for t in self.inputs}
        order, state = [], {}
        for out in self.outputs:
            stack = [(out.node, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    if state.get(id(node)) != "done":
                        state[id(node)] = "done"
                        order.append(node)
                    continue
                if id(node) in state:
                    continue
                state[id(node)] = "open"
                if node.is_input:
                    tensor = node.output_tensors[0]
                    if tensor.uid not in input_ids:
                        accessed = [n.layer.name for n in order if not n.is_input]
                        raise ValueError(
                            f"Graph disconnected: cannot obtain value for tensor {tensor.name} "
                            f"(the Input '{node.layer.name}', shape {tensor.shape}) needed by the "
                            f"outputs of model '{self.name}': it is not among the model's inputs "
                            f"{[t.name for t in self.inputs]}. The following previous layers were "
                            f"accessed without issue: {accessed}. Add it to `inputs`.")
                stack.append((node, True))
                for parent in reversed(node.parent_nodes):
                    if id(parent) not in state:
                        stack.append((parent, False))
        return order

    # ---------------------------------------------------------------- structure
    def output_names(self):
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        names = [t.node.layer.name for t in self.outputs]
        return names if len(set(names)) == len(names) else [t.name for t in self.outputs]

    @property
    def input_names(self):
        if isinstance(self._inputs_struct, dict):
            return list(self._inputs_struct)
        return [t.node.layer.name for t in self.inputs]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ---------------------------------------------------------------- running
    def _flat_inputs(self, inputs):
        names = self.input_names
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}' expects inputs named {names}; the dict "
                                 f"given lacks {missing} (received keys {sorted(inputs)}).")
            return [inputs[n] for n in names]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s) {names}, "
                             f"received {len(flat)}. Give a list in this order or a dict by name.")
        return flat

    def call(self, inputs, training=None, mask=None):
        values = {t.uid: x for t, x in zip(self.inputs, self._flat_inputs(inputs))}

        def value(v):
            return values[v.uid] if isinstance(v, KerasTensor) else v

        for node in self._nodes:
            if node.is_input:
                continue
            args = map_structure(value, node.args)
            kwargs = map_structure(value, node.kwargs)
            if training is not None and "training" not in kwargs \
                    and "training" in node.layer._call_params():
                kwargs["training"] = training
            out = node.layer(*args, **kwargs)
            for t, o in zip(node.output_tensors, flatten(out)):
                values[t.uid] = o
        return map_structure(value, self._outputs_struct)

    def _symbolic_shapes(self, input_shapes):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def compute_output_shape(self, input_shape):
        outs = [t.shape for t in self.outputs]
        batch = (input_shape[0] if isinstance(input_shape, list) else input_shape)[0]
        outs = [(batch,) + s[1:] for s in outs]
        if isinstance(self._outputs_struct, list):
            return outs
        return outs[0] if len(outs) == 1 else outs

    def _check_input_shape(self, shape):
        shapes = shape if isinstance(shape, list) else [shape]
        for t, s in zip(self.inputs, shapes):
            if len(s) != len(t.shape) or any(a is not None and b is not None and a != b
                                             for a, b in zip(s[1:], t.shape[1:])):
                raise ValueError(f"Input is incompatible with model '{self.name}': input "
                                 f"'{t.name}' expects shape {t.shape}, received {tuple(s)}.")

    @property
    def layers(self):
        seen, out = set(), []
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                out.append(node.layer)
        return out

    def get_config(self):
        """The graph as data: each layer's config once, then every call (node) in topological
        order with its arguments, KerasTensors written as ``{"__tensor__": [node, index]}``."""
        from ember.models.serialization import serialize_layer

        where, layers, nodes = {}, {}, []

        def ref(value):
            return {"__tensor__": where[id(value)]} if isinstance(value, KerasTensor) else value

        for k, node in enumerate(self._nodes):
            layer = node.layer
            if layer.name not in layers:
                if node.is_input:
                    t = node.output_tensors[0]
                    spec = {"class_name": "InputLayer", "config": {
                        "shape": list(t.shape[1:]), "batch_size": t.shape[0], "name": layer.name,
                        "dtype": t.dtype if isinstance(t.dtype, str) else None}}
                else:
                    spec = serialize_layer(layer)
                layers[layer.name] = spec
            for i, t in enumerate(node.output_tensors):
                where[id(t)] = [k, i]
            nodes.append({"layer": layer.name, "args": map_structure(ref, list(node.args)),
                          "kwargs": map_structure(ref, dict(node.kwargs))})
        return {"name": self.name, "trainable": self.trainable,
                "layers": [dict(spec, name=name) for name, spec in layers.items()],
                "nodes": nodes, "inputs": map_structure(ref, self._inputs_struct),
                "outputs": map_structure(ref, self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph written by ``get_config`` with new layers (ember.layers classes,
        nested Sequential/Functional models, or classes given in ``custom_objects``)."""
        from ember.layers.node import Input
        from ember.models.serialization import deserialize_layer

        made = {spec["name"]: deserialize_layer(spec, custom_objects, what="Functional.from_config")
                for spec in config["layers"] if spec["class_name"] != "InputLayer"}
        inputs_spec = {s["name"]: s["config"] for s in config["layers"] if s["class_name"] == "InputLayer"}
        outputs = []

        def resolve(value):
            if isinstance(value, dict) and set(value) == {"__tensor__"}:
                k, i = value["__tensor__"]
                return outputs[k][i]
            if isinstance(value, dict):
                return {key: resolve(v) for key, v in value.items()}
            if isinstance(value, list):
                return [resolve(v) for v in value]
            return value

        for node in config["nodes"]:
            if node["layer"] in inputs_spec:
                spec = inputs_spec[node["layer"]]
                result = Input(shape=tuple(spec["shape"]), batch_size=spec.get("batch_size"),
                               dtype=spec.get("dtype"), name=spec["name"])
            else:
                result = made[node["layer"]](*resolve(node["args"]), **resolve(node["kwargs"]))
            outputs.append(flatten(result))
        return cls(resolve(config["inputs"]), resolve(config["outputs"]), name=config.get("name"),
                   trainable=config.get("trainable", True))
