"""Recurrent layers export as ONNX RNN, LSTM and GRU nodes (ember/onnx/converters/recurrent.py)."""

import numpy as np
import pytest

import ember
from ember import layers, models, nn
from ember.onnx import OnnxExportError
from tests.onnx.common import assert_matches, op_types

_rng = np.random.default_rng(0)


class _Tagger(nn.Module):
    def __init__(self, rnn, features):
        super().__init__()
        self.emb = nn.Embedding(20, 6)
        self.rnn = rnn
        self.fc = nn.Linear(features, 3)

    def forward(self, tokens):
        y, state = self.rnn(self.emb(tokens))
        return self.fc(y), state


@pytest.mark.parametrize("rnn, features, onnx_op", [
    (nn.LSTM(6, 5, batch_first=True), 5, "LSTM"),
    (nn.GRU(6, 5, num_layers=2, bidirectional=True, batch_first=True), 10, "GRU"),
    (nn.LSTM(6, 4, num_layers=2, bidirectional=True), 8, "LSTM"),
    (nn.RNN(6, 4, nonlinearity="relu", batch_first=True), 4, "RNN"),
], ids=["lstm", "gru-2-layers-bidirectional", "lstm-2-layers-bidirectional-seq-first", "rnn-relu"])
def test_recurrent_layers_with_dynamic_batch_and_length(rnn, features, onnx_op, tmp_path):
    tokens = ember.tensor(_rng.integers(0, 20, (3, 7)))
    axes = {0: "batch", 1: "seq"} if rnn.batch_first else {1: "batch", 0: "seq"}
    feed = _rng.integers(0, 20, (5, 9))
    proto = assert_matches(_Tagger(rnn, features), tokens, tmp_path, feeds=[feed],
                           dynamic_axes={"tokens": axes})
    directions = 2 if rnn.bidirectional else 1
    assert op_types(proto).count(onnx_op) == rnn.num_layers * directions


def test_given_initial_states(tmp_path):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, num_layers=2)

        def forward(self, x, h0, c0):
            return self.lstm(x, (h0, c0))

    x, h0, c0 = ember.randn(5, 2, 3), ember.randn(2, 2, 4), ember.randn(2, 2, 4)
    feeds = [_rng.standard_normal(s).astype(np.float32) for s in ((6, 3, 3), (2, 3, 4), (2, 3, 4))]
    assert_matches(Model(), (x, h0, c0), tmp_path, feeds=feeds,
                   dynamic_axes={"x": {0: "seq", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}})


def test_keras_recurrent_layers(tmp_path):
    model = models.Sequential([layers.Input((6, 3)),
                               layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
                               layers.GRU(3, go_backwards=True, return_sequences=True),
                               layers.SimpleRNN(2), layers.Dense(2)])
    feed = _rng.standard_normal((3, 9, 3)).astype(np.float32)
    proto = assert_matches(model, ember.randn(2, 6, 3), tmp_path, feeds=[feed],
                           dynamic_axes={"inputs": {0: "batch", 1: "time"}})
    assert [t for t in op_types(proto) if t in ("LSTM", "GRU", "RNN")] == ["LSTM", "LSTM", "GRU", "RNN"]


def test_a_projection_is_refused(tmp_path):
    class Projected(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, proj_size=2)

        def forward(self, x):
            return self.lstm(x)[0]

    with pytest.raises(OnnxExportError, match=r"LSTMSequence \(ember op\) in the forward of module 'lstm': "
                       r"an LSTM with a projection"):
        ember.onnx.export(Projected(), ember.randn(5, 2, 3), tmp_path / "m.onnx")
