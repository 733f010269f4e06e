"""Tensor factories: ``tensor``, ``from_numpy``, ``zeros``, ``ones``, ``arange``, ``randn`` ..."""

import builtins

import numpy as np

from ember.backend import devices as _device
from ember.backend import dtypes as _dtypes
from ember.backend import random as _random
from ember.tensor.tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn",
           "randint", "randperm", "rand_like", "randn_like", "randint_like", "as_array"]


def as_array(data, dtype=None, device=None):
    """Convert ``data`` (nested lists, numbers, arrays, tensors) to an array ember can hold.

    Python floats become the default dtype (float32); Python ints int64; NumPy arrays keep their
    dtype, as ``torch.tensor`` does.
    """
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    elif hasattr(data, "__cuda_array_interface__"):
        array = data.copy()
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _tensors_to_arrays(data)
        try:
            array = np.array(data)
        except ValueError:
            raise ValueError("tensor: the nested lists have different lengths (a ragged shape); "
                             "every row must have the same length — pad them first") from None
        python_numbers = dtype is None and not _has_numpy_scalars(data)
        if array.dtype == np.float64 and python_numbers:
            array = array.astype(_dtypes.get_default_dtype().numpy)
        elif array.dtype.kind == "i" and python_numbers:
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind in "OUS":
            raise TypeError(f"can't make a tensor from {type(data).__name__} data of NumPy dtype "
                            f"{array.dtype}: give numbers, nested lists of numbers, or arrays")
    if dtype is not None:
        array = array.astype(_dtypes.as_dtype(dtype).numpy, copy=False)
    else:
        _dtypes.from_numpy_dtype(array.dtype)  # raises a clear error for unsupported dtypes
    if device is not None:
        array = _device.to_device_array(array, device)
    return array


def _has_numpy_scalars(data):
    """Whether nested lists hold NumPy scalars (whose dtype is kept, as torch.tensor does)."""
    while isinstance(data, (list, tuple)) and len(data):
        data = data[0]
    return isinstance(data, np.generic)


def _contains_tensor(seq):
    return builtins.any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
                        for x in seq)


def _tensors_to_arrays(seq):
    return [x.detach().cpu()._data if isinstance(x, Tensor)
            else _tensors_to_arrays(x) if isinstance(x, (list, tuple)) else x for x in seq]


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data``.

    >>> ember.tensor([[1., 2.], [3., 4.]]).shape
    (2, 2)
    """
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a tensor or NumPy array when it can."""
    if isinstance(data, Tensor):
        if dtype is None and device is None:
            return data
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor that shares memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    _dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, False, None, 0)


def _factory(array, requires_grad):
    t = Tensor._make(array, False, None, 0)
    if requires_grad:
        t.requires_grad = True
    return t


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtypes.get_default_dtype()).numpy
    return _dtypes.as_dtype(dtype).numpy


def _xp(device):
    return _device.array_module(_device.as_device(device))


def _place(array, device):
    return array if device is None else _device.to_device_array(array, device)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _factory(_xp(device).zeros(_size(size), _np_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _factory(_xp(device).ones(_size(size), _np_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _factory(_xp(device).empty(_size(size), _np_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dtypes.result_type(fill_value)
    return _factory(_xp(device).full(_size((size,)), fill_value, _np_dtype(dtype)), requires_grad)


def _like(t, dtype, device):
    return (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return zeros(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return ones(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return empty(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return full(t.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive); int64 unless an argument is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        dtype = _dtypes.result_type(start, end, step)
    return _factory(_xp(device).arange(start, end, step, dtype=_np_dtype(dtype)), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _factory(_xp(device).linspace(start, end, int(steps), dtype=_np_dtype(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _factory(_xp(device).eye(n, m, dtype=_np_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples from [0, 1)."""
    d = _np_dtype(dtype)
    array = _random.numpy_generator(generator).random(_size(size), dtype=np.float64).astype(d)
    return _factory(_place(array, device), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from the standard normal distribution N(0, 1)."""
    d = _np_dtype(dtype)
    gen = _random.numpy_generator(generator)
    array = gen.standard_normal(_size(size), dtype=d if d in (np.float32, np.float64) else np.float64)
    return _factory(_place(array.astype(d, copy=False), device), requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn uniformly from [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint needs a size, e.g. ember.randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    array = _random.numpy_generator(generator).integers(low, high, size=_size((size,)))
    return _factory(_place(array.astype(_np_dtype(dtype, _dtypes.int64)), device), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0 .. n-1``."""
    array = _random.numpy_generator(generator).permutation(int(n))
    return _factory(_place(array.astype(_np_dtype(dtype, _dtypes.int64)), device), requires_grad)


def rand_like(t, *, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return rand(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(t, *, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(t, dtype, device)
    return randn(t.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(t, low, high=None, *, dtype=None, device=None):
    dtype, device = _like(t, dtype, device)
    return randint(low, high, t.shape, dtype=dtype, device=device)
