"""Recurrent layers ``SimpleRNN``, ``LSTM``, ``GRU`` and the ``Bidirectional`` wrapper.

Weights have Keras' layout and names: ``kernel (in, G*units)``, ``recurrent_kernel (units,
G*units)`` and ``bias`` (``(G*units,)``; a GRU with ``reset_after=True`` has ``(2, 3*units)``:
input and recurrent biases), gates in Keras' order (LSTM i, f, c, o; GRU z, r, h). The whole
sequence runs as one fused op of ``ember.nn``'s recurrent layers (``RNNSequence``,
``LSTMSequence``, ``GRUSequence``), which take PyTorch's layout: the Keras weights are handed to
them as transposed views (the GRU's gates reordered to PyTorch's r, z, n), so gradients flow
back to the Keras-layout parameters.

Inputs are ``(batch, timesteps, features)``. ``dropout`` drops input features with one mask for
all time steps (as Keras); ``recurrent_dropout``, masking, ``stateful`` and activations other
than Keras' defaults (SimpleRNN also takes 'relu') are not supported and raise.
"""

import ember
from ember.layers import activations, initializers, regularizers
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer
from ember.nn import functional as F
from ember.nn.modules.rnn import GRUSequence, LSTMSequence, RNNSequence

__all__ = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]


class _RNN(Layer):
    gates = 1
    n_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{me}: units must be a positive integer, received units={units!r}")
        if recurrent_dropout:
            raise NotImplementedError(f"{me}: recurrent_dropout is not supported by the fused "
                                      "sequence op; use dropout= (on the inputs) instead")
        if stateful:
            raise NotImplementedError(f"{me}: stateful=True is not supported")
        if not 0 <= dropout < 1:
            raise ValueError(f"{me}: dropout must be in [0, 1), received dropout={dropout!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll, self.seed = bool(go_backwards), stateful, unroll, seed
        self._check_activations(me)

    def _check_activations(self, me):
        if activations.serialize(self.activation) != "tanh" or \
                activations.serialize(self.recurrent_activation) != "sigmoid":
            raise NotImplementedError(f"{me}: only activation='tanh' with recurrent_activation='sigmoid' "
                                      "(Keras' defaults) run on the fused sequence op")

    def _check_input_shape(self, shape):
        if isinstance(shape, list) or len(shape) != 3:
            raise ValueError(f"{self._describe()} (units={self.units}) expects inputs of shape (batch, "
                             f"timesteps, features), received "
                             f"{shape if isinstance(shape, list) else shape_str(shape)}. "
                             + ("For (batch, features) data add a time axis, e.g. Reshape((1, features))."
                                if not isinstance(shape, list) and len(shape) == 2 else ""))
        if shape[-1] is None:
            raise ValueError(f"{self._describe()}: the feature dimension must be known, received "
                             f"{shape_str(shape)}")
        if self.built and shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"{self._describe()} was built for {self.kernel.shape[0]} features, "
                             f"received an input of shape {shape_str(shape)}")

    def build(self, input_shape):
        g, u = self.gates, self.units
        self.kernel = self.add_weight((input_shape[-1], g * u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.recurrent_kernel = self.add_weight((u, g * u), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                name="recurrent_kernel")
        self.bias = (self.add_weight(self._bias_shape(), self._bias_init(), regularizer=self.bias_regularizer,
                                     name="bias") if self.use_bias else None)

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def call(self, inputs, initial_state=None, training=None, mask=None):
        if mask is not None:
            raise NotImplementedError(f"{self._describe()}: masking is not supported")
        batch, steps_count, features = inputs.shape
        if steps_count == 0:
            raise ValueError(f"{self._describe()} received a sequence with 0 time steps "
                             f"(shape {shape_str(tuple(inputs.shape))})")
        x = inputs
        if training and self.dropout > 0:
            keep = F.dropout(ember.ones(batch, 1, features, dtype=x.dtype, device=x.device), self.dropout)
            x = x * keep
        x = x.transpose(0, 1)  # (T, N, F)
        if self.go_backwards:
            x = x.flip(0)
        rows = x.reshape(steps_count * batch, features)
        steps = tuple((t * batch, (t + 1) * batch) for t in range(steps_count))
        states = self._initial_states(initial_state, batch, inputs)
        y, *finals = self._sequence(rows, states, steps)
        output = (y.reshape(steps_count, batch, self.units).transpose(0, 1) if self.return_sequences
                  else finals[0])
        return [output] + finals if self.return_state else output

    def _initial_states(self, initial_state, batch, like):
        if initial_state is None:
            return [ember.zeros(batch, self.units, dtype=like.dtype, device=like.device)
                    for _ in range(self.n_states)]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != self.n_states or any(tuple(s.shape) != (batch, self.units) for s in states):
            raise ValueError(f"{self._describe()} expects initial_state as {self.n_states} tensor(s) of "
                             f"shape ({batch}, {self.units}), received "
                             f"{[tuple(s.shape) for s in states]}")
        return states

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.n_states
        return out

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "seed": self.seed}

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}, return_sequences={self.return_sequences}"


