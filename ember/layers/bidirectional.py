"""``Bidirectional``: a recurrent layer run forwards and, as a copy, backwards over the sequence,
their outputs merged (Keras' ``layers/rnn/bidirectional.py``)."""

import ember
from ember.layers.layer import Layer
from ember.layers.recurrent import _RNN, GRU, LSTM, SimpleRNN

__all__ = ["Bidirectional"]


class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode='concat', weights=None, backward_layer=None)``: runs a
    copy of ``layer`` forwards and one backwards (``go_backwards`` flipped) and merges their outputs
    ('concat', 'sum', 'mul', 'ave' or None for a list). With ``return_sequences`` the backward
    output is reversed back in time before merging, as Keras does, and masked steps output
    zeros (Keras sets ``zero_output_for_mask`` on both layers). ``return_state`` gives
    ``[output] + forward states + backward states``. ``weights``: initial weights as a list of
    arrays (the forward layer's, then the backward layer's, the order of ``get_weights()``), set
    when the layer is built."""

    _MODES = ("concat", "sum", "mul", "ave", None)
    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, _RNN):
            raise ValueError(f"Bidirectional '{self.name}': layer must be a SimpleRNN, LSTM or GRU "
                             f"instance, received {type(layer).__name__}")
        if merge_mode not in self._MODES:
            raise ValueError(f"Bidirectional '{self.name}': invalid merge_mode {merge_mode!r}; use one of "
                             f"{self._MODES}")
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise ValueError(f"Bidirectional '{self.name}': weights must be a list of arrays (the forward "
                             "layer's weights, then the backward layer's, as get_weights() returns them), "
                             f"received {type(weights).__name__}")
        self._initial_weights = None if weights is None else list(weights)
        config = layer.get_config()
        config["name"] = "forward_" + layer.name
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["name"] = "backward_" + layer.name
            config["go_backwards"] = not layer.go_backwards
            backward_layer = type(layer).from_config(config)
        else:
            for attr in ("return_sequences", "stateful", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(f"Bidirectional '{self.name}': forward and backward layers must "
                                     f"agree on {attr}")
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences
        self.layer_config = {"class_name": type(layer).__name__, "config": layer.get_config()}
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.stateful = layer.stateful

    def _check_input_shape(self, shape):
        self.forward_layer._check_input_shape(shape)

    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        if self._initial_weights is not None:  # Keras' weights=: set once the weights exist
            try:
                self.set_weights(self._initial_weights)
            except ValueError as e:
                raise ValueError(f"{self._describe()}: the weights= given to the constructor do not fit "
                                 f"(the forward layer's weights, then the backward layer's): {e}") from None
            self._initial_weights = None

    def call(self, inputs, initial_state=None, training=None, mask=None):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        fw = self.forward_layer(inputs, initial_state=fw_state, training=training, mask=mask)
        bw = self.backward_layer(inputs, initial_state=bw_state, training=training, mask=mask)
        states = []
        if self.return_state:
            fw, states = fw[0], fw[1:] + bw[1:]
            bw = bw[0]
        if self.return_sequences:
            bw = bw.flip(1)
        if self.merge_mode == "concat":
            out = ember.cat([fw, bw], -1)
        elif self.merge_mode == "sum":
            out = fw + bw
        elif self.merge_mode == "mul":
            out = fw * bw
        elif self.merge_mode == "ave":
            out = (fw + bw) / 2
        else:
            out = [fw, bw]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def reset_states(self):
        """Zero both layers' states (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f"{self._describe()}: reset_states() needs a stateful layer; create "
                                 "it with stateful=True")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    @property
    def states(self):
        if self.forward_layer.states is None or self.backward_layer.states is None:
            return None
        return self.forward_layer.states + self.backward_layer.states

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shape[0], shape[1:]) if self.return_state else (shape, [])
        merged = [out, out] if self.merge_mode is None else \
            [out[:-1] + (out[-1] * 2,) if self.merge_mode == "concat" else out]
        if self.return_state:
            return merged + states * 2
        return merged if self.merge_mode is None else merged[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return masks + [None] * (2 * self.forward_layer.n_states)
        return masks if self.merge_mode is None else output_mask

    def get_config(self):
        bw = self.backward_layer
        return {**super().get_config(), "layer": self.layer_config, "merge_mode": self.merge_mode,
                "backward_layer": {"class_name": type(bw).__name__, "config": bw.get_config()}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        classes = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}

        def rnn(spec):
            return classes[spec["class_name"]].from_config(spec["config"])

        backward = config.pop("backward_layer", None)  # absent in configs saved before it was kept
        return cls(rnn(config.pop("layer")), backward_layer=backward and rnn(backward), **config)
