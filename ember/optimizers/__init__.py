"""``ember.optimizers``: Keras-named optimizers, created without parameters and bound to them by
``build`` when training starts; they use ``ember.optim``'s update rules."""

from ember.optimizers.adadelta import Adadelta  # noqa: F401
from ember.optimizers.adagrad import Adagrad  # noqa: F401
from ember.optimizers.adam import Adam  # noqa: F401
from ember.optimizers.adamax import Adamax  # noqa: F401
from ember.optimizers.adamw import AdamW  # noqa: F401
from ember.optimizers.nadam import Nadam  # noqa: F401
from ember.optimizers.optimizer import Optimizer  # noqa: F401
from ember.optimizers.registry import ALL_OPTIMIZERS, get  # noqa: F401
from ember.optimizers.rmsprop import RMSprop  # noqa: F401
from ember.optimizers.sgd import SGD  # noqa: F401
