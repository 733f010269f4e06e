"""Core layers: ``Dense``, ``Activation``, ``Lambda``, ``Identity``, ``Masking``, ``InputLayer`` and
``InputSpec``."""

import inspect
import math

import ember
from ember.layers import activations, constraints, initializers, regularizers
from ember.layers._conv_utils import shape_str as _shape_str
from ember.layers.layer import Layer
from ember.layers.masking import set_keras_mask
from ember.nn import functional as F

__all__ = ["InputSpec", "InputLayer", "Dense", "Activation", "Lambda", "Identity", "Masking"]


class InputSpec:
    """What a layer accepts (Keras' ``InputSpec``): ``ndim``, ``min_ndim``, ``max_ndim`` and
    ``axes`` ({axis: size}). ``check(layer, shape)`` raises a ValueError naming the layer."""

    def __init__(self, shape=None, ndim=None, min_ndim=None, max_ndim=None, axes=None):
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.min_ndim, self.max_ndim, self.axes = min_ndim, max_ndim, dict(axes or {})

    def check(self, layer, shape, hint=""):
        shape = tuple(shape)
        rank = len(shape)
        problem = None
        if self.ndim is not None and rank != self.ndim:
            problem = f"expected ndim={self.ndim}, found ndim={rank}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            problem = f"expected min_ndim={self.min_ndim}, found ndim={rank}"
        elif self.max_ndim is not None and rank > self.max_ndim:
            problem = f"expected max_ndim={self.max_ndim}, found ndim={rank}"
        else:
            for axis, size in self.axes.items():
                if -rank <= axis < rank and shape[axis] is not None and size is not None \
                        and shape[axis] != size:
                    problem = f"expected axis {axis} of the input to have value {size}, found {shape[axis]}"
                    break
        if problem:
            raise ValueError(f"Input is incompatible with {layer._describe()}: {problem}. Full shape "
                             f"received: {_shape_str(shape)}.{(' ' + hint) if hint else ''}")


class InputLayer(Layer):
    """The identity on inputs of ``shape`` (one sample's shape); what ``Input`` creates."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, input_shape=shape, batch_size=batch_size, **kwargs)
        self.shape = None if shape is None else tuple(shape)
        self.batch_size = batch_size

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {"name": self.name, "shape": self.shape, "batch_size": self.batch_size,
                "dtype": self.dtype_name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Dense(Layer):
    """``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
    activity_regularizer=None)``: ``activation(x @ kernel + bias)`` on the last axis.

    ``kernel`` has Keras' layout ``(in, units)``; the product is ``F.linear`` on its transposed
    view. Inputs of any rank >= 2 are transformed along their last axis (a mask on the time
    axis of ``(batch, steps, features)`` passes through).
    """

    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense '{self.name}': units must be a positive integer, received "
                             f"units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def _check_input_shape(self, shape):
        if isinstance(shape, list):
            raise ValueError(f"{self._describe()} expects one input tensor, received a list of "
                             f"{len(shape)} (shapes {shape}); merge them first (e.g. Concatenate)")
        self.input_spec.check(self, shape)
        if self.built and shape[-1] is not None and shape[-1] != self.kernel.shape[0]:
            hint = (" If the input is an image or a sequence, add a Flatten layer before this one."
                    if len(shape) > 2 else "")
            raise ValueError(f"{self._describe()} (units={self.units}) was built for inputs with "
                             f"{self.kernel.shape[0]} features on the last axis, but received an "
                             f"input of shape {_shape_str(shape)} (last axis {shape[-1]}).{hint}")

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"{self._describe()}: the last dimension of the inputs should be "
                             f"defined, received input_shape={_shape_str(input_shape)}")
        self.kernel = self.add_weight((input_shape[-1], self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel",
                                      constraint=self.kernel_constraint)
        self.bias = (self.add_weight((self.units,), self.bias_initializer,
                                     regularizer=self.bias_regularizer, name="bias",
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)

    def call(self, inputs):
        return self.activation(F.linear(inputs, self.kernel.T, self.bias))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}"


class Activation(Layer):
    """``Activation(activation)``: applies a named (or callable) activation."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged."""

    supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Masking(Layer):
    """``Masking(mask_value=0.0)``: masks the time steps whose features all equal ``mask_value``
    (all NaN for ``mask_value=nan``), on inputs ``(batch, timesteps, features)``.

    The output is the input with the masked steps zeroed, carrying the mask ``(batch,
    timesteps)`` (True where a step is kept) for the layers after it, such as LSTM, which then
    skip those steps.

    >>> x = ember.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> y = Masking()(x)
    >>> ember.layers.masking.get_keras_mask(y)
    tensor([[ True, False,  True]])
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def _keep(self, inputs):
        if isinstance(self.mask_value, float) and math.isnan(self.mask_value):
            return ember.logical_not(ember.isnan(inputs).all(dim=-1))
        return ember.ne(inputs, self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = inputs * keep.unsqueeze(-1).to(inputs.dtype)
        set_keras_mask(outputs, keep)  # the mask with the outputs, computed once
        return outputs

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


class Lambda(Layer):
    """``Lambda(function, output_shape=None, mask=None, arguments=None)``: wraps
    ``function(inputs, **arguments)`` (also given ``mask=`` and ``training=`` when its signature
    names them).

    ``output_shape`` (one sample's shape, a tuple, or a function of the input shape) is used by
    ``compute_output_shape``; without it the shape is inferred by running the function once.
    ``mask`` (a mask, or a function ``(inputs, mask) -> mask``) is the mask of the outputs; with
    it the Lambda supports masking. A Lambda's config holds the function object itself (never
    code): it is not serializable to a file.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda '{self.name}': function must be callable, received "
                            f"{type(function).__name__}")
        self.function, self.output_shape, self.arguments = function, output_shape, dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        try:
            names = inspect.signature(function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            names = {}
        self._passes = [name for name in ("mask", "training") if name in names]

    def call(self, inputs, mask=None, training=None):
        extra = {"mask": mask, "training": training}
        return self.function(inputs, **self.arguments, **{name: extra[name] for name in self._passes})

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape):
            return tuple(self.output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(self.output_shape)

    def get_config(self):
        return {**super().get_config(), "function": self.function, "output_shape": self.output_shape,
                "mask": self.mask, "arguments": self.arguments}
