"""``inspect_file(path)``: what a saved file holds, as text (``ember inspect FILE`` prints it).

Only the header is read and parsed as JSON: no tensor is loaded and nothing is executed, so it is
safe and fast on any file, including one from an untrusted source.
"""

import json
import math
import os
import zipfile

from ember.saving.format import FORMAT_NAME, FileFormatError, crc32, read_header, read_header_from, sniff
from ember.saving.safetensors_file import DTYPE_CODES

__all__ = ["inspect_file"]

# safetensors' dtype codes -> NumPy names (BF16: PyTorch writes it; NumPy has no such dtype)
_DTYPES = {**{code: name for name, code in DTYPE_CODES.items()}, "BF16": "bfloat16"}
_ITEMSIZE = {"float64": 8, "int64": 8, "float32": 4, "int32": 4, "float16": 2, "bfloat16": 2, "int16": 2,
             "int8": 1, "uint8": 1, "bool": 1, "uint16": 2, "uint32": 4, "uint64": 8}


def inspect_file(path):
    """A readable description of ``path``: format and versions, the structure with every tensor's
    name, dtype, shape and size, and the totals. Works on plain ``.safetensors`` files and on whole
    models written by ``model.save`` (their architecture and compile settings too).

    >>> import ember, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> ember.saving.save({"fc.weight": ember.zeros(2, 3)}, path)
    >>> print(ember.saving.inspect_file(path).splitlines()[-1])
    total: 1 tensor, 6 values, 24 B
    """
    path = os.fspath(path)
    if zipfile.is_zipfile(path):
        return _inspect_model_file(path)
    return "\n".join(_describe_header(read_header(path), path))


def _describe_header(header, path):
    """The lines that describe a safetensors header (ember's structure, or plain tensors)."""
    metadata = header.pop("__metadata__", None) or {}
    lines = []
    if metadata.get("format") == FORMAT_NAME and "structure" in metadata:
        lines.append(f"{path}: ember file, format version {metadata.get('format_version', '?')}, written by "
                     f"ember {metadata.get('ember_version', '?')}")
        text = metadata["structure"]
        if str(crc32(memoryview(text.encode("utf-8")))) != metadata.get("structure_crc32"):
            lines.append("WARNING: the structure's checksum does not match: the file is damaged")
        try:
            structure = json.loads(text)
        except json.JSONDecodeError as e:
            raise FileFormatError(f"{path} is corrupt: its saved structure is not valid JSON ({e})") from e
        totals = {}
        _describe(structure, "", lines, totals)
    else:
        lines.append(f"{path}: plain safetensors file (not written by ember.save), {len(header)} tensors")
        for key, value in metadata.items():
            lines.append(f"  metadata {key!r}: {_short(value)}")
        totals = {}
        entries = sorted(header.items(), key=lambda kv: kv[1].get("data_offsets", [0])[0])
        for name, entry in entries:
            dtype = _DTYPES.get(entry.get("dtype"), str(entry.get("dtype")))
            lines.append(f"  {name}: {_tensor_text(dtype, entry.get('shape', []), totals)}")
    n, values, size = totals.get("tensors", 0), totals.get("values", 0), totals.get("bytes", 0)
    lines.append(f"total: {n} tensor{'s' if n != 1 else ''}, {values:,} values, {_bytes(size)}")
    return lines


