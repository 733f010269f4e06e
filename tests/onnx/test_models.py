"""Whole models export: attention and transformer layers (ember.nn), Keras-style Sequential and
Functional models (ember.models), each checked against onnxruntime."""

import numpy as np
import pytest

import ember
from ember import layers, models, nn
from tests.onnx.common import assert_matches, op_types

_rng = np.random.default_rng(0)


def _normal(*shape):
    return _rng.standard_normal(shape).astype(np.float32)


class _CrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, q, kv):
        return self.attn(q, kv, kv)  # (output, head-averaged weights)


def test_multihead_attention_with_dynamic_batch_and_lengths(tmp_path):
    proto = assert_matches(_CrossAttention(), (ember.randn(2, 5, 16), ember.randn(2, 7, 16)), tmp_path,
                           feeds=[_normal(3, 4, 16), _normal(3, 6, 16)],
                           dynamic_axes={"q": {0: "batch", 1: "L"}, "kv": {0: "batch", 1: "S"}})
    assert [[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in proto.graph.output] \
        == [["batch", "L", 16], ["batch", "L", "S"]]


def test_transformer_encoder_layer(tmp_path):
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True, activation="gelu")
    proto = assert_matches(layer, ember.randn(2, 5, 16), tmp_path, feeds=[_normal(3, 8, 16)],
                           dynamic_axes={"src": {0: "batch", 1: "seq"}})
    assert op_types(proto).count("LayerNormalization") == 2


def test_transformer_encoder_with_a_causal_mask(tmp_path):
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)

        def forward(self, src):
            length = src.shape[0]
            mask = ember.full((length, length), float("-inf")).triu(1)  # a constant: length is fixed
            return self.encoder(src, mask=mask)

    assert_matches(Model(), ember.randn(5, 2, 8), tmp_path, feeds=[_normal(5, 3, 8)],
                   dynamic_axes={"src": {1: "batch"}})


def test_keras_sequential_with_channels_last_convolutions(tmp_path):
    model = models.Sequential([
        layers.Input((12, 12, 3)), layers.Conv2D(6, 3, padding="same", activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Conv2D(4, 3, strides=2),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(5, activation="softmax")])
    proto = assert_matches(model, ember.randn(2, 12, 12, 3), tmp_path, feeds=[_normal(3, 12, 12, 3)],
                           dynamic_axes={"inputs": {0: "batch"}})
    assert op_types(proto).count("Conv") == 2 and op_types(proto)[-1] == "Softmax"


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_keras_padding_upsampling_and_cropping(tmp_path, interpolation):
    model = models.Sequential([
        layers.Input((6, 6, 1)), layers.ZeroPadding2D(1), layers.Conv2D(2, 3),
        layers.UpSampling2D(interpolation=interpolation), layers.Cropping2D(((1, 1), (2, 2))),
        layers.Flatten(), layers.Dense(3)])
    assert_matches(model, ember.randn(2, 6, 6, 1), tmp_path)


def test_keras_functional_model_with_two_inputs(tmp_path):
    numbers, series = layers.Input((8,), name="numbers"), layers.Input((5, 4), name="series")
    h = layers.Dense(6, activation="tanh")(numbers)
    s = layers.LSTM(6)(series)
    g = layers.GlobalAveragePooling1D()(layers.GRU(3, return_sequences=True)(series))
    c = layers.LayerNormalization()(layers.Concatenate()([h, s, g]))
    out = layers.Dense(2)(layers.add([c, layers.Dense(15)(numbers)]))
    model = models.Model([numbers, series], out)
    proto = assert_matches(model, (ember.randn(2, 8), ember.randn(2, 5, 4)), tmp_path,
                           feeds=[_normal(4, 8), _normal(4, 5, 4)],
                           dynamic_axes={"numbers": {0: "batch"}, "series": {0: "batch"}})
    assert [i.name for i in proto.graph.input] == ["numbers", "series"]


def test_keras_embedding_attention_and_causal_convolution(tmp_path):
    tokens = layers.Input((7,), dtype="int64", name="tokens")
    e = layers.Embedding(30, 8)(tokens)
    c = layers.Conv1D(5, 3, padding="causal", activation="gelu")(layers.MultiHeadAttention(2, 4)(e, e))
    r = layers.Permute((2, 1, 3))(layers.AveragePooling2D((2, 1))(layers.Reshape((7, 5, 1))(c)))
    merged = layers.Concatenate()([layers.GlobalMaxPooling1D()(c), layers.GlobalMaxPooling2D()(r)])
    model = models.Model(tokens, layers.Dense(3, activation="leaky_relu")(merged))
    x = ember.tensor(_rng.integers(0, 30, (2, 7)))
    assert_matches(model, x, tmp_path, feeds=[_rng.integers(0, 30, (4, 7))],
                   dynamic_axes={"tokens": {0: "batch"}})
