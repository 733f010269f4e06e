"""Pictures of the computational graph in Graphviz's DOT language, as torchviz's ``make_dot``.

``make_dot(loss, params=dict(model.named_parameters()))`` walks the graph back from ``loss``
through ``grad_fn.next_functions`` and draws one box per op (``MulBackward``), one per leaf
tensor that requires grad (named from ``params``, with its shape), one per output, and, with
``show_saved=True``, one per tensor an op saved for backward. The result holds DOT text; Graphviz's
``dot`` program (not a Python package) turns it into SVG or PNG.
"""

import os
import shutil
import subprocess
from collections import deque
from collections.abc import Mapping

from ember.autograd.function import AccumulateGrad
from ember.backend import from_numpy_dtype
from ember.tensor.tensor import Tensor

__all__ = ["make_dot", "Digraph"]

_FORMATS = ("svg", "png", "pdf")
_NODE_STYLE = 'node [fontname=monospace fontsize=10 height=0.2 shape=box style=filled]'
_OUTPUT, _LEAF, _SAVED = "darkolivegreen1", "lightblue", "orange"


class Digraph:
    """DOT text of a graph, with ``graphviz.Digraph``'s ``source``, ``save`` and ``render``."""

    def __init__(self, source):
        self.source = source

    def __str__(self):
        return self.source

    def save(self, filename="graph.gv"):
        """Write the DOT text to ``filename`` (works without Graphviz); return the path."""
        with open(filename, "w", encoding="utf-8") as f:
            f.write(self.source)
        return filename

    def pipe(self, format="svg"):  # noqa: A002 - graphviz's argument name
        """The picture as bytes, drawn by Graphviz's ``dot``."""
        return _run_dot(["-T" + _check_format(format)], self.source)

    def render(self, filename=None, format="svg", cleanup=False):  # noqa: A002
        """Save the DOT text to ``filename`` and draw it to ``filename + '.' + format``.

        Needs Graphviz's ``dot`` program on PATH; without it, a RuntimeError says how to install
        it. Returns the path of the picture; ``cleanup=True`` deletes the DOT file afterwards.
        """
        _check_format(format)
        filename = self.save(filename or "graph.gv")
        out = f"{filename}.{format}"
        _run_dot(["-T" + format, filename, "-o", out])
        if cleanup:
            os.remove(filename)
        return out

    def _repr_svg_(self):
        """Jupyter shows the picture when Graphviz is installed, the text otherwise."""
        if shutil.which("dot") is None:
            return None
        return self.pipe("svg").decode("utf-8")


def _check_format(format):  # noqa: A002
    if format not in _FORMATS:
        raise ValueError(f"render: unknown format {format!r}; expected one of {list(_FORMATS)}")
    return format


def _run_dot(args, stdin_text=None):
    executable = shutil.which("dot")
    if executable is None:
        raise RuntimeError(
            "Graphviz's `dot` program was not found on PATH, so the graph cannot be drawn. Install "
            "Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
            "or `conda install -c conda-forge graphviz`. Without it, `.source` still gives the DOT "
            "text and `.save('graph.gv')` writes it to a file that any Graphviz viewer can open.")
    done = subprocess.run([executable, *args], input=None if stdin_text is None else stdin_text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz's dot failed with exit status {done.returncode}: "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attr_str(value, max_chars):
    if isinstance(value, Tensor):
        text = f"tensor {_shape_str(value.shape)}"
    elif hasattr(value, "shape") and getattr(value, "ndim", 0):
        text = f"array {_shape_str(value.shape)}"
    else:
        text = str(value)
    return text if len(text) <= max_chars else text[:max_chars - 3] + "..."


def _outputs(var):
    outputs = list(var) if isinstance(var, (tuple, list)) else [var]
    for out in outputs:
        if not isinstance(out, Tensor):
            raise TypeError(f"make_dot: expected a tensor or a tuple of tensors (the result of a forward "
                            f"pass), got {type(out).__name__}")
    return outputs


def _param_names(params):
    if params is None:
        return {}
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    names = {}
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Tensor)):
            got = (f"{type(item[1]).__name__} for {item[0]!r}" if isinstance(item, tuple) and len(item) == 2
                   else f"an item of type {type(item).__name__}")
            raise TypeError("make_dot: params must map names to tensors, e.g. "
                            f"params=dict(model.named_parameters()); got {got}")
        names[id(item[1])] = item[0]
    return names


