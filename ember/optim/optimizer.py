"""``Optimizer``: the base class of every optimizer, with PyTorch's ``optimizer.py`` contract.

An optimizer holds ``param_groups`` (a list of dicts: the parameters and their options, each
option falling back to the optimizer's ``defaults``) and ``state`` (a dict of dicts keyed by the
parameter tensor: the running averages, step counts... that the update rule keeps). Subclasses
implement ``step()``; the update runs on the parameters' raw arrays (``p._data``), in place and
without recording a graph, then bumps each parameter's version counter so that autograd refuses
to backward through a value the step has overwritten.

Where ember differs from PyTorch: a ``set`` of parameters is refused
at the top level too (PyTorch only refuses it inside a group); ``load_state_dict`` copies the
loaded state instead of sharing tensors with the dict it was given, keeps the dtype of every
scalar state entry (PyTorch keeps only ``step``'s, and casts NAdam's ``mu_product``, so that a
resumed run drifts from an uninterrupted one), checks the state buffers' shapes against the
parameters, and accepts parameter indices written as strings (as a JSON file stores them); the
``foreach``/``fused``/``capturable``/``differentiable`` switches do not exist.
"""

import copy
import functools
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from ember.autograd.grad_mode import enable_grad
from ember.backend import array_module, get_default_dtype, to_device_array
from ember.backend import dtypes as _dtypes
from ember.backend.threads import parallel_map
from ember.ops.inplace import bump_version
from ember.tensor.factories import tensor as _tensor
from ember.tensor.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """The default of an option that every parameter group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _marks_stepped(step):
    """Wrap a subclass's ``step`` so the optimizer knows it has stepped (schedulers warn when
    they are stepped before their optimizer)."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        self._opt_called = True
        return step(self, *args, **kwargs)
    return wrapper


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups), each with a ``"params"`` entry and its own options.
        defaults: the options (``lr``, ``momentum``...) of groups that do not set them.

    Example::

        >>> import ember
        >>> from ember.optim import SGD
        >>> w, b = ember.zeros(3, requires_grad=True), ember.zeros(1, requires_grad=True)
        >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
        >>> [g["lr"] for g in opt.param_groups]
        [0.01, 0.1]
    """

    # Names of the state buffers that have their parameter's shape (checked by load_state_dict).
    _param_shaped_state = ()
    # Names of the scalar state entries kept as 0-d tensors, as PyTorch keeps ``step``.
    _scalar_state = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _marks_stepped(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts (parameter groups), "
                f"got a single Tensor of shape {tuple(params.shape)}; pass [tensor] or "
                "model.parameters()")
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: params was given as a set, whose order changes from run to run (and "
                "with it the state dict's parameter indices); pass a list instead")
        param_groups = list(params)
        if not param_groups:
            raise ValueError(f"{name}: optimizer got an empty parameter list; pass the tensors "
                             "to optimize, e.g. model.parameters()")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"

    # ---- parameter groups ----
    def add_param_group(self, param_group):
        """Add a group of parameters, with its own options, e.g. to unfreeze layers while
        fine-tuning: ``opt.add_param_group({"params": head.parameters(), "lr": 1e-4})``."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict with a 'params' "
                            f"entry, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}.add_param_group: param_group has no 'params' entry; "
                             "give the tensors as {'params': [...], ...options}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: the parameters of a group were given as a set, whose order changes "
                "from run to run (and with it the state dict's parameter indices); pass a list")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError(f"{name}: give every parameter of a group with its name, as "
                             "(name, tensor) pairs from named_parameters(), or none of them")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} of the "
                                f"group is a {type(p).__name__}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                    f"{tuple(p.shape)}, made by {p.grad_fn.name()}); optimize the leaf it was "
                    "computed from, or a .detach().requires_grad_() copy")
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            param_group.setdefault(key, default)
        if len(set(params)) != len(params):
            warnings.warn(f"{name}: a parameter group contains the same parameter twice, so it "
                          "would be updated twice per step; remove the duplicate",
                          UserWarning, stacklevel=3)
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                raise ValueError(f"{name}: all parameter groups must be given with names or all "
                                 "without; cannot mix (name, tensor) pairs and bare tensors")
        seen = set(chain.from_iterable(g["params"] for g in self.param_groups))
        if not seen.isdisjoint(params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group; "
                             "each parameter may belong to one group only")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (the default), or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure=None):
        """Update the parameters once from their ``.grad``; ``closure`` (optional for most
        optimizers) re-evaluates the model and returns the loss, which ``step`` returns."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _for_each(self, group, update):
        """Run ``update(p)`` for each parameter of ``group`` that has a gradient (in parallel
        when it pays: see ``ember.set_num_threads``)."""
        _for_each_param(group, update)

    def _evaluate(self, closure):
        """The closure's loss, computed with gradients on (``step`` itself records no graph)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- state dict ----
    def state_dict(self):
        """The optimizer's state, with parameters replaced by their index in group order:
        ``{'state': {0: {...}, 1: {...}}, 'param_groups': [{'lr': ..., 'params': [0, 1]}]}``.

        The values are ember tensors, Python numbers, strings, lists and dicts, so that
        ``ember.save`` can write them; the tensors are the optimizer's own (not copies).
        """
        index = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            param_groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()``: options per group and the state per parameter.

        The state tensors are copied, cast to their parameter's device (and dtype, for
        floating-point parameters); scalar entries such as ``step`` keep their own, so that a
        resumed run continues exactly as an uninterrupted one.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            found = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups' entries (from optimizer.state_dict()), got {found}")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter group(s) but this optimizer has {len(groups)}; build the "
                             "optimizer with the same groups as the one that was saved")
        for i, (group, saved) in enumerate(zip(groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} of the state dict has "
                    f"{len(saved['params'])} parameter(s) but this optimizer's group {i} has "
                    f"{len(group['params'])}; the state dict was saved for a different model")
        params = {}
        for group, saved in zip(groups, saved_groups):
            params.update(zip(saved["params"], group["params"]))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            # A JSON file stores the integer keys as strings.
            index = int(key) if isinstance(key, str) and key.isdigit() else key
            if index in params:
                state[params[index]] = self._load_param_state(params[index], index, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def _load_param_state(self, param, index, value):
        """A copy of one parameter's saved state, cast to the parameter and checked."""
        name = type(self).__name__
        out = {}
        for key, v in value.items():
            if key in self._param_shaped_state and isinstance(v, Tensor) and v.shape != param.shape:
                raise ValueError(
                    f"{name}.load_state_dict: state '{key}' of parameter {index} has shape "
                    f"{tuple(v.shape)} but the parameter has shape {tuple(param.shape)}; the state "
                    "dict was saved for a different model (or the parameters are in another order)")
            if key in self._scalar_state and not isinstance(v, Tensor):
                v = _scalar_tensor(float(v))
            out[key] = _cast_copy(param, v, cast=key not in self._scalar_state)
        return out


def _cast_copy(param, value, cast=True):
    """A deep copy of ``value`` whose tensors are on ``param``'s device with its floating dtype
    (unless ``cast`` is False)."""
    if isinstance(value, Tensor):
        array = value._data
        if cast:
            array = to_device_array(array, param.device)
            if param._data.dtype.kind == "f":
                array = array.astype(param._data.dtype, copy=False)
        return Tensor._make(array.copy() if array is value._data else array, False, None, 0)
    if isinstance(value, dict):
        return {k: _cast_copy(param, v, cast) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_copy(param, v, cast) for v in value)
    return value


# ---- helpers for the update rules ----
def _scalar_tensor(value):
    """A 0-d CPU tensor for a scalar state entry such as ``step``: float32, or float64 when that
    is the default dtype (PyTorch's ``_get_scalar_dtype``)."""
    dtype = _dtypes.float64 if get_default_dtype() is _dtypes.float64 else _dtypes.float32
    return _tensor(value, dtype=dtype)


def _zeros_like(p):
    """A state buffer of zeros with ``p``'s shape, dtype and device."""
    return Tensor._make(array_module(p._data).zeros_like(p._data), False, None, 0)


def _full_like(p, value):
    return Tensor._make(array_module(p._data).full_like(p._data, value), False, None, 0)


def _grad(p, name):
    """The raw gradient array of ``p``, checked against the parameter's shape and dtype
    (``name``: the optimizer's, for the error)."""
    grad = p.grad
    if not isinstance(grad, Tensor):
        raise TypeError(f"{name}.step: the .grad of a parameter of shape "
                        f"{tuple(p.shape)} is a {type(grad).__name__}, not a Tensor")
    if grad.shape != p.shape:
        raise RuntimeError(
            f"{name}.step: a parameter of shape {tuple(p.shape)} has a .grad "
            f"of shape {tuple(grad.shape)}; a gradient must have its parameter's shape")
    if grad._data.dtype != p._data.dtype:
        raise TypeError(
            f"{name}.step: a parameter of shape {tuple(p.shape)} and dtype {p.dtype} has a .grad of "
            f"dtype {grad.dtype}; a gradient must have its parameter's dtype: set "
            "p.grad = p.grad.to(p.dtype)")
    return grad._data


def _effective_grad(p, name, maximize, weight_decay=0):
    """The gradient the update rule sees: ``.grad``, negated if ``maximize``, plus
    ``weight_decay * p`` (the L2 penalty's gradient).

    Always an array (never a NumPy scalar, even for a 0-d parameter). It is the ``.grad`` array
    itself when nothing had to change, so the caller must not modify it in place.
    """
    g = _grad(p, name)
    xp = array_module(g)
    if weight_decay != 0:
        out = xp.multiply(p._data, weight_decay, out=xp.empty_like(p._data))
        return xp.subtract(out, g, out=out) if maximize else xp.add(out, g, out=out)
    if maximize:
        return xp.negative(g, out=xp.empty_like(g))
    return g


def _moving_average_(avg, x, beta, tmp):
    """``avg ← β avg + (1 - β) x`` in place (``tmp``: a scratch array of the same shape)."""
    avg *= beta
    avg += array_module(avg).multiply(x, 1 - beta, out=tmp)


def _moving_average_of_squares_(avg, x, beta, tmp):
    """``avg ← β avg + (1 - β) x²`` in place (``tmp``: a scratch array of the same shape)."""
    xp = array_module(avg)
    avg *= beta
    square = xp.multiply(x, x, out=tmp)
    square *= 1 - beta
    avg += square


def _for_each_param(group, update):
    """``update(p)`` for every parameter of ``group`` that has a gradient, on several threads
    when there are many elements (each parameter's update is independent of the others)."""
    params = _params_with_grad(group)
    # threads pay for NumPy's loops (they release the GIL); GPU kernels run asynchronously anyway
    on_cpu = bool(params) and type(params[0]._data) is np.ndarray
    parallel_map(update, params, sum(p._data.size for p in params) if on_cpu else 0)


def _params_with_grad(group):
    return [p for p in group["params"] if p.grad is not None]


def _to_scalar(value):
    """A learning rate (or other option) given as a one-element tensor, as a Python float."""
    return float(value) if isinstance(value, Tensor) else value


def _check(optimizer_name, what, value, ok, expected):
    """Refuse an invalid hyperparameter, naming it, its value and the valid range."""
    if not ok:
        raise ValueError(f"{optimizer_name}: invalid {what}: {value!r}; expected {expected}")


def _check_lr(optimizer_name, lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError(f"{optimizer_name}: a Tensor lr must have one element, got shape "
                         f"{tuple(lr.shape)}")
    _check(optimizer_name, "learning rate lr", lr, lr >= 0, "lr >= 0")


def _updated(p, op):
    """Record that the optimizer changed ``p`` in place (autograd's saved-tensor checks)."""
    bump_version(p, op)
