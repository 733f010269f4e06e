"""``BatchNormalization`` and ``LayerNormalization`` (Keras' arguments, defaults and weights).

BatchNormalization normalizes over every axis but ``axis`` with ``F.batch_norm`` (the axis
moved to position 1). Keras' momentum is the weight of the old value (0.99), i.e. PyTorch's
``1 - momentum``, and Keras updates ``moving_variance`` with the batch's *biased* variance
(PyTorch uses the unbiased one), so the moving statistics are updated here, as Keras does.
Weights, in Keras' order: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance``
(non-trainable: Parameters with ``requires_grad=False``).
"""

from ember.autograd.grad_mode import no_grad
from ember.layers import constraints, initializers, regularizers
from ember.layers._conv_utils import shape_str
from ember.layers.layer import Layer
from ember.nn import functional as F

__all__ = ["BatchNormalization", "LayerNormalization"]


def _axes(axis, rank, layer):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"{layer._describe()}: axis={axis} is out of range for inputs of rank {rank}")
        out.append(a % rank)
    return sorted(out)


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
    beta_initializer='zeros', gamma_initializer='ones', moving_mean_initializer='zeros',
    moving_variance_initializer='ones', beta_regularizer=None, gamma_regularizer=None)``.

    In training: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the batch's statistics,
    and ``moving = moving * momentum + batch * (1 - momentum)``; in inference the moving statistics.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise ValueError(f"BatchNormalization '{self.name}': axis must be an integer, received "
                             f"axis={axis!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization '{self.name}': momentum must be in [0, 1] (Keras' "
                             f"convention: the weight of the moving value), received {momentum!r}")
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized

    def _check_input_shape(self, shape):
        if isinstance(shape, list) or len(shape) < 2:
            raise ValueError(f"{self._describe()} expects inputs of rank 2 or more, received shape "
                             f"{shape if isinstance(shape, list) else shape_str(shape)}")
        axis = _axes(self.axis, len(shape), self)[0]
        if shape[axis] is None:
            raise ValueError(f"{self._describe()}: axis {self.axis} of the input should have a defined "
                             f"dimension, received shape {shape_str(shape)}")
        if self.built and shape[axis] != self.moving_mean.shape[0]:
            raise ValueError(f"{self._describe()} was built for {self.moving_mean.shape[0]} features on "
                             f"axis {self.axis}, received shape {shape_str(shape)}")

    def build(self, input_shape):
        n = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(n, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         name="gamma", constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(n, self.beta_initializer, regularizer=self.beta_regularizer,
                                        name="beta", constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(n, self.moving_mean_initializer, trainable=False,
                                           name="moving_mean")
        self.moving_variance = self.add_weight(n, self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")

    def call(self, inputs, training=None, mask=None):
        axis = self.axis % inputs.ndim
        x = inputs if axis == 1 else inputs.movedim(axis, 1)
        gamma = self.gamma if self.scale else None
        beta = self.beta if self.center else None
        if training:
            y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=self.epsilon)
            with no_grad():
                reduce = (0,) + tuple(range(2, x.ndim))
                data = x.detach()
                mean = data.mean(dim=reduce)
                shape = (1, -1) + (1,) * (x.ndim - 2)
                var = (data - mean.reshape(shape)).square().mean(dim=reduce)
                m = self.momentum
                self.moving_mean.copy_(self.moving_mean * m + mean * (1 - m))
                self.moving_variance.copy_(self.moving_variance * m + var * (1 - m))
        else:
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, gamma, beta, training=False,
                             eps=self.epsilon)
        return y if axis == 1 else y.movedim(1, axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class LayerNormalization(Layer):
    """``LayerNormalization(axis=-1, epsilon=0.001, center=True, scale=True,
    beta_initializer='zeros', gamma_initializer='ones', ...)``: per sample, normalize over
    ``axis`` (an int or a list), then ``* gamma + beta`` (shaped like those axes). Uses
    ``F.layer_norm`` over the trailing axes (other axes are moved last and back).

    ``rms_scaling=True`` ignores ``center`` and ``scale``: ``x / sqrt(var(x) + epsilon) * gamma``
    with no ``beta`` and, exactly as Keras 3 computes it, the variance over the axes (the inputs
    are not centred)."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _check_input_shape(self, shape):
        if isinstance(shape, list):
            raise ValueError(f"{self._describe()} expects one input, received {len(shape)}")
        axes = _axes(self.axis, len(shape), self)
        if self.built:
            got = tuple(shape[a] for a in axes)
            if got != tuple(self._param_shape):
                raise ValueError(f"{self._describe()} was built for axes of sizes "
                                 f"{tuple(self._param_shape)}, received shape {shape_str(shape)}")

    def build(self, input_shape):
        axes = _axes(self.axis, len(input_shape), self)
        self._param_shape = tuple(input_shape[a] for a in axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(self._param_shape, self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, name="gamma",
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(self._param_shape, self.beta_initializer,
                                        regularizer=self.beta_regularizer, name="beta",
                                        constraint=self.beta_constraint)

    def call(self, inputs):
        rank = inputs.ndim
        axes = _axes(self.axis, rank, self)
        trailing = list(range(rank - len(axes), rank))
        x = inputs if axes == trailing else inputs.movedim(axes, trailing)
        if self.rms_scaling:
            variance = x.var(dim=tuple(trailing), keepdim=True, correction=0)
            y = x * (variance + self.epsilon).rsqrt() * self.gamma
        else:
            y = F.layer_norm(x, self._param_shape, self.gamma if self.scale else None,
                             self.beta if self.center else None, self.epsilon)
        return y if axes == trailing else y.movedim(trailing, axes)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
