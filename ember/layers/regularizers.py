"""Weight regularizers (Keras): ``L1``, ``L2``, ``L1L2``, and the strings ``'l1'``, ``'l2'``,
``'l1_l2'`` (factor 0.01). A regularizer maps a weight to a scalar penalty tensor that the
layer reports in ``layer.losses``."""

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "serialize"]


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty tensor."""

    def __call__(self, x):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _factor(name, value):
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative number, received {name}={value}")
    return value


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x^2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor("l1", l1), _factor("l2", l2)

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = self.l1 * x.abs().sum()
        if self.l2:
            term = self.l2 * x.square().sum()
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else (x * 0).sum()

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)`` (default 0.01)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x^2)`` (default 0.01)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
_NAMES = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01)}


def get(identifier):
    """A regularizer from None, a name ('l1', 'l2', 'l1_l2'), a config dict or a callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise ValueError(f"Unknown regularizer {identifier!r}. Valid: 'l1', 'l2', 'l1_l2', an L1/L2/L1L2 "
                     "object, or a callable mapping a weight to a scalar tensor.")


def serialize(reg):
    if reg is None:
        return None
    if isinstance(reg, Regularizer):
        return {"class_name": type(reg).__name__, "config": reg.get_config()}
    return reg