def _inspect_model_file(path):
    """A whole-model file (``model.save``): a zip of ``model.json`` and ``weights.safetensors``."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if not {"model.json", "weights.safetensors"} <= names:
            sniff(path)  # says what the zip is instead (e.g. a PyTorch checkpoint)
        try:
            model = json.loads(zf.read("model.json"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FileFormatError(f"{path} is corrupt: its model.json is not valid JSON ({e})") from e
        with zf.open("weights.safetensors") as f:
            weights = read_header_from(f, f"{path}:weights.safetensors")
    lines = [f"{path}: ember model file, format version {model.get('version', '?')}, written by "
             f"ember {model.get('ember_version', '?')}",
             f"model: {model.get('class_name')} {model.get('config', {}).get('name', '')!r}"]
    shape = model.get("input_shape") or model.get("build_input_shape")
    if shape:
        lines.append(f"input shape: {shape}")
    layers = model.get("config", {}).get("layers")
    if isinstance(layers, list):
        lines.append(f"layers ({len(layers)}):")
        for spec in layers:
            config = spec.get("config", {})
            details = ", ".join(f"{k}={config[k]!r}" for k in _LAYER_KEYS if config.get(k) is not None)
            lines.append(f"  {config.get('name', spec.get('name', '?'))} ({spec.get('class_name')})"
                         + (f": {details}" if details else ""))
    settings = model.get("compile")
    if settings:
        lines.append(f"compiled: optimizer {settings['optimizer']['class_name']}, loss "
                     f"{_short(repr(settings.get('loss')))}, metrics {settings.get('metrics')}")
    lines.append("weights and optimizer state:")
    lines += ["  " + line for line in _describe_header(weights, f"{path}:weights.safetensors")[1:]]
    return "\n".join(lines)


# the arguments that tell one layer from another at a glance, shown in a model file's layer list
_LAYER_KEYS = ("units", "filters", "kernel_size", "strides", "pool_size", "rate", "activation",
               "input_dim", "output_dim", "num_heads", "shape")


def _describe(node, label, lines, totals, depth=0):
    """Append the line(s) for one node of the structure (see format.py for the node kinds)."""
    pad = "  " * depth
    if isinstance(node, dict) and "dict" in node:
        kind = "OrderedDict" if node.get("ordered") else "dict"
        lines.append(f"{pad}{label}{kind} ({len(node['dict'])} entries)")
        for k, v in node["dict"]:
            _describe(v, f"{k!r}: ", lines, totals, depth + 1)
    elif isinstance(node, (list, dict)) and _is_flat(node):
        lines.append(f"{pad}{label}{_short(repr(_scalar(node)))}")
    elif isinstance(node, list) or (isinstance(node, dict) and "tuple" in node):
        items, kind = (node, "list") if isinstance(node, list) else (node["tuple"], "tuple")
        lines.append(f"{pad}{label}{kind} ({len(items)} items)")
        for i, v in enumerate(items):
            _describe(v, f"[{i}]: ", lines, totals, depth + 1)
    elif isinstance(node, dict) and ("tensor" in node or "ndarray" in node):
        what = "tensor" if "tensor" in node else "NumPy scalar" if node.get("scalar") else "NumPy array"
        flags = " requires_grad" if node.get("requires_grad") else ""
        device = f" on {node['device']}" if node.get("device", "cpu") != "cpu" else ""
        key = node.get("tensor", node.get("ndarray"))
        if key in totals.setdefault("keys", set()):  # saved once, met again: count it once
            lines.append(f"{pad}{label}{what} {key!r} again (the same object as above, stored once)")
            return
        totals["keys"].add(key)
        text = _tensor_text(node["dtype"], node["shape"], totals)
        lines.append(f"{pad}{label}{what} {text}{flags}{device}")
    else:
        lines.append(f"{pad}{label}{_scalar(node)!r}")


def _is_flat(node):
    """A list or tuple of plain values only (an RNG state, a list of learning rates): one line."""
    items = node if isinstance(node, list) else node.get("tuple")
    return items is not None and all(not isinstance(v, (list, dict)) or "float" in v for v in items)


def _scalar(node):
    if isinstance(node, list):
        return [_scalar(v) for v in node]
    if isinstance(node, dict) and "tuple" in node:
        return tuple(_scalar(v) for v in node["tuple"])
    if isinstance(node, dict) and "float" in node:
        return float(node["float"])
    return node


def _tensor_text(dtype, shape, totals):
    values = math.prod(shape)
    size = values * _ITEMSIZE.get(dtype, 0)
    totals["tensors"] = totals.get("tensors", 0) + 1
    totals["values"] = totals.get("values", 0) + values
    totals["bytes"] = totals.get("bytes", 0) + size
    return f"{dtype} {list(shape)} ({values:,} values, {_bytes(size)})"


def _bytes(n):
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


def _short(text, width=80):
    return text if len(text) <= width else text[:width - 3] + "..."
