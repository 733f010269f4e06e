"""``ember.load(path, map_location=None)``: read back what ``ember.save`` wrote, executing nothing.

The file format is described in ``ember/saving/format.py``.
"""

import collections
import json
import os

import numpy as np
from safetensors import SafetensorError, safe_open

from ember.backend import devices as _devices
from ember.saving.format import FORMAT_NAME, FORMAT_VERSION, FileFormatError, crc32, sniff
from ember.saving.safetensors_file import read_tensors
from ember.tensor.tensor import Tensor

__all__ = ["load"]

_EMBER_KEYS = ("format", "format_version", "ember_version", "structure", "structure_crc32")


def load(path, map_location=None):
    """The object saved at ``path`` by ``ember.save``; a plain ``.safetensors`` file (written by
    PyTorch, say) loads as a dict of tensors.

    Nothing in the file is executed: a pickle (``torch.save``'s format) is refused with an error
    that says how to convert it. Every tensor's checksum is verified, so a truncated or corrupt
    file raises ``FileFormatError`` naming the file and the damage, never a wrong tensor. The
    returned tensors own their memory: the file may be replaced or deleted afterwards.

    Args:
        path: the file.
        map_location: ``None`` (each tensor on the device it was saved from), or a device such
            as ``"cpu"`` or ``ember.device("cpu")`` for all tensors.

    >>> import ember, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.safetensors")
    >>> ember.saving.save((ember.tensor([1.0, 2.0]), "note"), path)
    >>> ember.saving.load(path, map_location="cpu")
    (tensor([1., 2.]), 'note')
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"ember.load: path should be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if map_location is not None and not isinstance(map_location, (str, _devices.device)):
        raise TypeError(f"ember.load: map_location should be None, a device string such as 'cpu' or an "
                        f"ember.device, got {type(map_location).__name__}")
    target = None if map_location is None else _devices.device(map_location) \
        if isinstance(map_location, str) else map_location
    sniff(path)
    try:
        with safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
            names = list(f.keys())
            if not any(k in metadata for k in _EMBER_KEYS):
                # A plain safetensors file: no structure and no checksums to verify.
                return {k: _tensor(f.get_tensor(k), False, target or _devices.device("cpu")) for k in names}
            structure = _structure(path, metadata)
            nodes = _array_nodes(structure)
            if sorted(n[_kind(n)] for n in nodes) != sorted(names):
                raise FileFormatError(f"{path} is corrupt: its tensors {sorted(names)} do not match the "
                                      f"saved structure's {sorted(n[_kind(n)] for n in nodes)}")
    except SafetensorError as e:
        raise FileFormatError(f"{path} is truncated or corrupt: safetensors cannot read it ({e})") from e
    read = read_tensors(path, [n[_kind(n)] for n in nodes])
    arrays = [array for array, _ in read]
    _verify(path, nodes, arrays, [crc for _, crc in read])
    # Keyed by name: a tensor saved twice appears twice in the JSON and loads as one shared tensor.
    loaded = {n[_kind(n)]: _restore(n, a, target) for n, a in zip(nodes, arrays)}
    return _decode(structure, loaded, path)


def _structure(path, metadata):
    """The saved structure from the metadata, after the version and checksum checks."""
    missing = [k for k in _EMBER_KEYS if k not in metadata]
    if missing or metadata["format"] != FORMAT_NAME or not metadata["format_version"].isdigit():
        raise FileFormatError(f"{path} is corrupt: its ember metadata is damaged (missing {missing}, "
                              f"format {metadata.get('format')!r}, "
                              f"version {metadata.get('format_version')!r})")
    version = int(metadata["format_version"])
    if version > FORMAT_VERSION:
        raise FileFormatError(f"{path} was written by ember {metadata['ember_version']} in file format "
                              f"version {version}; this ember reads versions up to {FORMAT_VERSION}: "
                              "upgrade ember (pip install -U ember) to load it")
    text = metadata["structure"]
    if str(crc32(np.frombuffer(text.encode("utf-8"), np.uint8))) != metadata["structure_crc32"]:
        raise FileFormatError(f"{path} is corrupt: the checksum of its structure does not match "
                              "(the file was damaged after it was written)")
    return json.loads(text)


def _kind(node):
    return "tensor" if "tensor" in node else "ndarray"


def _array_nodes(structure):
    """The tensor and array nodes of the structure, each once, in a fixed order."""
    found, stack = {}, [structure]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if "tensor" in node or "ndarray" in node:
                found.setdefault(node[_kind(node)], node)
            else:
                stack.extend(reversed(node.get("dict", node.get("tuple", []))))
    return list(found.values())




def _verify(path, nodes, arrays, crcs):
    for node, array in zip(nodes, arrays):
        if array.dtype.name != node["dtype"] or list(array.shape) != node["shape"]:
            raise FileFormatError(f"{path} is corrupt: tensor {node[_kind(node)]!r} is {array.dtype.name} "
                                  f"{list(array.shape)} but was saved as {node['dtype']} {node['shape']}")
    for node, crc in zip(nodes, crcs):
        if crc != node["crc32"]:
            raise FileFormatError(f"{path} is corrupt: the checksum of tensor {node[_kind(node)]!r} does "
                                  "not match (its bytes were damaged after it was written)")


def _tensor(array, requires_grad, device):
    if device.type != "cpu":
        return Tensor(array, device=device, requires_grad=requires_grad)
    return Tensor._make(array, requires_grad, None, 0)


def _restore(node, array, target):
    if "ndarray" in node:
        return array[()] if node["scalar"] else array
    return _tensor(array, node["requires_grad"], target or _devices.device(node["device"]))


def _decode(node, loaded, path):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, loaded, path) for v in node]
    if "dict" in node:
        pairs = ((k, _decode(v, loaded, path)) for k, v in node["dict"])
        return collections.OrderedDict(pairs) if node["ordered"] else dict(pairs)
    if "tuple" in node:
        return tuple(_decode(v, loaded, path) for v in node["tuple"])
    if "float" in node:
        return float(node["float"])
    if "tensor" in node or "ndarray" in node:
        return loaded[node[_kind(node)]]
    raise FileFormatError(f"{path}: unknown node {sorted(node)} in the saved structure; was it written by "
                          "a newer ember? Upgrade ember to load it")
