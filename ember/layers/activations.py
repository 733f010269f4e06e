"""Keras activations by name: ``get('relu')`` returns the function, ``serialize(fn)`` its name.

Each is an ember.nn.functional form (Keras' conventions where they differ from PyTorch's:
``softmax`` over the last axis, ``leaky_relu`` with slope 0.2, ``gelu`` exact by default).
"""

import ember
from ember.nn import functional as F

__all__ = ["get", "serialize", "names"]


def linear(x):
    return x


def softmax(x, axis=-1):
    return F.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    return F.log_softmax(x, dim=axis)


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(x, negative_slope)


def exponential(x):
    return ember.exp(x)


def elu(x, alpha=1.0):
    return F.elu(x, alpha)


def gelu(x, approximate=False):
    return F.gelu(x, approximate="tanh" if approximate else "none")


_ACTIVATIONS = {
    "linear": linear, "relu": F.relu, "relu6": F.relu6, "sigmoid": F.sigmoid, "tanh": F.tanh,
    "softmax": softmax, "log_softmax": log_softmax, "gelu": gelu, "silu": F.silu, "swish": F.silu,
    "elu": elu, "selu": F.selu, "softplus": F.softplus, "softsign": F.softsign, "mish": F.mish,
    "hard_sigmoid": F.hardsigmoid, "hard_silu": F.hardswish, "hard_swish": F.hardswish,
    "leaky_relu": leaky_relu, "exponential": exponential,
}


def names():
    """The valid activation names, sorted."""
    return sorted(_ACTIVATIONS)


def get(identifier):
    """The activation for ``identifier``: a name, a callable (returned as is) or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _ACTIVATIONS:
        return _ACTIVATIONS[identifier]
    raise ValueError(f"Unknown activation {identifier!r}. Valid names: {', '.join(names())}; or "
                     "pass a callable taking and returning a Tensor.")


def serialize(fn):
    """The name of a known activation (the first registered name), else the callable itself."""
    for name, f in _ACTIVATIONS.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", fn) if fn is not None else "linear"
