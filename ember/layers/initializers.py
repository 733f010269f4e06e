"""Keras initializers by name and class, built on ``ember.nn.init``.

Fans follow Keras: for a kernel ``(..., fan_in_axis, fan_out_axis)`` the receptive field is
the product of the leading dimensions, so a Conv2D kernel ``(kh, kw, in, out)`` has
``fan_in = kh*kw*in`` and ``fan_out = kh*kw*out``; a Dense kernel ``(in, units)`` has
``fan_in = in``. Calling an initializer returns a new tensor: ``GlorotUniform()((784, 10))``.
"""

import math

import ember
from ember.nn import init

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
           "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "get", "serialize", "compute_fans"]


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a Keras-layout weight."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a new Tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _empty(shape, dtype):
    return ember.empty(*tuple(shape), dtype=dtype or ember.get_default_dtype())


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return init.zeros_(_empty(shape, dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return init.ones_(_empty(shape, dtype))


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return init.constant_(_empty(shape, dtype), self.value)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return init.normal_(_empty(shape, dtype), self.mean, self.stddev, generator=_generator(self.seed))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return init.uniform_(_empty(shape, dtype), self.minval, self.maxval, generator=_generator(self.seed))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws redrawn beyond two standard deviations."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        m, s = self.mean, self.stddev
        return init.trunc_normal_(_empty(shape, dtype), m, s, m - 2 * s, m + 2 * s,
                                  generator=_generator(self.seed))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras' VarianceScaling: variance ``scale / n`` with ``n`` = fan_in, fan_out or their mean;
    ``distribution`` 'truncated_normal' (std corrected by 0.8796...), 'untruncated_normal' or
    'uniform' (limit ``sqrt(3 * scale / n)``)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', "
                             f"received mode={mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform', received distribution={distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        t, g = _empty(shape, dtype), _generator(self.seed)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return init.uniform_(t, -limit, limit, generator=g)
        if self.distribution == "untruncated_normal":
            return init.normal_(t, 0.0, math.sqrt(scale), generator=g)
        std = math.sqrt(scale) / 0.87962566103423978
        return init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std, generator=g)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    doc = f"VarianceScaling({scale}, {mode!r}, {distribution!r})."
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix of shape ``(prod(shape[:-1]), shape[-1])`` times ``gain``."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of 2 or more dimensions, "
                             f"received shape={shape}")
        rows = math.prod(shape[:-1])
        flat = init.orthogonal_(_empty((rows, shape[-1]), dtype), self.gain, generator=_generator(self.seed))
        return flat.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def _generator(seed):
    return None if seed is None else ember.Generator().manual_seed(seed)


_CLASSES = {c.__name__: c for c in (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
                                    VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
                                    LecunUniform, LecunNormal, Orthogonal)}
_NAMES = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
          "random_uniform": RandomUniform,
          "uniform": RandomUniform, "normal": RandomNormal, "truncated_normal": TruncatedNormal,
          "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
          "glorot_normal": GlorotNormal, "xavier_uniform": GlorotUniform, "xavier_normal": GlorotNormal,
          "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_uniform": LecunUniform,
          "lecun_normal": LecunNormal, "orthogonal": Orthogonal}


def get(identifier):
    """An initializer from a Keras name, a class name, a config dict, an instance or a callable."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier) or _CLASSES.get(identifier)
        if cls is not None:
            return cls()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise ValueError(f"Unknown initializer {identifier!r}. Valid names: {', '.join(sorted(_NAMES))}; "
                     "or an Initializer, or a callable (shape, dtype) -> Tensor.")


def serialize(initializer):
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return initializer