class SimpleRNN(_RNN):
    """``SimpleRNN(units, activation='tanh', use_bias=True, kernel_initializer='glorot_uniform',
    recurrent_initializer='orthogonal', bias_initializer='zeros', dropout=0.0,
    return_sequences=False, return_state=False, go_backwards=False)``:
    ``h_t = act(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``; act 'tanh' or 'relu'."""

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def _check_activations(self, me):
        if activations.serialize(self.activation) not in ("tanh", "relu"):
            raise NotImplementedError(f"{me}: activation must be 'tanh' or 'relu' (the fused sequence "
                                      f"op), received {activations.serialize(self.activation)!r}")

    def _sequence(self, rows, states, steps):
        bias = self.bias
        zero = None if bias is None else ember.zeros_like(bias)
        y, h = RNNSequence.apply(rows, states[0], self.kernel.T, self.recurrent_kernel.T, bias, zero, steps,
                                 activations.serialize(self.activation) == "relu")
        return y, h

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTM(_RNN):
    """``LSTM(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', unit_forget_bias=True, dropout=0.0, return_sequences=False,
    return_state=False, go_backwards=False)``. One bias of ``4*units`` (gates i, f, c, o); with
    ``unit_forget_bias`` the forget gate's bias starts at 1. ``return_state`` gives
    ``[output, h, c]``. Parameters: ``4*units*(features + units + 1)``."""

    gates, n_states = 4, 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None):
            return ember.cat([base((u,), dtype), ember.ones(u, dtype=dtype), base((2 * u,), dtype)])

        return init

    def _sequence(self, rows, states, steps):
        bias = self.bias
        zero = None if bias is None else ember.zeros_like(bias)
        y, h, c = LSTMSequence.apply(rows, states[0], states[1], self.kernel.T, self.recurrent_kernel.T,
                                     bias, zero, None, steps)
        return y, h, c

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


def _zrh_to_rzn(w, u):
    """Columns (or entries) in Keras' GRU gate order z, r, h -> PyTorch's r, z, n."""
    return ember.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], -1)


class GRU(_RNN):
    """``GRU(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', dropout=0.0, return_sequences=False, return_state=False,
    go_backwards=False, reset_after=True)``: gates z, r, h; ``bias (2, 3*units)`` (input and
    recurrent biases). Parameters: ``3*units*(features + units + 2)``. Only ``reset_after=True``
    (Keras 3's default, the formula of PyTorch's GRU) is supported."""

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        if not reset_after:
            raise NotImplementedError(f"GRU '{self.name}': only reset_after=True is supported")
        self.reset_after = True

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _sequence(self, rows, states, steps):
        u = self.units
        w_ih = _zrh_to_rzn(self.kernel, u).T
        w_hh = _zrh_to_rzn(self.recurrent_kernel, u).T
        b_ih = b_hh = None
        if self.bias is not None:
            b = _zrh_to_rzn(self.bias, u)
            b_ih, b_hh = b[0], b[1]
        y, h = GRUSequence.apply(rows, states[0], w_ih, w_hh, b_ih, b_hh, steps)
        return y, h

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode='concat', backward_layer=None)``: runs a copy of
    ``layer`` forwards and one backwards (``go_backwards`` flipped) and merges their outputs
    ('concat', 'sum', 'mul', 'ave' or None for a list). With ``return_sequences`` the backward
    output is reversed back in time before merging, as Keras does. ``return_state`` gives
    ``[output] + forward states + backward states``."""

    _MODES = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, _RNN):
            raise ValueError(f"Bidirectional '{self.name}': layer must be a SimpleRNN, LSTM or GRU "
                             f"instance, received {type(layer).__name__}")
        if merge_mode not in self._MODES:
            raise ValueError(f"Bidirectional '{self.name}': invalid merge_mode {merge_mode!r}; use one of "
                             f"{self._MODES}")
        if weights is not None:
            raise NotImplementedError("Bidirectional: weights= is not supported; use set_weights")
        config = layer.get_config()
        config["name"] = "forward_" + layer.name
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config["name"] = "backward_" + layer.name
            config["go_backwards"] = not layer.go_backwards
            backward_layer = type(layer).from_config(config)
        elif backward_layer.return_sequences != layer.return_sequences:
            raise ValueError(f"Bidirectional '{self.name}': forward and backward layers must agree on "
                             "return_sequences")
        self.backward_layer = backward_layer
        self.layer_config = {"class_name": type(layer).__name__, "config": layer.get_config()}
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state

    def _check_input_shape(self, shape):
        self.forward_layer._check_input_shape(shape)

    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)

    def call(self, inputs, initial_state=None, training=None, mask=None):
        fw_state = bw_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fw_state, bw_state = initial_state[:half], initial_state[half:]
        fw = self.forward_layer(inputs, initial_state=fw_state, training=training)
        bw = self.backward_layer(inputs, initial_state=bw_state, training=training)
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

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shape[0], shape[1:]) if self.return_state else (shape, [])
        merged = [out, out] if self.merge_mode is None else \
            [out[:-1] + (out[-1] * 2,) if self.merge_mode == "concat" else out]
        if self.return_state:
            return merged + states * 2
        return merged if self.merge_mode is None else merged[0]

    def get_config(self):
        return {**super().get_config(), "layer": self.layer_config, "merge_mode": self.merge_mode}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        spec = config.pop("layer")
        classes = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}
        layer = classes[spec["class_name"]].from_config(spec["config"])
        return cls(layer, **config)
