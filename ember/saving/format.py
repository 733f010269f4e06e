"""The ember file format: one safetensors file whose header carries the structure as JSON.

A file written by ``ember.save`` is a plain ``.safetensors`` file (any safetensors reader opens
it; a saved state dict reads back as ``{"fc.weight": array, ...}``)::

    8 bytes    little-endian length N of the header
    N bytes    JSON header: {tensor key: {dtype, shape, data_offsets}, "__metadata__": {...}}
    rest       the tensors' bytes, one after another

``__metadata__`` (strings only, a safetensors rule) holds:

- ``format``: ``"ember"``; ``format_version``: ``"1"`` (a newer version is refused, not misread);
  ``ember_version``: the ember that wrote the file;
- ``structure``: the saved object as JSON (below) and ``structure_crc32``: its CRC-32.

The structure is plain JSON for lists, strings, finite numbers, booleans and None; every JSON
object in it is a tagged node, so a user's dict can never be mistaken for one:

- ``{"dict": [[key, value], ...], "ordered": bool}``: keys are JSON strings or integers, so their
  type and order survive; ``ordered`` restores an ``OrderedDict`` (what ``state_dict()`` returns);
- ``{"tuple": [...]}``; ``{"float": "inf" | "-inf" | "nan"}`` (JSON has no such numbers);
- ``{"tensor": key, "dtype", "shape", "requires_grad", "device", "crc32"}`` and
  ``{"ndarray": key, "dtype", "shape", "scalar", "crc32"}`` (``scalar``: a NumPy scalar such
  as ``np.float32(1.5)``): ``key`` names the bytes in the safetensors part.

Why CRC-32 per tensor: safetensors has no checksum, and CRC-32 detects every single-bit error
and every burst of up to 32 flipped bits (a property of its polynomial, not a probability), at
about 2 GB/s. Together with the structure's CRC, which also pins each tensor's dtype and shape,
any single flipped bit in a file is detected on load or changes nothing that is loaded.
"""

import json
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "FileFormatError", "crc32", "crc32_many", "read_header",
           "sniff"]

FORMAT_NAME = "ember"
FORMAT_VERSION = 1

# A header bigger than this is corruption, not a real file (safetensors' own limit is 100 MB).
_MAX_HEADER = 100_000_000


class FileFormatError(ValueError):
    """A file that ember will not load: corrupt, truncated, a pickle, or from a newer format."""


def crc32(array):
    """CRC-32 of an array's bytes in C order (``zlib.crc32``, which releases the GIL)."""
    return zlib.crc32(np.ascontiguousarray(array).reshape(-1).view(np.uint8))


def crc32_many(arrays):
    """CRC-32 of each array, computed on several threads (large files are hashed at disk speed)."""
    if len(arrays) < 2:
        return [crc32(a) for a in arrays]
    with ThreadPoolExecutor() as pool:
        return list(pool.map(crc32, arrays))


def sniff(path):
    """What the file at ``path`` is: ``"safetensors"`` or a ``FileFormatError`` saying what it is
    instead (a pickle, a PyTorch checkpoint, a NumPy file) and how to convert it.

    Reads a few bytes only; nothing in the file is executed.
    """
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(0, 2)
        size = f.tell()
        if size > 1:
            f.seek(size - 1)
        last = f.read(1)
    convert = ("ember loads only safe files (it never unpickles: a pickle can run any code). If you "
               "trust it, convert it once: load it with torch.load (or pickle) and save its tensors "
               "with ember.save or safetensors.torch.save_file(model.state_dict(), 'model.safetensors')")
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            names = zipfile.ZipFile(path).namelist()
        except zipfile.BadZipFile as e:
            raise FileFormatError(f"{path}: a damaged zip archive ({e}); it is not an ember file") from e
        if any(n.endswith("data.pkl") for n in names):
            raise FileFormatError(f"{path} is a PyTorch checkpoint (torch.save: a zip holding a pickle). "
                                  + convert)
        raise FileFormatError(f"{path} is a zip archive, not a file written by ember.save (whole models "
                              "saved with model.save load with ember.models.load_model)")
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise FileFormatError(f"{path} is a Python pickle (protocol {head[1]}), e.g. written by torch.save "
                              "or pickle.dump. " + convert)
    if head.startswith(b"\x93NUMPY"):
        raise FileFormatError(f"{path} is a NumPy .npy file: read it with numpy.load(path, "
                              "allow_pickle=False) and pass the array to ember.tensor")
    if len(head) < 8:
        raise FileFormatError(f"{path} is truncated or not an ember file: it has {size} bytes, fewer "
                              "than the 8-byte header length of a safetensors file")
    (n,) = struct.unpack("<Q", head)
    if n > _MAX_HEADER or n + 8 > size:
        if n > _MAX_HEADER and last == b".":  # text where a length should be, pickle's STOP at the end
            raise FileFormatError(f"{path} looks like a Python pickle (it ends with pickle's STOP "
                                  "opcode). " + convert)
        raise FileFormatError(f"{path} is truncated or corrupt: its header claims {n} bytes but the "
                              f"file has {size} bytes in all")
    return "safetensors"


def read_header(path):
    """The parsed JSON header of a safetensors file (tensor entries and ``__metadata__``), read
    without loading any tensor; ``FileFormatError`` if it is not one."""
    sniff(path)
    with open(path, "rb") as f:
        return read_header_from(f, path)


def read_header_from(f, path):
    """The parsed JSON header of the safetensors bytes that the binary file ``f`` starts with."""
    (n,) = struct.unpack("<Q", f.read(8))
    if n > _MAX_HEADER:
        raise FileFormatError(f"{path} is corrupt: its header claims {n} bytes")
    raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FileFormatError(f"{path} is corrupt: its safetensors header is not valid JSON ({e})") from e
    if not isinstance(header, dict):
        raise FileFormatError(f"{path} is corrupt: its safetensors header is not a JSON object")
    return header
