"""``repr`` of a tensor, as PyTorch prints it, and ``set_printoptions``.

The layout follows PyTorch's ``torch/_tensor_str.py``: one formatter for the whole tensor (fixed
point with ``precision`` decimals, integer-valued floats as ``1.``, scientific notation when the
values span more than three orders of magnitude or leave [1e-4, 1e8]), every element
right-aligned to the widest, summarization with ``...`` past ``threshold`` elements, then the
suffixes ``device=``, ``dtype=``, ``requires_grad=``/``grad_fn=``.
"""

import contextlib
import dataclasses
import math

import numpy as np

from ember.backend import array_module, to_device_array
from ember.backend import dtypes as _dtypes

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()
_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``; arguments left None keep their value.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which a tensor is summarized with ``...`` (default 1000).
        edgeitems: items shown at each end of a summarized dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``'default'``, ``'short'`` or ``'full'`` (never summarize); other arguments
            override it.
        sci_mode: True or False forces scientific notation on or off; None (the default, and
            what every call without it restores) chooses from the values.

    >>> ember.set_printoptions(precision=2)
    >>> ember.tensor([1.12345])
    tensor([1.12])
    >>> ember.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; "
                             f"expected one of {sorted(_PROFILES)}")
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTIONS, name, value)
    _OPTIONS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that ``set_printoptions(**options)`` accepts."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """One format for every element: the widest string sets the width all are padded to."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        opts = _OPTIONS
        if not floating:
            self.width = max((len(str(v)) for v in values.ravel().tolist()), default=1)
            return
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        magnitude = np.abs(finite)
        lo, hi = float(magnitude.min()), float(magnitude.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if opts.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = opts.sci_mode
        if self.sci_mode:
            spec, extra = f".{opts.precision}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1  # room for the trailing "."
        else:
            spec, extra = f".{opts.precision}f", 0
        self.width = max(len(format(v, spec)) + extra for v in finite.tolist())

    def __call__(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f".{_OPTIONS.precision}e")
        elif self.int_mode:
            text = format(value, ".0f") + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = format(value, f".{_OPTIONS.precision}f")
        return text.rjust(self.width)


def _summarized(array, summarize):
    """The edge items of ``array`` along every long dimension, and which dimensions were cut."""
    edge = _OPTIONS.edgeitems
    xp = array_module(array)
    cut = []
    for axis, n in enumerate(array.shape):
        if summarize and n > 2 * edge:
            head = (slice(None),) * axis + (slice(0, edge),)
            tail = (slice(None),) * axis + (slice(n - edge, n),)
            array = xp.concatenate([array[head], array[tail]], axis=axis)
            cut.append(True)
        else:
            cut.append(False)
    return array, cut


def _body(values, indent, cut, fmt):
    """Nested brackets for ``values`` (a host array), with ``...`` where dimensions were cut."""
    if values.ndim == 0:
        return fmt(values.item())
    edge = _OPTIONS.edgeitems
    if values.ndim == 1:
        items = [fmt(v) for v in values.tolist()]
        if cut[0]:
            items.insert(edge, " ..." if edge else "...")
        per_line = max(1, (_OPTIONS.linewidth - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_body(row, indent + 1, cut[1:], fmt) for row in values]
    if cut[0]:
        rows.insert(edge, "...")
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(text, suffixes, indent):
    last_line = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t):
    """``tensor([1., 2.], requires_grad=True)``: the text ``repr(t)`` shows, as in PyTorch."""
    prefix = "tensor("
    indent = len(prefix)
    array, dtype = t._data, t.dtype
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype is not _dtypes.get_default_dtype():
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not _OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype not in (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool):
            suffixes.append(f"dtype={dtype}")
        array, cut = _summarized(array, array.size > _OPTIONS.threshold)
        values = to_device_array(array, "cpu")
        if dtype.is_floating_point:
            values = values.astype(np.float64)  # exact for every float type; formats as Python floats
        body = _body(values, indent, cut, _Formatter(values, dtype.is_floating_point))
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
