"""``ember.models``: Keras-style models (``Sequential``, Functional ``Model``, subclassed ``Model``)."""

from ember.layers.node import Input, KerasTensor  # noqa: F401
from ember.models.functional import Functional  # noqa: F401
from ember.models.model import Model  # noqa: F401
from ember.models.saving import load_model  # noqa: F401
from ember.models.sequential import Sequential  # noqa: F401
from ember.models.serialization import model_from_json  # noqa: F401
