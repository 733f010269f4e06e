"""Metrics that reduce values over batches: ``Mean``, ``Sum`` and ``MeanMetricWrapper``."""

import numpy as np

from ember.metrics.metric import Metric, squeeze_or_expand_to_same_rank, to_numpy

__all__ = ["Mean", "Sum", "MeanMetricWrapper"]


def samplewise(name, values, sample_weight, reduce_fn):
    """Keras' ``reduce_to_samplewise_values``: one value per sample (reduced over the axes the
    weights lack), the values times their weights, and the weights (None when not given)."""
    values = to_numpy(values)
    if sample_weight is not None:
        weight = to_numpy(sample_weight)
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        if values.ndim > weight.ndim:
            values = reduce_fn(values, axis=tuple(range(weight.ndim, values.ndim)))
        try:
            weight = np.broadcast_to(weight, values.shape)
        except ValueError:
            raise ValueError(f"{name}: sample_weight of shape {weight.shape} does not match the "
                             f"values of shape {values.shape}; give one weight per sample.") from None
        values = values * weight
        if weight.ndim > 1:
            weight = reduce_fn(weight, axis=tuple(range(1, weight.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, None if sample_weight is None else weight


class Mean(Metric):
    """The (weighted) mean of the values given so far: ``sum(w * v) / sum(w)``.

    Example::

        >>> import ember
        >>> m = ember.metrics.Mean()
        >>> m.update_state([1, 3, 5, 7]); m.result()
        4.0
        >>> m.reset_state(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); m.result()
        2.0
    """

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        values, weight = samplewise(self.name, values, sample_weight, np.mean)
        self.total += float(values.sum())
        self.count += float(weight.sum()) if weight is not None else float(values.size)

    def result(self):
        return self.total / self.count if self.count else 0.0


class Sum(Metric):
    """The (weighted) sum of the values given so far.

    Example::

        >>> import ember
        >>> m = ember.metrics.Sum()
        >>> m.update_state([1, 3, 5, 7]); m.result()
        16.0
    """

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        self.total += float(samplewise(self.name, values, sample_weight, np.sum)[0].sum())

    def result(self):
        return self.total


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen (weighted).

    ``fn`` takes and returns NumPy arrays (one value per sample) or ember Tensors (a loss
    function: its values are read back as an array).

    Example::

        >>> import numpy as np, ember
        >>> m = ember.metrics.MeanMetricWrapper(lambda t, p: np.abs(t - p).mean(-1), name="l1")
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]]); m.result()
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(to_numpy(y_true), to_numpy(y_pred))
        super().update_state(to_numpy(self._fn(y_true, y_pred, **self._fn_kwargs)), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}
