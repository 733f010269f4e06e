"""``ember.layers``: Keras-style layers built lazily on ``ember.nn`` (Keras 3 names and defaults)."""

from ember.layers import activations, constraints, initializers, masking, regularizers  # noqa: F401
from ember.layers.attention import *  # noqa: F401,F403
from ember.layers.bidirectional import *  # noqa: F401,F403
from ember.layers.convolutional import *  # noqa: F401,F403
from ember.layers.core import *  # noqa: F401,F403
from ember.layers.embedding import *  # noqa: F401,F403
from ember.layers.layer import Layer, reset_name_counters  # noqa: F401
from ember.layers.merging import *  # noqa: F401,F403
from ember.layers.node import Input, KerasTensor  # noqa: F401
from ember.layers.normalization import *  # noqa: F401,F403
from ember.layers.padding import *  # noqa: F401,F403
from ember.layers.pooling import *  # noqa: F401,F403
from ember.layers.recurrent import *  # noqa: F401,F403
from ember.layers.regularization import *  # noqa: F401,F403
from ember.layers.reshaping import *  # noqa: F401,F403
from ember.layers.upsampling import *  # noqa: F401,F403
