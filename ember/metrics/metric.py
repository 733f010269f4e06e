"""``Metric``: the base class of Keras-style stateful metrics.

A metric accumulates over batches: ``update_state(y_true, y_pred, sample_weight=None)`` adds a
batch, ``result()`` reads the value so far, ``reset_state()`` starts again (fit resets at every
epoch). The state lives in Python floats and NumPy arrays, outside any autograd graph, so a metric
never keeps a batch's graph alive; predictions are read as NumPy arrays.
"""

import re

import numpy as np

from ember.tensor.tensor import Tensor

__all__ = ["Metric", "to_numpy"]


def to_numpy(x, dtype=np.float64):
    """``x`` (Tensor, array, list, number) as a NumPy array, detached and on the CPU."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def squeeze_or_expand_to_same_rank(x1, x2):
    """Keras' rule for ranks that differ by one through a trailing axis of size 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, x2[..., None]) if x2.ndim == 1 else (x1[..., 0], x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (x1[..., None], x2) if x1.ndim == 1 else (x1, x2[..., 0])
    return x1, x2


class Metric:
    """Base class of stateful metrics.

    Subclasses set their state in ``reset_state`` (called by ``__init__``) and implement
    ``update_state`` and ``result``. Calling a metric updates it and returns the result.

    Example::

        >>> import ember
        >>> class Count(ember.metrics.Metric):
        ...     def reset_state(self):
        ...         self.count = 0.0
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.count += len(y_true)
        ...     def result(self):
        ...         return self.count
        >>> m = Count()
        >>> m.update_state([1, 2], [1, 2]); m.result()
        2.0
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type(self).__name__).lower()
        self.dtype = dtype
        self.reset_state()

    def reset_state(self):
        """Clears the accumulated state."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self):
        """The state: every float or array attribute that ``reset_state`` set."""
        return [v for v in vars(self).values() if isinstance(v, (float, np.ndarray))]

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} result={self.result()!r}>"
