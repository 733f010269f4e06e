"""Recurrent sequences (``ember/nn/modules/rnn.py``): ember runs each layer and direction of an
RNN, LSTM or GRU (``ember.nn`` and ``ember.layers`` alike) as one op over the rows ``(T * N, I)``
of all time steps; each becomes one ONNX RNN, LSTM or GRU node over ``(T, N, I)``, so the
sequence length and the batch may be dynamic axes.

Gates are reordered from PyTorch's layout (LSTM i, f, g, o; GRU r, z, n) to ONNX's (LSTM i, o,
f, c; GRU z, r, h); a GRU's new gate applies the reset after the recurrent product, which is
ONNX's ``linear_before_reset=1``.
"""

import numpy as np

from ember.onnx.errors import OnnxExportError

__all__ = ["rnn", "lstm", "gru"]

_LSTM_GATES = [0, 3, 1, 2]  # ONNX's i, o, f, c from PyTorch's i, f, g, o
_GRU_GATES = [1, 0, 2]  # ONNX's z, r, h from PyTorch's r, z, n


def _direction(node, i, keep):
    """'forward' or 'reverse' from the row ranges of the steps (argument ``i``, in both traces),
    after checking that every step has the whole batch (not a PackedSequence) and that no step
    is masked."""
    if keep is not None:
        raise OnnxExportError(f"{node.describe()}: masked time steps (Keras' mask) have no ONNX "
                              "export yet; export the model without masking")
    directions = set()
    for steps in (node.args[i], node.twin.args[i]):
        if len({stop - start for start, stop in steps}) != 1:
            raise OnnxExportError(f"{node.describe()}: a PackedSequence (sequences of several "
                                  "lengths) has no ONNX export; export the model on a padded batch")
        directions.add("forward" if len(steps) < 2 or steps[0][0] < steps[1][0] else "reverse")
    if len(directions) != 1:
        node.static(i)
    return directions.pop()


def _weights(node, value, gates, what):
    """A weight of the op as an array with its gates in ONNX's order, with a leading axis of 1
    (the direction)."""
    if value is None:
        return None
    if not value.constant or value.varies:
        raise OnnxExportError(f"{node.describe()}: the {what} is computed from the inputs; only "
                              "weights that are parameters (or computed from parameters) can be "
                              "exported")
    w = value.array
    return w.reshape(len(gates), -1, *w.shape[1:])[gates].reshape(w.shape)[None]


def _run(g, node, op_type, x, states, w_ih, w_hh, b_ih, b_hh, gates, steps_arg, keep, **attrs):
    """The ONNX node over ``x`` (rows of all steps; the steps' row ranges are argument
    ``steps_arg``); returns the rows of its output and the final states, each ``(N, H)``."""
    direction = _direction(node, steps_arg, keep)
    hidden = w_hh.shape[1]
    batch = g.dim(states[0], 0)
    features = x.shape[1]
    seq = g.node("Reshape", [g.name(x), g.node("Concat", [g.ints([-1]), batch, g.ints([features])],
                                                axis=0)])
    # named after the (PyTorch-layout) parameters they hold, reordered
    w = g.initializer(_weights(node, w_ih, gates, "input weight"), w_ih.name or "W")
    r = g.initializer(_weights(node, w_hh, gates, "recurrent weight"), w_hh.name or "R")
    b = None
    if b_ih is not None or b_hh is not None:
        zeros = np.zeros((len(gates) * hidden,), w_ih.dtype)
        halves = [zeros if v is None else _weights(node, v, gates, "bias")[0] for v in (b_ih, b_hh)]
        b = g.initializer(np.concatenate(halves)[None], (b_ih or b_hh).name or "B")
    initial = [g.unsqueeze(g.name(s), [0]) for s in states]
    outs = g.node(op_type, [seq, w, r, b, None] + initial, outputs=2 + (len(states) - 1),
                  hidden_size=hidden, direction=direction, **attrs)
    y = g.node("Reshape", [g.squeeze(outs[0], [1]), g.ints([-1, hidden])])
    return [y] + [g.squeeze(o, [0]) for o in outs[1:]]


def _arg(node, i):
    return node.args[i] if i < len(node.args) else node.kwargs.get("keep")


def rnn(g, node):
    x, h0, w_ih, w_hh, b_ih, b_hh = node.args[:6]
    relu = node.static(7)
    return _run(g, node, "RNN", x, [h0], w_ih, w_hh, b_ih, b_hh, [0], 6, _arg(node, 8),
                activations=["Relu" if relu else "Tanh"])


def lstm(g, node):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = node.args[:8]
    if w_hr is not None:
        raise OnnxExportError(f"{node.describe()}: an LSTM with a projection (proj_size > 0) has no "
                              "ONNX export (ONNX's LSTM has no projection)")
    return _run(g, node, "LSTM", x, [h0, c0], w_ih, w_hh, b_ih, b_hh, _LSTM_GATES, 8, _arg(node, 9))


def gru(g, node):
    x, h0, w_ih, w_hh, b_ih, b_hh = node.args[:6]
    return _run(g, node, "GRU", x, [h0], w_ih, w_hh, b_ih, b_hh, _GRU_GATES, 6, _arg(node, 7),
                linear_before_reset=1)


rnn.varying = gru.varying = (6,)  # the steps' row ranges, which change with the batch and length
lstm.varying = (8,)
