"""Raw safetensors I/O for ``ember.save``/``ember.load``: the tensors' bytes go straight between
the arrays and the file, on threads, with no intermediate copy.

The layout is safetensors' own (any safetensors reader opens these files): an 8-byte
little-endian header length, the JSON header (padded with spaces to a multiple of 8 bytes), then
each tensor's bytes, contiguous, largest item size first so that every tensor stays aligned.
"""

import json
import math
import os
import struct
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ember.saving.format import FileFormatError, crc32

__all__ = ["write_safetensors", "read_tensors", "DTYPE_CODES"]

# NumPy dtype name -> safetensors dtype code
DTYPE_CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
               "int16": "I16", "int8": "I8", "uint64": "U64", "uint32": "U32", "uint16": "U16",
               "uint8": "U8", "bool": "BOOL"}
_ARRAY_DTYPES = {code: np.dtype(name) for name, code in DTYPE_CODES.items()}
_CHUNK = 32 << 20  # bytes written between two requests to start writing them to disk


def write_safetensors(path, arrays, metadata):
    """Write ``arrays`` (``{key: C-contiguous array}``) and ``metadata`` (``{str: str}``) to the
    new file ``path``. The bytes are handed to the disk as they are written (``sync_file_range``
    where Linux has it), so the caller's final fsync finds little left to flush."""
    order = sorted(arrays, key=lambda k: -arrays[k].dtype.itemsize)  # stable: keeps key order
    header, offset = {"__metadata__": metadata}, 0
    for key in order:
        a = arrays[key]
        header[key] = {"dtype": DTYPE_CODES[a.dtype.name], "shape": list(a.shape),
                       "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        written = started = 8 + len(text)
        for key in order:
            a = arrays[key]
            if a.dtype.byteorder == ">":  # safetensors is little-endian
                a = a.astype(a.dtype.newbyteorder("<"))
            view = memoryview(a.reshape(-1)).cast("B") if a.size else memoryview(b"")
            for i in range(0, view.nbytes, _CHUNK):
                written += f.write(view[i:i + _CHUNK])
                if written - started >= _CHUNK:
                    f.flush()
                    _start_writeback(f.fileno(), started, written - started)
                    started = written


def _start_writeback(fd, offset, length):
    """Ask the kernel to start writing these bytes to disk now (no wait, no eviction)."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, offset, length, 2)  # SYNC_FILE_RANGE_WRITE


def _sync_file_range():
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError, TypeError):  # not Linux: the final fsync does it all
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    return fn


_SYNC_FILE_RANGE = _sync_file_range()


def read_tensors(path, keys):
    """``[(array, crc32), ...]`` for the tensors ``keys``: each read straight from the file into
    a fresh array and checksummed, on threads (both release the GIL). Reading with ``pread``
    into the final array is one copy; safetensors' ``get_tensor`` costs twice as long."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        start = 8 + n
        f.seek(0, 2)
        size = f.tell()

    def entry(key):
        e = header[key]
        if e.get("dtype") not in _ARRAY_DTYPES:
            raise FileFormatError(f"{path} is corrupt: tensor {key!r} has dtype {e.get('dtype')!r}, "
                                  "which ember does not write")
        dtype = np.dtype(_ARRAY_DTYPES[e["dtype"]])
        begin, end = e["data_offsets"]
        if end - begin != dtype.itemsize * math.prod(e["shape"]) or start + end > size:
            raise FileFormatError(f"{path} is truncated or corrupt: tensor {key!r} claims bytes "
                                  f"{begin}..{end} of a data section of {size - start}")
        return np.empty(e["shape"], dtype), start + begin

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        def read(key):
            array, offset = entry(key)
            view = memoryview(array.reshape(-1)).cast("B") if array.size else memoryview(b"")
            got = _pread_into(fd, view, offset)
            if got != view.nbytes:
                raise FileFormatError(f"{path} is truncated: tensor {key!r} has {got} of its "
                                      f"{view.nbytes} bytes")
            return array, crc32(array)

        if sum(header[k]["data_offsets"][1] - header[k]["data_offsets"][0] for k in keys) < 1 << 20:
            return [read(k) for k in keys]  # small files: threads cost more than they save
        with ThreadPoolExecutor() as pool:
            return list(pool.map(read, keys))
    finally:
        os.close(fd)


def _pread_into(fd, view, offset):
    """Read ``len(view)`` bytes at ``offset`` into ``view``; the count read (less at the end)."""
    got = 0
    while got < view.nbytes:
        if hasattr(os, "preadv"):
            n = os.preadv(fd, [view[got:]], offset + got)
        else:  # no positional reads (Windows): one read at a time
            with _SEEK_LOCK:
                os.lseek(fd, offset + got, os.SEEK_SET)
                chunk = os.read(fd, view.nbytes - got)
            n = len(chunk)
            view[got:got + n] = chunk
        if n == 0:
            break
        got += n
    return got


_SEEK_LOCK = threading.Lock()
