"""``Layer``: the Keras-style base class, an ``ember.nn.Module`` built lazily from its first input.

Subclass it as in Keras: create weights in ``build(input_shape)`` with ``add_weight`` and compute
in ``call(inputs, training=None, mask=None)``. The first ``layer(x)`` runs ``build`` once from
``x``'s shape (``_maybe_build``), after which the layer's state is locked: ``add_weight``
refuses new weights. Weights are ``nn.Parameter``s registered on the module under their names,
so ``parameters()``, ``state_dict()`` and ``.to(device)`` work; non-trainable weights (a
BatchNormalization's moving statistics) are Parameters with ``requires_grad=False``.

``training=None`` in a call means the module's mode (``layer.train()`` / ``layer.eval()``), so
a PyTorch-style loop and Keras' ``fit``/``predict`` (which pass ``training`` explicitly) agree.

Masks, as Keras: a call receives the mask attached to its input (``ember.layers.masking``) as
``mask=`` when ``call`` takes that argument, and a layer with ``supports_masking`` attaches
``compute_mask(inputs, mask)`` (by default the same mask) to its outputs; a layer without it
that receives a mask warns that the mask stops there.
"""

import collections
import inspect
import re
import warnings

import numpy as np

import ember
from ember.autograd.grad_mode import no_grad
from ember.layers import constraints, initializers, regularizers
from ember.layers.masking import as_mask, get_keras_mask, mask_of, set_keras_mask
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.tensor.tensor import Tensor

__all__ = ["Layer", "reset_name_counters", "shape_of", "to_snake_case"]

_NAME_COUNTS = collections.defaultdict(int)


def to_snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def reset_name_counters():
    """Restart the automatic layer names ('dense', 'dense_1', ...), as Keras' ``clear_session``."""
    _NAME_COUNTS.clear()


def _unique_name(base):
    count = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def shape_of(inputs):
    """The shape (tuple) of a tensor-like input, or a list of shapes for a list/tuple of inputs."""
    if isinstance(inputs, (list, tuple)):
        return [shape_of(x) for x in inputs]
    if hasattr(inputs, "shape"):
        return tuple(None if d is None else int(d) for d in inputs.shape)
    raise TypeError(f"expected a Tensor (or a list of Tensors), received {type(inputs).__name__}")


