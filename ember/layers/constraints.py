"""Weight constraints (Keras): ``MaxNorm``, ``MinMaxNorm``, ``NonNeg``, ``UnitNorm``, by class or
by name ('max_norm', 'min_max_norm', 'non_neg', 'unit_norm', or the class name).

A constraint maps a weight to its projection onto the allowed set. A layer gives it to
``add_weight(constraint=)`` (``kernel_constraint=``, ``bias_constraint=`` ... in the built-in
layers), which records it for that weight; the ``ember.optimizers`` optimizers replace each
constrained weight by its projection after every update, as Keras' optimizers do.

>>> w = ember.tensor([[3.0, 0.0], [4.0, 1.0]])
>>> MaxNorm(max_value=1.0)(w)  # each column's norm at most 1
tensor([[0.6000, 0.0000],
        [0.8000, 1.0000]])
"""

import ember
from ember.autograd.grad_mode import no_grad
from ember.layers._weak import IdentityTable

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "set_constraint", "get_constraint", "apply"]

_EPSILON = 1e-7  # Keras' backend.epsilon()


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight (by default ``w`` itself)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return w.square().sum(dim=dims, keepdim=True).sqrt()


class MaxNorm(Constraint):
    """``MaxNorm(max_value=2, axis=0)``: rescales each slice along ``axis`` whose L2 norm exceeds
    ``max_value`` to that norm. ``axis=0`` on a Dense kernel ``(in, units)`` bounds each unit's
    incoming weights; ``axis=[0, 1, 2]`` on a Conv2D kernel each filter."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (norms.clamp(0, self.max_value) / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``: moves each slice's norm
    to ``(1 - rate) * norm + rate * clip(norm, min_value, max_value)``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * norms.clamp(self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become zero."""

    def __call__(self, w):
        return w.clamp(min=0)


class UnitNorm(Constraint):
    """``UnitNorm(axis=0)``: each slice along ``axis`` divided by its L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm  # Keras' aliases

_CLASSES = {c.__name__: c for c in (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
_NAMES = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          **_CLASSES}


def get(identifier):
    """A constraint from None, a name ('max_norm', 'non_neg', 'MaxNorm', ...), a config dict
    ``{'class_name', 'config'}``, a Constraint class, or a callable mapping a weight to a weight."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier) and not isinstance(identifier, (str, dict, type)):
        return identifier
    raise ValueError(f"Unknown constraint {identifier!r}. Valid: 'max_norm', 'min_max_norm', 'non_neg', "
                     "'unit_norm', a Constraint object, or a callable mapping a weight to a weight.")


def serialize(constraint):
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    return constraint  # None, or a plain callable (which a saved model cannot hold)


# ---- the constraint of each weight, for the optimizers ----
_OF_WEIGHT = IdentityTable()


def set_constraint(weight, constraint):
    """Record ``constraint`` (or None) as the constraint of ``weight`` (a Parameter)."""
    if constraint is None:
        _OF_WEIGHT.pop(weight)
    else:
        _OF_WEIGHT[weight] = constraint


def get_constraint(weight):
    """The constraint recorded for ``weight``, or None."""
    return _OF_WEIGHT.get(weight)


def apply(weights):
    """Replace each of ``weights`` that has a constraint by its projection, in place."""
    with no_grad():
        for w in weights:
            constraint = _OF_WEIGHT.get(w)
            if constraint is not None:
                projected = constraint(w)
                if not isinstance(projected, ember.Tensor):
                    projected = ember.tensor(projected)
                w.copy_(projected.to(w.dtype))
