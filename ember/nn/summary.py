"""``ember.summary``: a Keras-style table of a model's layers, output shapes and parameter counts.

The output shapes are found by running the model once on a sample input (zeros of the given
size), with forward hooks on every layer; the model's training modes are restored and the hooks
removed afterwards, even when forward fails.
"""

import itertools
from collections import namedtuple

import numpy as np

from ember.autograd import grad_mode
from ember.backend import dtypes as _dtypes
from ember.backend.devices import as_device
from ember.nn.modules.module import Module
from ember.tensor import factories
from ember.tensor.tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerSummary"]

LayerSummary = namedtuple("LayerSummary", ["name", "type", "depth", "output_shape", "num_params",
                                           "trainable_params"])
LayerSummary.__doc__ = """One row of the table: the layer's dotted ``name`` ('' for the model),
its ``type`` name, its ``depth`` in the hierarchy, ``output_shape`` (a tuple, a list of them for
several outputs, or None if the layer was not called) and its parameters, counting every
parameter inside it (``num_params``), of which ``trainable_params`` require grad."""

_HEADERS = ("Layer (type)", "Output Shape", "Param #", "Trainable")


class ModelSummary:
    """What ``summary`` returns: ``str(s)`` is the table; ``s.rows`` (``LayerSummary``) and the
    counts ``total_params``, ``trainable_params``, ``non_trainable_params`` are there for programs."""

    def __init__(self, model_name, rows, parameters):
        self.model_name = model_name
        self.rows = rows
        trainable = [p for p in parameters if p.requires_grad]
        frozen = [p for p in parameters if not p.requires_grad]
        self.trainable_params = sum(p.numel() for p in trainable)
        self.non_trainable_params = sum(p.numel() for p in frozen)
        self.total_params = self.trainable_params + self.non_trainable_params
        self._bytes = [sum(p.numel() * p.element_size() for p in ps) for ps in (trainable, frozen)]

    def __str__(self):
        table = [_HEADERS] + [(_label(r), _format_shape(r.output_shape), f"{r.num_params:,}",
                               _trainable(r)) for r in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(_HEADERS))]
        lines = ["   ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()
                 for line in table]
        rule = "=" * max(len(line) for line in lines)
        trainable_bytes, frozen_bytes = self._bytes
        return "\n".join([
            f'Model: "{self.model_name}"', rule, lines[0], rule, *lines[1:], rule,
            f"Total params: {self.total_params:,} ({_readable_size(trainable_bytes + frozen_bytes)})",
            f"Trainable params: {self.trainable_params:,} ({_readable_size(trainable_bytes)})",
            f"Non-trainable params: {self.non_trainable_params:,} ({_readable_size(frozen_bytes)})",
            rule])

    def __repr__(self):
        return f"<ModelSummary of {self.model_name}: {self.total_params:,} parameters>"


def _label(row):
    if not row.name:
        return row.type
    return "  " * row.depth + f"{row.name} ({row.type})"


def _trainable(row):
    if row.num_params == 0:
        return "--"
    if row.trainable_params == row.num_params:
        return "Yes"
    return "No" if row.trainable_params == 0 else "Partial"


def _format_shape(shape):
    if shape is None:
        return "--"
    if isinstance(shape, tuple):
        return str(shape)
    if isinstance(shape, list):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_format_shape(s)}" for k, s in shape.items()) + "}"
    return shape


def _readable_size(num_bytes):
    if num_bytes < 1024:
        return f"{num_bytes} B"
    for unit in ("KB", "MB", "GB"):
        num_bytes /= 1024
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:.2f} {unit}"


def _shape_of(output):
    """The shapes in a layer's output: a tuple per tensor, lists/dicts for containers."""
    if isinstance(output, Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)):
        return [_shape_of(o) for o in output]
    if isinstance(output, dict):
        return {k: _shape_of(v) for k, v in output.items()}
    return type(output).__name__


def _is_shape(size):
    return isinstance(size, (tuple, list)) and all(isinstance(s, int) for s in size)


