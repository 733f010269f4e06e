"""``ember.losses``: Keras-style losses by class, function and string name (``'mse'``, ...)."""

from ember.losses.hinge import *  # noqa: F401,F403
from ember.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values  # noqa: F401
from ember.losses.probabilistic import *  # noqa: F401,F403
from ember.losses.registry import ALL_LOSSES, deserialize, get, serialize  # noqa: F401
from ember.losses.regression import *  # noqa: F401,F403