class _Builder:
    """Collects nodes and edges in the order the walk meets them, so the text is deterministic."""

    def __init__(self, names, show_attrs, show_saved, max_attr_chars):
        self.names, self.show_attrs, self.show_saved = names, show_attrs, show_saved
        self.max_attr_chars = max_attr_chars
        self.ids = {}  # id(Function) or id(array) -> node name
        self.alive = []  # keeps every keyed object alive while ids are in use
        self.lines = []
        self.queue = deque()

    def _node(self, key_obj, label, color=None):
        name = f"n{len(self.ids)}"
        self.ids[id(key_obj)] = name
        self.alive.append(key_obj)
        fill = "" if color is None else f" fillcolor={color}"
        self.lines.append(f"\t{name} [label={_quote(label)}{fill}]")
        return name

    def edge(self, tail, head, extra=""):
        self.lines.append(f"\t{tail} -> {head}{extra}")

    def tensor(self, t, color):
        """The node of tensor ``t`` (or of a saved array), keyed by its array's identity."""
        array = t._data if isinstance(t, Tensor) else t
        if id(array) in self.ids:
            return self.ids[id(array)]
        name = self.names.get(id(t), "")
        if isinstance(t, Tensor) and t.is_leaf and t.requires_grad:
            color = _LEAF
        if color == _SAVED:
            label = f"{name or 'saved'}\n {_shape_str(array.shape)} {from_numpy_dtype(array.dtype).name}"
        else:
            label = f"{name}\n {_shape_str(array.shape)}" if name else _shape_str(array.shape)
        return self._node(array, label, color)

    def function(self, fn):
        if id(fn) in self.ids:
            return self.ids[id(fn)]
        label = fn.name()
        if self.show_attrs:
            attrs = {k: _attr_str(v, self.max_attr_chars) for k, v in vars(fn).items()
                     if not k.startswith("_") and k != "materialize_grads"}
            if attrs:
                width = max(len(k) for k in attrs)
                lines = [f"{k:<{width}}: {v}" for k, v in attrs.items()]
                label += "\n" + "-" * max(len(s) for s in lines) + "\n" + "\n".join(lines)
        self.queue.append(fn)
        return self._node(fn, label)

    def walk(self):
        """Breadth first from the outputs along ``next_functions`` (no recursion: deep graphs)."""
        while self.queue:
            fn = self.queue.popleft()
            head = self.ids[id(fn)]
            for source, _ in fn.next_functions:
                if source is None:
                    continue
                if isinstance(source, AccumulateGrad):
                    tail = self.tensor(source.variable, _LEAF)
                else:
                    tail = self.function(source)
                self.edge(tail, head)
            if self.show_saved and fn._saved:  # None once backward has freed them
                for record in fn._saved:
                    saved = None if record is None else record[0]
                    if hasattr(saved._data if isinstance(saved, Tensor) else saved, "shape"):
                        self.edge(self.tensor(saved, _SAVED), head, " [dir=none]")


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """A picture of the graph that computed ``var``, as DOT text (torchviz's ``make_dot``).

    Args:
        var: a tensor, or a tuple of tensors, produced by a forward pass.
        params: names for leaf tensors, e.g. ``dict(model.named_parameters())`` (matched by
            identity); unnamed leaves show their shape only.
        show_attrs: list each op's non-tensor attributes (dims, shapes) under its name.
        show_saved: draw the tensors each op saved for backward (shape and dtype), joined to
            the op by an undirected edge.
        max_attr_chars: attribute values longer than this are cut with ``...``.

    Returns:
        A ``Digraph``: ``.source`` is the DOT text, ``.save(path)`` writes it, ``.render(path,
        format='svg')`` draws it with Graphviz's ``dot``.

    >>> w = ember.ones(2, requires_grad=True)
    >>> "MulBackward" in make_dot((w * 2).sum(), params={"w": w}).source
    True
    """
    outputs = _outputs(var)
    builder = _Builder(_param_names(params), show_attrs, show_saved, max_attr_chars)
    for out in outputs:
        head = builder.tensor(out, _OUTPUT)
        if out.grad_fn is not None:
            builder.edge(builder.function(out.grad_fn), head)
    builder.walk()
    size = max(12.0, 0.15 * len(builder.lines))
    return Digraph("\n".join(["digraph {", f'\tgraph [size="{size:g},{size:g}"]', "\t" + _NODE_STYLE,
                              *builder.lines, "}"]) + "\n")
