"""``get``: an optimizer from a Keras string identifier, a class or an instance."""

import inspect

from ember.optimizers.adadelta import Adadelta
from ember.optimizers.adagrad import Adagrad
from ember.optimizers.adam import Adam
from ember.optimizers.adamax import Adamax
from ember.optimizers.adamw import AdamW
from ember.optimizers.nadam import Nadam
from ember.optimizers.optimizer import Optimizer
from ember.optimizers.rmsprop import RMSprop
from ember.optimizers.sgd import SGD

__all__ = ["get", "ALL_OPTIMIZERS"]

ALL_OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop,
                  "adagrad": Adagrad, "nadam": Nadam, "adamax": Adamax, "adadelta": Adadelta}


def get(identifier):
    """A Keras-style optimizer from a string (``'adam'``, case-insensitive), a class, an instance
    (returned as is) or a config dict ``{'class_name', 'config'}``.

    Example::

        >>> import ember
        >>> ember.optimizers.get("rmsprop").learning_rate
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        cls = ALL_OPTIMIZERS.get(str(identifier.get("class_name")).lower())
        if cls is None:
            return get(str(identifier.get("class_name")))  # the error below
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = ALL_OPTIMIZERS.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: "
                             f"{', '.join(sorted(ALL_OPTIMIZERS))} (or an ember.optimizers "
                             f"instance such as Adam(learning_rate=1e-3)).")
        return cls()
    if inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise TypeError(f"Could not interpret optimizer identifier {identifier!r} of type "
                    f"{type(identifier).__name__}: give a string such as 'adam' or an "
                    f"ember.optimizers instance. (An ember.optim optimizer is bound to parameters "
                    f"already; compile needs one created without them.)")
