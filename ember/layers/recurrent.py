"""Recurrent layers ``SimpleRNN``, ``LSTM`` and ``GRU`` (``Bidirectional`` wraps them: bidirectional.py).

Weights have Keras' layout and names: ``kernel (in, G*units)``, ``recurrent_kernel (units,
G*units)`` and ``bias`` (``(G*units,)``; a GRU with ``reset_after=True`` has ``(2, 3*units)``:
input and recurrent biases), gates in Keras' order (LSTM i, f, c, o; GRU z, r, h).

Two ways to run a sequence, with the same results:

- The fused ops of ``ember.nn``'s recurrent layers (``RNNSequence``, ``LSTMSequence``,
  ``GRUSequence``): the whole sequence as one op on raw arrays, used whenever they compute the
  layer (Keras' default activations, a GRU with ``reset_after=True``, no recurrent dropout in
  training). They take PyTorch's layout: the Keras weights are handed to them as transposed
  views (the GRU's gates reordered to PyTorch's r, z, n), so gradients flow back to the
  Keras-layout parameters.
- A loop over the time steps written with ember ops (``_cell``) for everything else: other
  activations, ``GRU(reset_after=False)`` and ``recurrent_dropout`` in training.

Inputs are ``(batch, timesteps, features)``. Keras' semantics throughout:

- ``mask`` ``(batch, timesteps)`` (given, or attached to the inputs by ``Embedding(mask_zero=
  True)`` or ``Masking``): a masked step leaves the states unchanged, so the final state is the
  state at the last unmasked step, and a masked step's output is the state carried (zeros with
  ``zero_output_for_mask=True``, which ``Bidirectional`` sets when returning sequences). With
  ``return_sequences`` the mask passes on to the next layer.
- ``dropout`` drops input features and ``recurrent_dropout`` the state fed to the recurrent
  kernel, each with masks drawn once per call and used at every time step, in training only.
  With ``recurrent_dropout`` (Keras' "implementation 1") every gate gets masks of its own.
- ``stateful=True``: the final states of a batch are the initial states of the next (detached:
  gradients stop at the batch boundary), so sample ``i`` of each batch continues sample ``i``
  of the previous one; the batch size is fixed by the first call; ``reset_states()`` zeroes
  them.
"""

import ember
from ember.layers import activations, constraints, initializers, regularizers
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer
from ember.layers.node import inferring_shapes
from ember.nn import functional as F
from ember.nn.modules.rnn import GRUSequence, LSTMSequence, RNNSequence

__all__ = ["SimpleRNN", "LSTM", "GRU"]


def _dropout_masks(count, shape, rate, like):
    """``count`` independent dropout masks (0 or ``1/(1-rate)``) of ``shape``."""
    ones = ember.ones(*shape, dtype=like.dtype, device=like.device)
    return [F.dropout(ones, rate) for _ in range(count)]


