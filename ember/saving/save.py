"""``ember.save(obj, path)``: tensors and nested containers into one safe file, atomically.

The file format is described in ``ember/saving/format.py``.
"""

import collections
import json
import math
import os

import numpy as np

from ember.saving.atomic import write_atomically
from ember.saving.format import FORMAT_NAME, FORMAT_VERSION, crc32, crc32_many
from ember.saving.safetensors_file import write_safetensors
from ember.tensor.tensor import Tensor

__all__ = ["save"]

_SUPPORTED = ("tensors, NumPy arrays and scalars, dicts with str or int keys, lists, tuples, int, float, "
              "str, bool and None")


def save(obj, path):
    """Write ``obj`` to ``path`` so that ``ember.load(path)`` gives it back, and nothing but data.

    ``obj`` may nest dicts (str or int keys; key types, order and ``OrderedDict`` are kept),
    lists and tuples of tensors (dtype and ``requires_grad`` kept), NumPy arrays and scalars,
    numbers (inf and nan included), strings, booleans and None. A tensor that appears twice is
    stored once and loads as one shared tensor. The write is atomic: the file is written to a
    temporary file in the same folder, flushed to disk and renamed over ``path``, so a crash or
    a full disk mid-save leaves any previous file intact.

    >>> import ember, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> ember.saving.save({"w": ember.ones(2), "epoch": 3}, path)
    >>> ember.saving.load(path)["epoch"]
    3
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"ember.save: path should be a str or os.PathLike, got {type(path).__name__}")
    encoder = _Encoder()
    structure = encoder.encode(obj, "obj")
    for node, crc in zip(encoder.nodes, crc32_many(list(encoder.arrays.values()))):
        node["crc32"] = crc
    import ember  # late: the package imports saving

    text = json.dumps(structure, allow_nan=False, separators=(",", ":"))
    metadata = {"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION),
                "ember_version": ember.__version__, "structure": text,
                "structure_crc32": str(crc32(np.frombuffer(text.encode("utf-8"), np.uint8)))}
    write_atomically(os.fspath(path), lambda tmp: write_safetensors(tmp, encoder.arrays, metadata))


class _Encoder:
    """Turns an object into JSON-ready structure; collects the arrays it holds under unique keys."""

    def __init__(self):
        self.arrays = {}  # key -> C-contiguous array, in the order they are met
        self.nodes = []   # the structure node of each array, same order (to add the checksums)
        self._seen = {}   # id(tensor or array) -> its node, so a shared tensor is stored once
        self._open = set()  # ids of the containers being encoded, to catch one that holds itself
        self._keep = []   # the objects behind _seen's ids, kept alive so no id is reused

    def encode(self, value, where, key_path=()):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, (Tensor, np.ndarray, np.generic)):
            return self._array(value, where, key_path)
        if isinstance(value, (dict, list, tuple)):
            if id(value) in self._open:
                raise TypeError(f"ember.save: {where} contains itself; a file can hold only finite "
                                "nesting: break the cycle before saving")
            self._open.add(id(value))
            try:
                return self._container(value, where, key_path)
            finally:
                self._open.discard(id(value))
        name = getattr(value, "__qualname__", None)
        raise TypeError(f"ember.save: cannot save {where}, a {type(value).__name__}"
                        + (f" ({name})" if name else "") + f"; ember.save stores {_SUPPORTED}. Save "
                        "state_dict()s rather than modules or optimizers, and convert or drop this value")

    def _container(self, value, where, key_path):
        if isinstance(value, dict):
            pairs = []
            for k, v in value.items():
                if isinstance(k, bool) or not isinstance(k, (str, int)):
                    raise TypeError(f"ember.save: {where} has a key {k!r} of type {type(k).__name__}; "
                                    "dict keys must be str or int: convert the keys before saving")
                pairs.append([k, self.encode(v, f"{where}[{k!r}]", key_path + (k,))])
            return {"dict": pairs, "ordered": isinstance(value, collections.OrderedDict)}
        if type(value) not in (list, tuple):  # a namedtuple or list subclass would load as another type
            raise TypeError(f"ember.save: cannot save {where}, a {type(value).__name__}; ember.save "
                            f"stores {_SUPPORTED}: convert it to a plain list, tuple or dict first")
        items = [self.encode(v, f"{where}[{i}]", key_path + (i,)) for i, v in enumerate(value)]
        return items if isinstance(value, list) else {"tuple": items}

    def _array(self, value, where, key_path):
        if id(value) in self._seen:
            return self._seen[id(value)]
        if isinstance(value, Tensor):
            data = value._data
            if not isinstance(data, np.ndarray):  # a GPU array: its bytes go through host memory
                data = value.detach().cpu()._data
            node = {"tensor": None, "dtype": value.dtype.name, "shape": list(data.shape),
                    "requires_grad": value.requires_grad, "device": str(value.device)}
        else:
            data = np.asarray(value)
            node = {"ndarray": None, "dtype": data.dtype.name, "shape": list(data.shape),
                    "scalar": isinstance(value, np.generic)}
        if data.dtype.kind not in "biuf":
            raise TypeError(f"ember.save: cannot save {where}, an array of dtype {data.dtype}; only "
                            "boolean, integer and floating arrays can be stored")
        key = self._unique_key("/".join(str(k) for k in key_path) or "tensor")
        node["tensor" if "tensor" in node else "ndarray"] = key
        # safetensors reads raw memory from the data pointer: a strided view must be copied first.
        self.arrays[key] = data if data.flags.c_contiguous else data.copy(order="C")
        self.nodes.append(node)
        self._seen[id(value)] = node
        self._keep.append(value)
        return node

    def _unique_key(self, key):
        # "__metadata__" is safetensors' own entry; "a/b" may come both from {"a/b": ...} and
        # from {"a": {"b": ...}}.
        base, n = key, 1
        while key in self.arrays or key == "__metadata__":
            n += 1
            key = f"{base}#{n}"
        return key
