"""``Embedding``: integer ids -> vectors, on ``F.embedding`` with Keras' ``(input_dim, output_dim)``
``embeddings`` weight (initialised U(-0.05, 0.05))."""

import ember
from ember.layers import constraints, initializers, regularizers
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["Embedding"]


class Embedding(Layer):
    """``Embedding(input_dim, output_dim, embeddings_initializer='uniform',
    embeddings_regularizer=None, mask_zero=False)``: ``(N, ...)`` ids -> ``(N, ..., output_dim)``.

    With ``mask_zero=True``, ``compute_mask(inputs)`` is ``inputs != 0`` (id 0 is padding); that
    mask is attached to the output, so layers after it (LSTM, GlobalAveragePooling1D...) skip the
    padded steps.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Embedding '{self.name}': {arg} must be a positive integer, received "
                                 f"{arg}={v!r}")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer, name="embeddings",
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        if inputs.is_floating_point():
            inputs = inputs.long()
        if inputs.numel():
            low, high = int(inputs.min().item()), int(inputs.max().item())
            if low < 0 or high >= self.input_dim:
                raise ValueError(f"{self._describe()} (input_dim={self.input_dim}) received ids in "
                                 f"[{low}, {high}] (input shape {shape_str(tuple(inputs.shape))}); ids "
                                 f"must lie in [0, {self.input_dim - 1}]: raise input_dim to at least "
                                 f"{high + 1}")
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ember.ne(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}