class _RNN(Layer):
    gates = 1
    n_states = 1
    supports_masking = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        me = f"{type(self).__name__} '{self.name}'"
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{me}: units must be a positive integer, received units={units!r}")
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= rate < 1:
                raise ValueError(f"{me}: {arg} must be in [0, 1), received {arg}={rate!r}")
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
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), unroll
        self.zero_output_for_mask, self.seed = bool(zero_output_for_mask), seed
        self.states = None  # stateful: the states carried from one batch to the next

    def _fused(self):
        """Whether the fused sequence op computes this layer (Keras' default activations)."""
        return activations.serialize(self.activation) == "tanh" and \
            activations.serialize(self.recurrent_activation) == "sigmoid"

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
                                      regularizer=self.kernel_regularizer, name="kernel",
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((u, g * u), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                name="recurrent_kernel",
                                                constraint=self.recurrent_constraint)
        self.bias = (self.add_weight(self._bias_shape(), self._bias_init(), regularizer=self.bias_regularizer,
                                     name="bias", constraint=self.bias_constraint)
                     if self.use_bias else None)

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    # ---- running ----
    def call(self, inputs, initial_state=None, training=None, mask=None):
        batch, steps_count, features = inputs.shape
        if steps_count == 0:
            raise ValueError(f"{self._describe()} received a sequence with 0 time steps "
                             f"(shape {shape_str(tuple(inputs.shape))})")
        keep = self._time_major_mask(mask, batch, steps_count)  # (T, B, 1) in processing order
        x = inputs.transpose(0, 1)  # (T, N, F)
        if self.go_backwards:
            x = x.flip(0)
        if initial_state is None and self.stateful:
            states = self._stateful_states(batch, inputs)
        else:
            states = self._initial_states(initial_state, batch, inputs)
        recurrent_dropout = bool(training) and self.recurrent_dropout > 0
        if self._fused() and not recurrent_dropout:
            if training and self.dropout > 0:  # one mask over the features, for every step
                x = x * _dropout_masks(1, (1, batch, features), self.dropout, x)[0]
            rows = x.reshape(steps_count * batch, features)
            steps = tuple((t * batch, (t + 1) * batch) for t in range(steps_count))
            y, *finals = self._sequence(rows, states, steps,
                                        None if keep is None else keep.reshape(steps_count * batch, 1))
            y = y.reshape(steps_count, batch, self.units)
        else:
            y, finals = self._loop(x, states, keep, training)
        if self.stateful and not inferring_shapes():
            self.states = [s.detach() for s in finals]
        zero_masked = keep is not None and self.zero_output_for_mask
        if self.return_sequences:
            output = (y * keep if zero_masked else y).transpose(0, 1)
        else:  # the last output is the last state (zeros if that step is masked and zeroed)
            output = finals[0] * keep[-1] if zero_masked else finals[0]
        return [output] + finals if self.return_state else output

    def _time_major_mask(self, mask, batch, steps_count):
        """The mask as a bool ``(T, B, 1)`` tensor in processing order, or None (no mask, or
        nothing masked)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None:
            return None
        if tuple(mask.shape) != (batch, steps_count):
            raise ValueError(f"{self._describe()}: the mask must have shape (batch, timesteps) = "
                             f"({batch}, {steps_count}), like the inputs, received "
                             f"{shape_str(tuple(mask.shape))}")
        if mask.dtype != ember.bool:
            mask = ember.ne(mask, 0)
        if bool(mask.all()):
            return None  # nothing to skip: the unmasked path
        keep = mask.transpose(0, 1)
        if self.go_backwards:
            keep = keep.flip(0)
        return keep.reshape(steps_count, batch, 1).contiguous()

    def _loop(self, x, states, keep, training):
        """Step by step with ember ops: ``x (T, B, F)`` in processing order. Returns the outputs
        ``(T, B, units)`` and the final states."""
        g, u = self.gates, self.units
        per_gate = bool(training) and self.recurrent_dropout > 0  # Keras' implementation 1
        input_masks = recurrent_masks = None
        if training and self.dropout > 0:
            input_masks = _dropout_masks(g if per_gate else 1, (1,) + tuple(x.shape[1:]), self.dropout, x)
        if per_gate:
            recurrent_masks = _dropout_masks(g, (x.shape[1], u), self.recurrent_dropout, x)
        if input_masks is not None and len(input_masks) > 1:  # a mask per gate
            xw = ember.cat([(x * m) @ self.kernel[:, k * u:(k + 1) * u]
                            for k, m in enumerate(input_masks)], -1)
        else:  # all the gates' input parts, for every step, in one product
            xw = (x if input_masks is None else x * input_masks[0]) @ self.kernel
        bias = self._input_bias()
        if bias is not None:
            xw = xw + bias
        outputs = []
        for t in range(x.shape[0]):
            new = self._cell(xw[t], states, recurrent_masks)
            if keep is not None:  # a masked step keeps the states
                new = [ember.where(keep[t], n, s) for n, s in zip(new, states)]
            states = new
            outputs.append(states[0])
        return ember.stack(outputs), states

    def _input_bias(self):
        return self.bias

    def _recurrent(self, h, masks, first=0, count=None):
        """``h @ recurrent_kernel`` for gates ``first .. first + count`` (with each gate's
        recurrent-dropout mask when given), as ``(B, count * units)``."""
        u, count = self.units, self.gates - first if count is None else count
        kernel = self.recurrent_kernel[:, first * u:(first + count) * u]
        if masks is None:
            return h @ kernel
        return ember.cat([(h * masks[first + k]) @ kernel[:, k * u:(k + 1) * u] for k in range(count)], -1)

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

    def _stateful_states(self, batch, like):
        if inferring_shapes():
            return self._initial_states(None, batch, like)
        if self.states is None:
            self.states = self._initial_states(None, batch, like)
        if self.states[0].shape[0] != batch:
            raise ValueError(f"{self._describe()} is stateful and carries states for batches of "
                             f"{self.states[0].shape[0]} samples, but received a batch of {batch}. A "
                             "stateful layer needs the same batch size in every call: give fit/predict "
                             "a batch_size that divides the number of samples.")
        if self.states[0].device != like.device:
            self.states = [s.to(like.device) for s in self.states]
        return self.states

    def reset_states(self):
        """Zero the states of a stateful layer."""
        if not self.stateful:
            raise AttributeError(f"{self._describe()}: reset_states() needs a stateful layer; create "
                                 "it with stateful=True")
        if self.states is not None:
            self.states = [ember.zeros_like(s) for s in self.states]

    reset_state = reset_states  # Keras 3's name

    # ---- shapes, masks and configuration ----
    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self.n_states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask] + [None] * self.n_states if self.return_state else output_mask

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
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "seed": self.seed}

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}, return_sequences={self.return_sequences}"


class SimpleRNN(_RNN):
    """``SimpleRNN(units, activation='tanh', use_bias=True, kernel_initializer='glorot_uniform',
    recurrent_initializer='orthogonal', bias_initializer='zeros', dropout=0.0,
    recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False)``: ``h_t = act(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def _fused(self):
        return activations.serialize(self.activation) in ("tanh", "relu")

    def _sequence(self, rows, states, steps, keep):
        bias = self.bias
        zero = None if bias is None else ember.zeros_like(bias)
        y, h = RNNSequence.apply(rows, states[0], self.kernel.T, self.recurrent_kernel.T, bias, zero, steps,
                                 activations.serialize(self.activation) == "relu", keep)
        return y, h

    def _cell(self, xw, states, masks):
        return [self.activation(xw + self._recurrent(states[0], masks))]

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTM(_RNN):
    """``LSTM(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', unit_forget_bias=True, dropout=0.0, recurrent_dropout=0.0,
    return_sequences=False, return_state=False, go_backwards=False, stateful=False)``. One bias of
    ``4*units`` (gates i, f, c, o); with ``unit_forget_bias`` the forget gate's bias starts at 1.
    ``return_state`` gives ``[output, h, c]``. Parameters: ``4*units*(features + units + 1)``."""

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

    def _sequence(self, rows, states, steps, keep):
        bias = self.bias
        zero = None if bias is None else ember.zeros_like(bias)
        y, h, c = LSTMSequence.apply(rows, states[0], states[1], self.kernel.T, self.recurrent_kernel.T,
                                     bias, zero, None, steps, keep)
        return y, h, c

    def _cell(self, xw, states, masks):
        h, c = states
        u, act, gate = self.units, self.activation, self.recurrent_activation
        z = xw + self._recurrent(h, masks)
        i, f, o = gate(z[:, :u]), gate(z[:, u:2 * u]), gate(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        return [o * act(c), c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


def _zrh_to_rzn(w, u):
    """Columns (or entries) in Keras' GRU gate order z, r, h -> PyTorch's r, z, n."""
    return ember.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], -1)


class GRU(_RNN):
    """``GRU(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
    return_state=False, go_backwards=False, stateful=False, reset_after=True)``: gates z, r, h.

    ``reset_after=True`` (Keras 3's default, the formula of PyTorch's GRU): ``hh = act(x W_h +
    b_h + r * (h U_h + b'_h))`` with ``bias (2, 3*units)`` (input and recurrent biases);
    parameters ``3*units*(features + units + 2)``. ``reset_after=False`` (the original GRU):
    ``hh = act(x W_h + (r * h) U_h + b_h)`` with one ``bias (3*units,)``. Then
    ``h' = z * h + (1 - z) * hh``."""

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _fused(self):
        return self.reset_after and super()._fused()

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return None if self.bias is None else self.bias[0] if self.reset_after else self.bias

    def _sequence(self, rows, states, steps, keep):
        u = self.units
        w_ih = _zrh_to_rzn(self.kernel, u).T
        w_hh = _zrh_to_rzn(self.recurrent_kernel, u).T
        b_ih = b_hh = None
        if self.bias is not None:
            b = _zrh_to_rzn(self.bias, u)
            b_ih, b_hh = b[0], b[1]
        y, h = GRUSequence.apply(rows, states[0], w_ih, w_hh, b_ih, b_hh, steps, keep)
        return y, h

    def _cell(self, xw, states, masks):
        h = states[0]
        u, gate = self.units, self.recurrent_activation
        if self.reset_after:
            inner = self._recurrent(h, masks)
            if self.bias is not None:
                inner = inner + self.bias[1]
            z, r = gate(xw[:, :u] + inner[:, :u]), gate(xw[:, u:2 * u] + inner[:, u:2 * u])
            hh = self.activation(xw[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            inner = self._recurrent(h, masks, 0, 2)
            z, r = gate(xw[:, :u] + inner[:, :u]), gate(xw[:, u:2 * u] + inner[:, u:])
            h_dropped = h if masks is None else h * masks[2]
            hh = self.activation(xw[:, 2 * u:] + (r * h_dropped) @ self.recurrent_kernel[:, 2 * u:])
        return [z * h + (1 - z) * hh]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}
