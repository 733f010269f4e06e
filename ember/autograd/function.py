"""``Function``: one node of the computational graph, and the context (``ctx``) of its op.

An op is a subclass with two static methods that stand side by side:

- ``forward(ctx, *inputs)`` computes the result. Ember's own ops (subclasses of ``Primitive``)
  receive raw arrays, which keeps the forward pass fast; user-defined ``Function`` subclasses
  receive Tensors, as in PyTorch.
- ``backward(ctx, *grad_outputs)`` returns one gradient per input, written with differentiable
  ember ops, so that ``create_graph=True`` gives higher-order gradients for free.

The node *is* the ctx: ``y.grad_fn`` is the object that ``forward`` saved its tensors on.
"""

import itertools
import os
import sys

import numpy as np

from ember.autograd import grad_mode
from ember.backend import array_module
from ember.tensor.tensor import Tensor, new_version_counter

__all__ = ["Function", "Primitive", "AccumulateGrad", "once_differentiable", "set_tracer"]

_new = object.__new__
_mode = grad_mode._state  # per-thread grad mode
_sequence = itertools.count()  # creation order: a node's inputs always come before it
_anomaly = [False]  # set by detect_anomaly
_tracer = None  # set_tracer's callable while a tracer (ember.onnx.export) records the ops
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class Function:
    """Base class of every op; subclass it to write a custom differentiable function.

    Example::

        class Exp(ember.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, gy):
                y, = ctx.saved_tensors
                return gy * y

        y = Exp.apply(x)
    """

    _array_forward = False  # Primitive sets True: forward sees arrays, not Tensors
    _saved = ()
    _to_save = None
    _edges = ()
    _seq = -1
    _n_outputs = 1
    _out_meta = None
    _pre_hooks = None
    _freed_by = None
    _trace = None
    _non_differentiable = None
    materialize_grads = True

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    # ---- the context API used inside forward/backward ----
    def save_for_backward(self, *tensors):
        """Keep these inputs/outputs (arrays in a Primitive, Tensors otherwise) for backward."""
        self._to_save = tensors

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(self._freed_message())
        out = []
        for record in saved:
            if record is None:
                out.append(None)
                continue
            tensor, counter, version, output_nr = record
            if counter is not None and counter[0] != version:
                raise RuntimeError(_modified_message(self, tensor, output_nr, counter, version))
            if output_nr is not None:  # an output: rebuilt on unpack so no reference cycle forms
                tensor = Tensor._make(tensor, True, self, output_nr)
                tensor._version = counter
                tensor._seen = counter[4]
            out.append(tensor)
        return tuple(out)

    @property
    def needs_input_grad(self):
        return tuple(e is not None for e in self._edges)

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable = outputs

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    # ---- graph introspection (used by viz and by users) ----
    def name(self):
        return f"{type(self).__name__}Backward"

    def __repr__(self):
        return f"<{self.name()} object>"

    @property
    def next_functions(self):
        """``((node, output_nr), ...)``, one pair per input as in PyTorch: the node that made the
        input, an ``AccumulateGrad`` for a leaf that requires grad, or ``(None, 0)``."""
        return tuple((None, 0) if e is None else (AccumulateGrad(e[0]), 0) if e[1] is None else e
                     for e in self._edges)

    def register_prehook(self, hook):
        """Call ``hook(grad_outputs)`` before this node's backward; it may return new grads."""
        return _add_hook(self, "__all__", hook)

    def register_hook(self, hook):
        """PyTorch's post-hook ``hook(grad_inputs, grad_outputs)`` is not supported; say so."""
        raise RuntimeError("Function.register_hook is not supported in ember; register a hook on "
                           "the input tensor instead (tensor.register_hook(fn))")

    def _freed_message(self):
        return (
            f"Trying to backward through {self.name()} a second time, but its saved tensors were "
            f"already freed by {self._freed_by}. The usual cause is state carried across "
            f"iterations (a hidden state, a running total) that still holds the old graph: "
            f"recompute it, or cut it from the old graph with .detach(). Pass "
            f"retain_graph=True to the first backward only if you really need to backward twice "
            f"through the same graph.")

    # ---- building the node ----
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when a graph is being recorded, link this node into it."""
        ctx = _new(cls)
        record = False
        raw = []  # (one loop, not comprehensions: this is the hottest code in ember)
        if _mode.grad:
            edges = []
            for a in args:
                if isinstance(a, Tensor):
                    raw.append(a._data)
                    if a._requires_grad:
                        if a._version is not None and a._version[4] != a._seen:
                            raise RuntimeError(_stale_message(cls, a))
                        record = True
                        fn = a.grad_fn
                        edges.append((a, None) if fn is None else (fn, a._output_nr))
                        continue
                else:
                    raw.append(a)
                edges.append(None)
            if record:
                ctx._edges = edges
                if _anomaly[0]:
                    ctx._trace = _user_frame()
        else:
            for a in args:
                raw.append(a._data if isinstance(a, Tensor) else a)
        if cls._array_forward:
            out = cls.forward(ctx, *raw, **kwargs) if kwargs else cls.forward(ctx, *raw)
        else:
            if record:  # a user's Function: remember input shapes to check its gradients
                ctx._input_shapes = [a.shape if isinstance(a, Tensor) else None for a in args]
            with grad_mode.no_grad():
                out = cls.forward(ctx, *args, **kwargs)
        if _tracer is not None:
            _tracer(cls, ctx, args, kwargs, out)
        if not record:
            if type(out) is np.ndarray:
                t = _new(Tensor)  # Tensor._make, inlined: every op ends here
                t._data = out
                t.grad = t.grad_fn = t._version = t._hooks = None
                t._requires_grad = False
                t._output_nr = t._seen = 0
                return t
            if type(out) is tuple:
                return tuple(_wrap_plain(o) for o in out)
            return _wrap_plain(out)
        ctx._seq = next(_sequence)
        if type(out) is np.ndarray and out.dtype.kind == "f" and ctx._non_differentiable is None:
            outputs = _new(Tensor)  # the common case, without the checks (Tensor._make, inlined)
            outputs._data = out
            outputs.grad = outputs._version = outputs._hooks = None
            outputs._requires_grad = True
            outputs.grad_fn = ctx
            outputs._output_nr = outputs._seen = 0
        elif type(out) is tuple:
            ctx._n_outputs = len(out)
            arrays = [o._data if isinstance(o, Tensor) else o for o in out]
            ctx._out_meta = [(a.shape, a.dtype, array_module(a)) for a in arrays]
            outputs = tuple(_wrap_output(ctx, o, i) for i, o in enumerate(out))
        else:
            outputs = _wrap_output(ctx, out, 0)
        if ctx._to_save is not None:
            _resolve_saved(ctx, args, out, outputs)
        return outputs


class AccumulateGrad:
    """The graph node of a leaf tensor: backward adds the incoming gradient into ``variable.grad``
    (PyTorch's name; ember's engine does this directly, the node exists for introspection)."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return "<AccumulateGrad object>"