def _sample_inputs(module, input_size, dtypes, input_data, device):
    if (input_size is None) == (input_data is None):
        raise ValueError("summary: pass exactly one of input_size (the shape of a sample input, batch "
                         "dimension first, e.g. input_size=(1, 3, 32, 32); a list of shapes for "
                         "several inputs) and input_data (the input tensors themselves)")
    if device is None:
        first = next(itertools.chain(module.parameters(), module.buffers()), None)
        device = first.device if first is not None else None
    device = as_device(device)
    if input_data is not None:
        data = list(input_data) if isinstance(input_data, (tuple, list)) else [input_data]
        data = [factories.tensor(d) if isinstance(d, np.ndarray) else d for d in data]
        return [d.to(device) if isinstance(d, Tensor) else d for d in data]
    sizes = [input_size] if _is_shape(input_size) else list(input_size)
    for size in sizes:
        if not _is_shape(size) or any(s < 0 for s in size):
            raise ValueError(f"summary: input_size must be a shape (a tuple of non-negative ints, batch "
                             f"dimension first) or a list of shapes, got {input_size!r}")
    if dtypes is None:
        dtypes = [_dtypes.get_default_dtype()] * len(sizes)
    elif not isinstance(dtypes, (tuple, list)):
        dtypes = [dtypes] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: got {len(dtypes)} dtypes for {len(sizes)} inputs; give one dtype "
                         "per input size")
    return [factories.zeros(*size, dtype=dtype, device=device) for size, dtype in zip(sizes, dtypes)]


def summary(module, input_size=None, dtypes=None, input_data=None, depth=3, device=None):
    """Print and return a table of ``module``'s layers: name and type, output shape, parameters.

    Args:
        module: any ``nn.Module``.
        input_size: the shape of a sample input, batch dimension first (``(1, 784)``), or a list
            of shapes for a model with several inputs; zeros of that shape are fed to it.
        dtypes: the dtype of each sample input (one dtype or a list; default float32), e.g.
            ``[ember.int64]`` for a model that starts with an ``Embedding``.
        input_data: the inputs themselves (a tensor, a NumPy array, or a list of them; other
            objects are passed as they are), instead of input_size.
        depth: how many levels of nested layers to show; deeper parameters are counted in their
            shown ancestor.
        device: where to create the sample input (default: the model's device).

    The model runs once in eval mode without recording a graph; each layer's training mode is
    restored afterwards. ``Param #`` counts every parameter inside a layer, so a container's
    count includes its children's; the totals count each shared parameter once.

    >>> model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 2))
    >>> s = summary(model, input_size=(1, 4))  # doctest: +ELLIPSIS
    Model: "Sequential"
    ...
    Total params: 58 (232 B)
    ...
    >>> s.rows[1].output_shape, s.trainable_params
    ((1, 8), 58)
    """
    if not isinstance(module, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(module).__name__}")
    if not isinstance(depth, int) or depth < 0:
        raise ValueError(f"summary: depth must be a non-negative int (0 shows the model only), got "
                         f"{depth!r}")
    inputs = _sample_inputs(module, input_size, dtypes, input_data, device)
    named = list(module.named_modules())
    outputs = {}
    running = []  # the names of the layers whose forward has started and not finished

    def pre_hook(name):
        def hook(m, args):
            running.append(name)
        return hook

    def post_hook(name):
        def hook(m, args, output):
            outputs.setdefault(name, _shape_of(output))
            running.pop()
        return hook

    modes = [(m, m.training) for _, m in named]
    handles = []
    try:
        for name, m in named:
            handles.append(m.register_forward_pre_hook(pre_hook(name)))
            handles.append(m.register_forward_hook(post_hook(name)))
        module.eval()
        with grad_mode.no_grad():
            module(*inputs)
    except Exception as e:
        where = (f" in layer {running[-1]!r} ({type(module.get_submodule(running[-1])).__name__})"
                 if running and running[-1] else "")
        shapes = ", ".join(str(tuple(x.shape)) if isinstance(x, Tensor) else type(x).__name__
                           for x in inputs)
        raise RuntimeError(f"summary: running {type(module).__name__} on sample inputs of shape "
                           f"{shapes} failed{where}: {type(e).__name__}: {e}") from e
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return _report(module, named, outputs, depth)


def _report(module, named, outputs, depth):
    rows = []
    for name, m in named:
        level = name.count(".") + 1 if name else 0
        if level > depth:
            continue
        params = list(m.parameters())
        rows.append(LayerSummary(name, type(m).__name__, level, outputs.get(name),
                                 sum(p.numel() for p in params),
                                 sum(p.numel() for p in params if p.requires_grad)))
    result = ModelSummary(type(module).__name__, rows, list(module.parameters()))
    print(result)
    return result
