"""``nn.Module``: the base class of every layer and model.

A Module owns parameters, buffers and submodules, registered by attribute assignment into
ordered dicts (as in PyTorch's ``module.py``), and knows nothing of training loops.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from ember.autograd import grad_mode
from ember.autograd.function import Function
from ember.backend import dtypes as _dtypes
from ember.backend.devices import as_device, device_of, to_device_array
from ember.nn.parameter import Buffer, Parameter
from ember.ops.creation import zeros_like_tensor
from ember.tensor.tensor import Tensor

__all__ = ["Module"]

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _RemovableHandle:
    """Returned by ``register_*_hook``: ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class for all neural-network modules; subclass it and define ``forward``.

    Example::

        class MLP(ember.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = ember.nn.Linear(784, 128)
                self.fc2 = ember.nn.Linear(128, 10)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; "
                            "Module.__init__ takes none (call super().__init__())")
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"Module [{type(self).__name__}] is missing the required "
                                  "\"forward\" method: define forward(self, ...) in your subclass")

    # ---- registration ----
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call: call "
                                 "super().__init__() first in your __init__")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._remove_from(name, self.__dict__, buffers, modules)
            self.register_parameter(name, value)
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as parameter {name!r} of "
                                f"{type(self).__name__}: wrap it with nn.Parameter(...) or assign None")
            params[name] = None
        elif isinstance(value, Module):
            self._remove_from(name, self.__dict__, params, buffers)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module {name!r} "
                                f"of {type(self).__name__}: expected a Module or None")
            modules[name] = None
        elif isinstance(value, Buffer):
            self._remove_from(name, self.__dict__, params, modules)
            self.register_buffer(name, value, persistent=value.persistent)
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__}: expected a Tensor or None")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts):
        for d in dicts:
            if name in d:
                del d[name]

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")
        if hasattr(type(self), name) or (name in self.__dict__ and not isinstance(
                self.__dict__[name], (Tensor, Module))):
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign a {type(param).__name__} as parameter {name!r}: wrap it "
                            "with nn.Parameter(...)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"cannot assign non-leaf tensor {name!r} as a parameter: parameters "
                             "must be leaves; compute it in forward() instead, or use .detach()")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a tensor that is state but not a parameter (e.g. BatchNorm's running_mean).

        Persistent buffers are part of ``state_dict``; non-persistent ones are not.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name(name, "buffer")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign a {type(tensor).__name__} as buffer {name!r}: "
                            "expected a Tensor or None")
        if isinstance(tensor, Buffer):
            tensor = Tensor._make(tensor._data, False, None, 0)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` (or None) as a child under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (e.g. ``"features.0"``)."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]

    # ---- iteration ----
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(name, module)`` for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items()
                        if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get, prefix, recurse, remove_duplicate):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get(module):
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(name, parameter)`` pairs, named by their path (``features.0.weight``)."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                       remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                       remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes ----
    def train(self, mode=True):
        """Set training mode (dropout active, batch-norm statistics updated) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None by default, as in PyTorch)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:  # in place, as PyTorch: the same tensor, and NaN/Inf cleared too
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    p.grad.requires_grad_(False)
                    p.grad._data.fill(0)

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first) and on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- device and dtype ----
    def _apply(self, fn):
        """Replace every parameter's, gradient's and buffer's array by ``fn(array)`` in place.

        Parameters stay the same objects, so optimizers built before ``.to()`` keep working.
        """
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                p._data = fn(p._data)
                if p.grad is not None:
                    p.grad._data = fn(p.grad._data)
            for b in m._buffers.values():
                if b is not None:
                    b._data = fn(b._data)
        return self

    @staticmethod
    def _to_arguments(*args, **kwargs):
        """``(device, dtype)`` from the arguments of ``to`` (None for what they leave alone)."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, _dtypes.dtype):
                dtype = a
            elif a is not None:
                device = a
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
            if not dtype.is_floating_point:
                raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
        return (None if device is None else as_device(device)), dtype

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)`` (floating parameters only), ``to(device, dtype)``, ``to(tensor)``."""
        device, dtype = self._to_arguments(*args, **kwargs)

        def convert(array):
            if device is not None and device_of(array) != device:
                array = to_device_array(array, device)
            if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype.numpy:
                array = array.astype(dtype.numpy)
            return array
        return self._apply(convert)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int)
                                                      else device))

    def float(self):
        return self.to(_dtypes.float32)

    def double(self):
        return self.to(_dtypes.float64)

    def half(self):
        return self.to(_dtypes.float16)

    # ---- state ----
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by name, in registration order (PyTorch's keys)."""
        if destination is None:
            destination = OrderedDict()
        for name, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            pre = f"{name}." if name else ""
            for n, p in module._parameters.items():
                if p is not None:
                    destination[pre + n] = p if keep_vars else p.detach()
            for n, b in module._buffers.items():
                if b is not None and n not in module._non_persistent_buffers:
                    destination[pre + n] = b if keep_vars else b.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False, strip_prefix=None):
        """Copy parameters and buffers from ``state_dict`` into this module.

        Values may be ember tensors or NumPy arrays (e.g. read from a PyTorch ``.safetensors``
        file). ``strip_prefix`` removes a wrapper prefix such as ``"module."`` or ``"_orig_mod."``
        from every key first. Returns ``(missing_keys, unexpected_keys)``; with ``strict=True``
        any of those, and in every case any shape mismatch, raise one error listing all of them.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"expected a dict-like state_dict, got {type(state_dict).__name__}")
        if strip_prefix:
            prefixes = [strip_prefix] if isinstance(strip_prefix, str) else list(strip_prefix)
            renamed = OrderedDict()
            for k, v in state_dict.items():
                for pre in prefixes:
                    if k.startswith(pre):
                        k = k[len(pre):]
                        break
                renamed[k] = v
            state_dict = renamed
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = _as_array(value)
            if array is None:
                problems.append(f"  {key}: expected a tensor or array, got {type(value).__name__}")
            elif tuple(array.shape) != tuple(target.shape):
                problems.append(f"  {key}: the checkpoint has shape {tuple(array.shape)}, this model "
                                f"has {tuple(target.shape)}")
        if strict and (missing or unexpected):
            if missing:
                problems.insert(0, "  missing keys: " + ", ".join(missing))
            if unexpected:
                problems.insert(0, "  unexpected keys: " + ", ".join(unexpected))
        if problems:
            hint = ""
            if unexpected and all(k.startswith("module.") for k in unexpected):
                hint = "\n  The keys start with 'module.': pass strip_prefix='module.'."
            elif unexpected and all(k.startswith("_orig_mod.") for k in unexpected):
                hint = "\n  The keys start with '_orig_mod.': pass strip_prefix='_orig_mod.'."
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n"
                               + "\n".join(problems) + hint)
        with grad_mode.no_grad():
            for key, target in own.items():
                if key not in state_dict:
                    continue
                array = _as_array(state_dict[key])
                array = to_device_array(np.asarray(array) if not hasattr(array, "device") else array,
                                        device_of(target._data))
                if assign:
                    target._data = array.astype(target._data.dtype, copy=True)
                else:
                    target._data[...] = array.astype(target._data.dtype, copy=False)
                    from ember.ops.inplace import bump_version

                    bump_version(target, "load_state_dict")
        return _IncompatibleKeys(missing, unexpected)

    # ---- hooks ----
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` (or ``(module, args, kwargs)``) before forward; may return new args."""
        handle = _RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output)`` after forward; may return a new output."""
        handle = _RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = (hook, with_kwargs)
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` when the gradients of the module's inputs
        are computed; it may return new ``grad_input``."""
        handle = _RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def __call__(self, *args, **kwargs):
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks and grad_mode.is_grad_enabled():
            return self._call_with_backward_hooks(args, kwargs)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _call_with_backward_hooks(self, args, kwargs):
        # as PyTorch, grad_input has one entry per Tensor argument and grad_output one per Tensor
        # output; only the ones that require grad are wrapped
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        positions = [i for i in tensors if args[i].requires_grad]
        state = {"grad_output": None, "inputs": [args[i] for i in tensors],
                 "input_slots": [tensors.index(i) for i in positions]}
        args = list(args)
        if positions:
            wrapped = _BackwardHookInput.apply(self, state, *[args[i] for i in positions])
            wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
            for i, t in zip(positions, wrapped):
                args[i] = t
        args = tuple(args)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        outs = output if isinstance(output, tuple) else (output,)
        tensor_outs = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
        diff = [i for i in tensor_outs if outs[i].requires_grad]
        state["n_outputs"] = len(tensor_outs)
        state["output_slots"] = [tensor_outs.index(i) for i in diff]
        if diff:
            wrapped = _BackwardHookOutput.apply(state, *[outs[i] for i in diff])
            wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
            outs = list(outs)
            for i, t in zip(diff, wrapped):
                outs[i] = t
            output = tuple(outs) if isinstance(output, tuple) else outs[0]
        if not positions and diff:
            state["call_on_output"] = self  # no input needs grad: call hooks with grad_input None
        return output

    # ---- printing ----
    def extra_repr(self):
        """Extra information shown in the module's repr, e.g. ``in_features=784, ...``."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        if not lines:
            return f"{self._get_name()}()"
        if len(lines) == 1 and not self._modules:
            return f"{self._get_name()}({lines[0]})"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"


def _as_array(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return value.detach().cpu().numpy()
    if hasattr(value, "__cuda_array_interface__"):
        return value
    return None


class _BackwardHookOutput(Function):
    """Identity on the module's outputs; its backward records ``grad_output``."""

    @staticmethod
    def forward(ctx, state, *outputs):
        ctx.state = state
        ctx.set_materialize_grads(False)
        return tuple(o.detach() for o in outputs) if len(outputs) > 1 else outputs[0].detach()

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        full = [None] * state["n_outputs"]
        for slot, g in zip(state["output_slots"], grads):
            full[slot] = g
        state["grad_output"] = tuple(full)
        module = state.get("call_on_output")
        if module is not None:
            for hook in list(module._backward_hooks.values()):
                hook(module, (None,) * len(state["inputs"]), state["grad_output"])
        return (None,) + grads


class _BackwardHookInput(Function):
    """Identity on the module's inputs; its backward calls the module's full backward hooks."""

    @staticmethod
    def forward(ctx, module, state, *inputs):
        ctx.module, ctx.state = module, state
        ctx.set_materialize_grads(False)
        return tuple(i.detach() for i in inputs) if len(inputs) > 1 else inputs[0].detach()

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        # as PyTorch: zeros for the tensor arguments that need no gradient
        full = [zeros_like_tensor(t) for t in state["inputs"]]
        for slot, g in zip(state["input_slots"], grads):
            full[slot] = g
        for hook in list(ctx.module._backward_hooks.values()):
            result = hook(ctx.module, tuple(full), state["grad_output"])
            if result is not None:
                full = list(result) if isinstance(result, (tuple, list)) else [result]
        return (None, None) + tuple(full[slot] for slot in state["input_slots"])