def set_tracer(tracer):
    """Call ``tracer(cls, ctx, args, kwargs, out)`` after every op's forward (``out``: its raw
    result) until ``set_tracer(None)``; return the tracer set before. ``ember.onnx.export``
    records a model's ops this way; when none is set, the cost is one ``is None`` test per op."""
    global _tracer
    previous, _tracer = _tracer, tracer
    return previous


class Primitive(Function):
    """Base of ember's own ops: ``forward`` receives and returns raw arrays."""

    _array_forward = True


def once_differentiable(backward):
    """Mark a custom ``backward`` as not differentiable itself (it runs under ``no_grad``)."""
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            return backward(ctx, *grads)
    return wrapper


def _edge(a):
    if not isinstance(a, Tensor) or not a._requires_grad:
        return None
    if a.grad_fn is None:
        return (a, None)  # a leaf: its gradient accumulates into .grad
    return (a.grad_fn, a._output_nr)


def _wrap_plain(o):
    if isinstance(o, Tensor):
        return o
    if isinstance(o, np.generic):  # NumPy returns scalars from 0-d arithmetic
        o = np.asarray(o)
    return Tensor._make(o, False, None, 0)


def _wrap_output(ctx, o, nr):
    if isinstance(o, Tensor):  # user Function: adopt the tensor it returned
        array = o._data
    else:
        array = o if not isinstance(o, np.generic) else np.asarray(o)
    nondiff = ctx._non_differentiable
    if array.dtype.kind not in "fc" or (nondiff is not None and any(o is n for n in nondiff)):
        return Tensor._make(array, False, None, 0)
    return Tensor._make(array, True, ctx, nr)


def _resolve_saved(ctx, args, out, outputs):
    """Turn what forward saved (arrays or tensors) into records that survive without cycles."""
    outs = out if type(out) is tuple else (out,)
    wrapped = outputs if type(outputs) is tuple else (outputs,)
    records = []
    for s in ctx._to_save:
        if s is None:
            records.append(None)
            continue
        record = None
        for a in args:
            if isinstance(a, Tensor) and (a is s or a._data is s):
                record = _record(a, None)
                break
        if record is None:
            for i, o in enumerate(outs):
                if o is s:
                    record = _record(wrapped[i], i)
                    break
        if record is None:  # an intermediate array (kept as a constant) or a Python number
            t = s if isinstance(s, Tensor) or not hasattr(s, "shape") else Tensor._make(s, False, None, 0)
            record = (t, None, 0, None)
        records.append(record)
    ctx._saved = records
    ctx._to_save = None


def _record(t, output_nr):
    counter = t._version
    if counter is None:
        counter = t._version = new_version_counter()
    if output_nr is not None:
        return (t._data, counter, counter[0], output_nr)
    return (t, counter, counter[0], None)


def _modified_message(ctx, tensor, output_nr, counter, version):
    what = f"output {output_nr} of {ctx.name()}" if output_nr is not None else (
        f"a tensor of shape {tuple(tensor.shape)} that {ctx.name()} saved")
    by = counter[1] or "an in-place operation"
    msg = (f"one of the variables needed for gradient computation has been modified by an in-place "
           f"operation: {what} is at version {counter[0]}; expected version {version}. It was "
           f"modified by {by} after {type(ctx).__name__} used it.")
    if ctx._trace:
        msg += f"\n  {type(ctx).__name__} ran at: {ctx._trace}"
    if counter[2]:
        msg += f"\n  {by} ran at: {counter[2]}"
    if not ctx._trace and not counter[2]:
        msg += " Run under ember.autograd.detect_anomaly() to see the lines of both."
    return msg + ("\n  Fix: use the out-of-place form (e.g. x = x + 1 instead of x += 1), or .clone() "
                  "before modifying.")


def _stale_message(cls, t):
    return (f"{cls.__name__}: an input of shape {tuple(t.shape)} shares memory with a tensor that "
            f"was modified in place by {t._version[1]} after this one was computed (a view and its "
            "base); ember does not rebase views, so its gradient would be wrong. Compute it again "
            "after the in-place change, or use the out-of-place form of the change.")


def _add_hook(node, key, hook):
    if node._pre_hooks is None:
        node._pre_hooks = {}
    node._pre_hooks.setdefault(key, []).append(hook)
    return _HookHandle(node._pre_hooks[key], hook)


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _user_frame():
    """``file:line (function)`` of the innermost caller outside ember itself."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return None
