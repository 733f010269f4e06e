"""Data types, the default dtype, and PyTorch's type-promotion rules.

An ember ``dtype`` is a thin named wrapper around a NumPy dtype, so that ``repr`` reads
``ember.float32`` and so that dtypes the array library lacks (bfloat16) can still be named.
"""

import builtins

import numpy as np

__all__ = [
    "dtype", "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "bool", "get_default_dtype", "set_default_dtype", "as_dtype", "from_numpy_dtype",
    "result_type", "promote_types",
]

_CATEGORY_BOOL, _CATEGORY_INT, _CATEGORY_FLOAT = 0, 1, 2


class dtype:
    """A tensor element type, e.g. ``ember.float32``."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name, numpy_dtype, category):
        self.name = name
        self.numpy = None if numpy_dtype is None else np.dtype(numpy_dtype)
        self.category = category
        self.is_floating_point = category == _CATEGORY_FLOAT
        self.is_signed = name not in ("uint8", "bool")
        self.itemsize = 2 if numpy_dtype is None else self.numpy.itemsize

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return (as_dtype, (self.name,))


def _bfloat16_numpy():
    try:
        import ml_dtypes  # optional: NumPy itself has no bfloat16
    except ImportError:
        return None
    return ml_dtypes.bfloat16


float16 = dtype("float16", np.float16, _CATEGORY_FLOAT)
bfloat16 = dtype("bfloat16", _bfloat16_numpy(), _CATEGORY_FLOAT)
float32 = dtype("float32", np.float32, _CATEGORY_FLOAT)
float64 = dtype("float64", np.float64, _CATEGORY_FLOAT)
int8 = dtype("int8", np.int8, _CATEGORY_INT)
int16 = dtype("int16", np.int16, _CATEGORY_INT)
int32 = dtype("int32", np.int32, _CATEGORY_INT)
int64 = dtype("int64", np.int64, _CATEGORY_INT)
uint8 = dtype("uint8", np.uint8, _CATEGORY_INT)
bool = dtype("bool", np.bool_, _CATEGORY_BOOL)  # noqa: A001 - PyTorch's name

_ALL = [float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, bool]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, long=int64, int=int32)
_BY_NUMPY = {d.numpy: d for d in _ALL if d.numpy is not None}

_default_float = [float32]


def get_default_dtype():
    """The dtype of tensors made from Python floats (``float32`` unless changed)."""
    return _default_float[0]


def set_default_dtype(d):
    """Set the floating dtype used for Python floats and float factories (float32 or float64)."""
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating dtype such as ember.float32, got {d}")
    _default_float[0] = d


def from_numpy_dtype(np_dtype):
    """The ember dtype of a NumPy dtype; a clear error for types ember does not support."""
    found = _BY_NUMPY.get(np_dtype)
    if found is None:
        found = _BY_NUMPY.get(np.dtype(np_dtype))
        if found is None:
            raise TypeError(
                f"ember does not support arrays of dtype {np.dtype(np_dtype)}; "
                f"convert with .astype(np.float32) (or another of {sorted(_BY_NAME)}) first")
    return found


def as_dtype(d):
    """Accept an ember dtype, a NumPy dtype/type, or a name such as 'float32'."""
    if isinstance(d, dtype):
        if d.numpy is None:
            raise TypeError(f"{d} is not available: install the 'ml_dtypes' package to use it")
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return as_dtype(_BY_NAME[d])
    if d is float:
        return float64  # as torch: the Python type float means double

    if d is int:
        return int64
    if d is builtins.bool:
        return bool
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(f"not a dtype: {d!r}; use e.g. ember.float32 or 'float32'") from None


def promote_types(a, b):
    """The dtype both ``a`` and ``b`` are cast to (``torch.promote_types``).

    Across categories (bool < integer < floating) the higher category's dtype wins, so
    ``float32`` with ``int64`` is ``float32``; within one category NumPy's rule applies.
    """
    if a.category != b.category:
        return a if a.category > b.category else b
    return from_numpy_dtype(np.promote_types(a.numpy, b.numpy))


def _scalar_category(x):
    if isinstance(x, (np.bool_, builtins.bool)):
        return _CATEGORY_BOOL
    if isinstance(x, (int, np.integer)):
        return _CATEGORY_INT
    return _CATEGORY_FLOAT


def result_type(*operands):
    """PyTorch's type promotion for ``operands`` (tensors and Python numbers).

    Tensors with dimensions decide first; zero-dimensional tensors, then Python numbers, only
    raise the result's *category* (bool < integer < floating): ``float32 tensor * 2.5`` stays
    float32, ``int64 tensor / 2.0`` becomes the default float dtype.
    """
    dims = zero = None
    scalar_cat = -1
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            scalar_cat = max(scalar_cat, _scalar_category(x))
    result = dims
    for candidate in (zero,):
        if candidate is None:
            continue
        if result is None:
            result = candidate
        elif candidate.category > result.category:
            result = candidate
    if scalar_cat > (-1 if result is None else result.category):
        result = (bool, int64, get_default_dtype())[scalar_cat]
    return result
