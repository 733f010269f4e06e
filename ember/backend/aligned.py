"""Arrays whose data starts on a 64-byte boundary: a CPU cache line.

NumPy's arrays start wherever glibc's ``malloc`` puts them, which is a 16-byte boundary. OpenBLAS
multiplies small matrices (up to about a million multiply-adds) up to 1.45x faster when the
right-hand operand starts on a cache line: measured with float32 on one core, a (32, 128) by
(128, 128) product takes 7.3 us aligned against 10.6 us, and an LSTM step's four gate products
(32 x 161 by 161 x 128 each) 32 us against 49 us. Arrays used as that operand at every step of a
sequence are made here.
"""

import math

import numpy as np

ALIGNMENT = 64  # bytes


def empty_aligned(xp, shape, dtype):
    """``xp.empty(shape, dtype)`` starting on a 64-byte boundary (CuPy's allocations already do)."""
    if xp is not np:
        return xp.empty(shape, dtype)
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def aligned_copy(xp, a):
    """A C-contiguous copy of ``a`` starting on a 64-byte boundary."""
    out = empty_aligned(xp, a.shape, a.dtype)
    out[...] = a
    return out