def _standardize_shape(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [_standardize_shape(s) for s in shape]
    return tuple(None if d is None else int(d) for d in shape)


_SIGNATURES = {}


def _bind_arguments(cls, args, kwargs):
    """``{name: value}`` for a constructor call, ``**kwargs`` flattened in; None under ``*args``."""
    signature = _SIGNATURES.get(cls)
    if signature is None:
        signature = _SIGNATURES[cls] = inspect.signature(cls.__init__)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return {}  # __init__ itself will raise the error that names the bad argument
    out = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def _init_newer_than_get_config(cls):
    """Whether a class below ``Layer`` defines ``__init__`` but inherits ``get_config`` from
    above it: then the recorded constructor arguments complete the config."""
    mro = cls.__mro__
    first = lambda attr: next(i for i, c in enumerate(mro) if attr in c.__dict__)
    return first("__init__") < first("get_config")


def _json_value(value):
    """``value`` as plain JSON data (tuples become lists, NumPy scalars numbers), or TypeError."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_value(v) for k, v in value.items()}
    raise TypeError(type(value).__name__)


class _Weight:
    __slots__ = ("name", "trainable", "regularizer")

    def __init__(self, name, trainable, regularizer):
        self.name, self.trainable, self.regularizer = name, trainable, regularizer


class Layer(Module):
    """Keras' ``Layer``: ``Layer(trainable=True, name=None, dtype=None, activity_regularizer=None,
    input_shape=None)``.

    >>> class Scale(ember.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(ember.ones(2, 3)).shape
    (2, 3)
    """

    supports_masking = False  # True: compute_mask's mask is attached to the outputs (Keras)

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        # The constructor's arguments, so that a custom layer without a get_config of its own
        # still saves (``get_config`` below); bound to parameter names once, here.
        object.__setattr__(layer, "_init_arguments", _bind_arguments(cls, args, kwargs))
        return layer

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 input_shape=None, batch_size=None, input_dim=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments "
                            f"{sorted(kwargs)}; see the layer's documentation for its arguments")
        super().__init__()
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string, received "
                             f"name={name!r}")
        self.name = name or _unique_name(to_snake_case(type(self).__name__))
        self.dtype_name = dtype if dtype is None or isinstance(dtype, str) else str(dtype)
        self.built = False
        self._locked = False
        self._weights_info = collections.OrderedDict()  # name -> _Weight, creation order
        self._trainable = bool(trainable)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._activity_losses = []
        self._extra_losses = []
        self._build_input_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        # the shape of one sample, for Sequential's first layer (Keras' input_shape= argument)
        self.batch_input_shape = None if input_shape is None else (batch_size,) + tuple(input_shape)

    # ---- weights ----
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   name=None, constraint=None):
        """Create a weight, register it as an ``nn.Parameter`` named ``name`` and return it.

        ``initializer`` defaults to 'glorot_uniform' for floats (Keras' default); ``trainable=False``
        gives a Parameter with ``requires_grad=False``; ``regularizer``'s penalty of this weight
        appears in ``layer.losses``; ``constraint`` (a name, a Constraint or a callable) projects
        the weight after each update of an ``ember.optimizers`` optimizer.
        """
        if self._locked:
            raise RuntimeError(f"Layer '{self.name}' ({type(self).__name__}) is already built: its "
                               "state is locked and it cannot create the new weight "
                               f"{name!r}. Create all weights in build(input_shape).")
        shape = () if shape is None else tuple(int(s) for s in shape)
        name = name or f"weight_{len(self._weights_info)}"
        if name in self._weights_info or name in self._modules or name in self.__dict__:
            raise ValueError(f"Layer '{self.name}': a weight or attribute named {name!r} already "
                             "exists; give each weight a distinct name")
        init_fn = initializers.get("glorot_uniform" if initializer is None else initializer)
        with no_grad():
            value = init_fn(shape, dtype=dtype)
        if not isinstance(value, Tensor):
            value = ember.tensor(np.asarray(value, dtype=np.float32))
        if tuple(value.shape) != shape:
            raise ValueError(f"Layer '{self.name}': initializer for weight {name!r} returned shape "
                             f"{tuple(value.shape)}, expected {shape}")
        value = value.detach()
        if self._target_device is not None:  # moved with .to(device) before it was built
            value = value.to(self._target_device)
        param = Parameter(value, requires_grad=bool(trainable) and self._trainable)
        self.register_parameter(name, param)
        self._weights_info[name] = _Weight(name, bool(trainable), regularizers.get(regularizer))
        constraints.set_constraint(param, constraints.get(constraint))
        return param

    _target_device = None  # where .to(device) sent the layer (its weights may come later)

    def to(self, *args, **kwargs):
        """As ``Module.to``; a layer not built yet creates its weights on that device later."""
        device, _ = self._to_arguments(*args, **kwargs)
        if device is not None:
            for module in self.modules():
                if isinstance(module, Layer):
                    object.__setattr__(module, "_target_device", device)
        return super().to(*args, **kwargs)

    def _own_weights(self, trainable):
        return [self._parameters[n] for n, w in self._weights_info.items()
                if self._parameters.get(n) is not None and (w.trainable and self._trainable) == trainable]

    def _sublayers(self):
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for n, w in self._weights_info.items():
            p = self._parameters.get(n)
            if p is not None:
                p.requires_grad = w.trainable and self._trainable
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = self._own_weights(True)
        for layer in self._sublayers():
            out += layer.trainable_weights
        return out

    @property
    def non_trainable_weights(self):
        out = self._own_weights(False)
        for layer in self._sublayers():
            out += layer.non_trainable_weights if self._trainable else layer.weights
        return out

    @property
    def weights(self):
        """All weights: the trainable ones first, then the non-trainable (Keras' order)."""
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self):
        """The weights as NumPy arrays, in the order of ``weights``."""
        return [w.detach().cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from NumPy arrays in the order of ``weights`` (shapes must match)."""
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects {len(params)} weight "
                             f"arrays ({[tuple(p.shape) for p in params]}), received {len(weights)}")
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(p.shape):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): weight shape "
                                 f"{tuple(p.shape)} is not compatible with provided weight shape "
                                 f"{tuple(w.shape)}")
        with no_grad():
            for p, w in zip(params, weights):
                p.copy_(ember.tensor(np.asarray(w, dtype=p.detach().numpy().dtype)))

    def count_params(self):
        """The number of scalars in all weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer '{self.name}', but the layer "
                             "isn't built. Call it on an input (or call build(input_shape)) first.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---- losses ----
    def add_loss(self, loss):
        """Add a scalar loss tensor to ``layer.losses`` (cleared at the next call)."""
        self._extra_losses.append(loss)

    @property
    def losses(self):
        """The regularization penalties: each regularized weight's (recomputed on its current
        value), the activity penalties and ``add_loss`` terms of the last call; sublayers' too."""
        out = list(self._activity_losses) + list(self._extra_losses)
        for n, w in self._weights_info.items():
            p = self._parameters.get(n)
            if w.regularizer is not None and p is not None and w.trainable and self._trainable:
                out.append(w.regularizer(p))
        for layer in self._sublayers():
            out += layer.losses
        return out

    # ---- building and calling ----
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch dimension None). Override it."""

    def _check_input_shape(self, input_shape):
        """Raise a clear error when ``input_shape`` cannot be handled (before and after build)."""

    def _maybe_build(self, input_shape):
        """Build once from ``input_shape``, then lock the layer's state (Keras' ``_maybe_build``)."""
        if self.built:
            return
        input_shape = _standardize_shape(input_shape)
        self.build(input_shape)
        self.built = True
        self._build_input_shape = input_shape
        self._locked = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not define call(inputs); "
                                  "override it in your subclass")

    def _describe(self):
        return f"Layer '{self.name}' ({type(self).__name__})"

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs, args, kwargs):  # Functional API: record the call, compute nothing
            return symbolic_call(self, inputs, *args, **kwargs)
        shape = shape_of(inputs)
        self._check_input_shape(shape)
        self._maybe_build(shape)
        params = self._call_params()
        if "training" in params and kwargs.get("training") is None:
            kwargs["training"] = self.training
        mask = kwargs.get("mask")
        if mask is None:  # the mask attached to the inputs (Keras' _keras_mask)
            mask = mask_of(inputs)
            if mask is not None and "mask" in params:
                kwargs["mask"] = mask
        elif "mask" in params:
            mask = kwargs["mask"] = as_mask(mask, inputs)
        else:
            raise TypeError(f"{self._describe()} received mask=, but its call() takes no mask "
                            "argument; give the mask to a layer that consumes it (e.g. LSTM)")
        self._activity_losses = []
        self._extra_losses = []
        outputs = super().__call__(inputs, *args, **kwargs)
        if self.supports_masking:
            if mask is not None or type(self).compute_mask is not Layer.compute_mask:
                self._attach_output_masks(inputs, outputs, mask)
        elif mask is not None and "mask" not in params:
            warnings.warn(f"{self._describe()} was passed an input with a mask attached to it, but it "
                          "does not support masking: its outputs carry no mask, so layers after it "
                          "will not see it.", stacklevel=2)
        if self.activity_regularizer is not None:
            for out in (outputs if isinstance(outputs, (list, tuple)) else [outputs]):
                if isinstance(out, Tensor):
                    self._activity_losses.append(self.activity_regularizer(out))
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs, given the inputs and their ``mask`` (Keras' ``compute_mask``).

        Called after each call of a layer whose ``supports_masking`` is true; the default passes
        the inputs' mask through (right for layers that keep the time axis, e.g. Dense on
        ``(batch, steps, features)``). Return None to drop the mask."""
        return mask

    def _attach_output_masks(self, inputs, outputs, mask):
        flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if all(get_keras_mask(out) is not None for out in flat):  # call() attached them itself
            return
        masks = self.compute_mask(inputs, mask)
        if masks is None:
            return
        for out, m in zip(flat, masks if isinstance(masks, (list, tuple)) else [masks]):
            if m is not None and isinstance(out, Tensor) and get_keras_mask(out) is None:
                set_keras_mask(out, m)

    def _call_params(self):
        cls = type(self)
        cached = cls.__dict__.get("_call_params_cache")
        if cached is None:
            cached = frozenset(inspect.signature(self.call).parameters)
            cls._call_params_cache = cached
        return cached

    def forward(self, inputs, *args, **kwargs):
        return self.call(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (None for unknown/batch dimensions).

        The default runs ``call`` once on zeros (unknown dimensions taken as 1) without recording
        a graph; layers override it with the closed form."""
        input_shape = _standardize_shape(input_shape)
        self._check_input_shape(input_shape)
        self._maybe_build(input_shape)

        def zeros(s):
            return ember.zeros(*[1 if d is None else d for d in s])

        x = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(input_shape)
        with no_grad():
            out = self.call(x, training=False) if "training" in self._call_params() else self.call(x)

        def back(o, s):
            shape = tuple(o.shape)
            batch = s[0] if not isinstance(s, list) else s[0][0]
            return (batch,) + shape[1:] if shape else shape

        if isinstance(out, (list, tuple)):
            return [back(o, input_shape) for o in out]
        return back(out, input_shape)

    # ---- configuration ----
    def get_config(self):
        """The constructor arguments as a dict of plain values (Keras' ``get_config``).

        A subclass whose ``__init__`` is newer than its ``get_config`` gets the arguments it was
        constructed with recorded automatically, so it saves without a hand-written ``get_config``
        as long as they are JSON values (numbers, strings, booleans, None, lists and dicts)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_name}
        if self.batch_input_shape is not None:
            config["batch_input_shape"] = self.batch_input_shape
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if _init_newer_than_get_config(type(self)):
            config = {**self._recorded_arguments(), **config}
        return config

    def _recorded_arguments(self):
        arguments = getattr(self, "_init_arguments", None)
        if arguments is None:
            raise TypeError(f"{self._describe()} can't be saved: its constructor takes *args, which "
                            "can't be recorded by name. Write get_config() returning its arguments "
                            "as a dict.")
        out = {}
        for key, value in arguments.items():
            try:
                out[key] = _json_value(value)
            except TypeError:
                raise TypeError(f"{self._describe()} can't be saved: its constructor argument "
                                f"{key}={value!r} is not a JSON value (numbers, strings, booleans, "
                                "None, and lists and dicts of them). Write get_config() returning "
                                "plain values for it (and from_config() to turn them back).") from None
        return out

    @classmethod
    def from_config(cls, config):
        """A new (unbuilt) layer from ``get_config()``'s dict."""
        config = dict(config)
        batch_input_shape = config.pop("batch_input_shape", None)
        if batch_input_shape is not None:
            config["input_shape"] = tuple(batch_input_shape[1:])
            config["batch_size"] = batch_input_shape[0]
        parameters = inspect.signature(cls.__init__).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return cls(**config)
        # an __init__ without **kwargs: the base arguments it does not take are set afterwards
        base = {k: config.pop(k) for k in list(config) if k not in parameters}
        layer = cls(**config)
        if base.get("name"):
            layer.name = base["name"]
        if "trainable" in base:
            layer.trainable = base["trainable"]
        return layer

    def get_build_config(self):
        return {"input_shape": self._build_input_shape}

    def build_from_config(self, config):
        if config.get("input_shape") is not None:
            self._maybe_build(config["input_shape"])

    def extra_repr(self):
        return f"name={self.name!r}"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


from ember.layers.node import is_symbolic, symbolic_call  # noqa: E402  (node builds on Layer)
