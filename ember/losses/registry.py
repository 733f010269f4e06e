"""``get``: a loss from a Keras string identifier, a class, an instance or a function."""

import difflib
import inspect

from ember.losses.hinge import CategoricalHinge, Hinge, SquaredHinge
from ember.losses.loss import Loss, LossFunctionWrapper
from ember.losses.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from ember.losses.regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
)

__all__ = ["get", "serialize", "deserialize", "ALL_LOSSES"]

ALL_LOSSES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "msle": MeanSquaredLogarithmicError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "cosine_similarity": CosineSimilarity,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson, "hinge": Hinge, "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
}
_BY_CLASS_NAME = {cls.__name__: cls for cls in ALL_LOSSES.values()}


def _unknown(identifier):
    names = sorted(ALL_LOSSES)
    close = difflib.get_close_matches(str(identifier), names + sorted(_BY_CLASS_NAME), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ValueError(f"Unknown loss {identifier!r}.{hint} Valid names: {', '.join(names)} (or a "
                      f"class name such as 'MeanSquaredError', a Loss instance or a function "
                      f"fn(y_true, y_pred)).")


def get(identifier):
    """A ``Loss`` instance from a string (``'mse'``, ``'binary_crossentropy'``, ...), a Loss class,
    a Loss instance (returned as is), a config dict ``{'class_name', 'config'}`` or a function
    ``fn(y_true, y_pred)`` returning per-sample values (wrapped); ``None`` gives ``None``.

    Example::

        >>> import ember
        >>> ember.losses.get("mse")
        <MeanSquaredError name='mean_squared_error' reduction='sum_over_batch_size'>
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = ALL_LOSSES.get(identifier) or _BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss identifier {identifier!r} of type "
                    f"{type(identifier).__name__}: give a string, a Loss class or instance, or a "
                    f"function fn(y_true, y_pred).")


def serialize(loss):
    """``{'class_name': ..., 'config': ...}`` for a Loss instance."""
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config):
    """The Loss that ``serialize`` described."""
    cls = _BY_CLASS_NAME.get(config.get("class_name"))
    if cls is None:
        raise _unknown(config.get("class_name"))
    return cls.from_config(config.get("config", {}))
