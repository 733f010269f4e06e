import itertools
import pickle

import numpy as np
import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def torch_name(d):
    return str(d).split(".")[-1]


def test_dtype_repr_and_attributes():
    assert repr(ember.float32) == str(ember.float32) == "ember.float32"
    assert repr(ember.int64) == "ember.int64" and repr(ember.bool) == "ember.bool"
    assert ember.float32.is_floating_point and not ember.int64.is_floating_point
    assert not ember.bool.is_floating_point
    assert ember.float64.itemsize == 8 and ember.float16.itemsize == 2 and ember.int32.itemsize == 4
    assert ember.int8.is_signed and not ember.uint8.is_signed and not ember.bool.is_signed


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes_match_pytorch(name):
    d, td = getattr(ember, name), getattr(torch, name)
    assert repr(d) == repr(td).replace("torch.", "ember.")
    assert (d.is_floating_point, d.is_signed, d.itemsize) == (td.is_floating_point, td.is_signed, td.itemsize)


def test_aliases():
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.half is ember.float16
    assert ember.long is ember.int64 and ember.int is ember.int32


def test_dtype_pickles_to_the_same_object():
    assert pickle.loads(pickle.dumps(ember.float16)) is ember.float16


def test_dtype_arguments_accept_names_and_numpy_types():
    assert ember.zeros(1, dtype="float64").dtype is ember.float64
    assert ember.zeros(1, dtype=np.float16).dtype is ember.float16
    assert ember.zeros(1, dtype=np.dtype("int32")).dtype is ember.int32
    assert ember.zeros(1, dtype=int).dtype is ember.int64
    assert ember.zeros(1, dtype=bool).dtype is ember.bool


def test_python_float_type_means_float64_as_in_pytorch():
    assert ember.zeros(1, dtype=float).dtype is ember.float64


def test_unknown_dtypes_are_refused():
    with pytest.raises(TypeError, match="not a dtype: 'complex64'"):
        ember.zeros(1, dtype="complex64")
    with pytest.raises(TypeError, match="does not support arrays of dtype complex64"):
        ember.tensor(np.zeros(2, np.complex64))


@pytest.mark.skipif(ember.bfloat16.numpy is not None, reason="ml_dtypes is installed")
def test_bfloat16_without_ml_dtypes_says_what_to_install():
    with pytest.raises(TypeError, match="install the 'ml_dtypes' package"):
        ember.zeros(1, dtype=ember.bfloat16)


def test_default_dtype_is_float32():
    assert ember.get_default_dtype() is ember.float32
    assert ember.tensor([1.5]).dtype is ember.float32
    assert ember.tensor(1.5).dtype is ember.float32


def test_set_default_dtype_changes_python_floats_and_factories():
    ember.set_default_dtype(ember.float64)
    assert ember.get_default_dtype() is ember.float64
    assert ember.tensor([1.5, 2.0]).dtype is ember.float64
    assert ember.tensor([1, 2]).dtype is ember.int64  # ints are not affected
    for t in (ember.zeros(2), ember.ones(2), ember.empty(2), ember.full((2,), 1.5), ember.rand(2),
              ember.randn(2), ember.arange(0.0, 1.0, 0.5), ember.linspace(0, 1, 3), ember.eye(2)):
        assert t.dtype is ember.float64
    assert (ember.tensor([1, 2]) * 0.5).dtype is ember.float64
    assert (ember.ones(2, dtype=ember.float32) * 0.5).dtype is ember.float32  # tensors keep theirs
    ember.set_default_dtype(ember.float32)
    assert ember.zeros(2).dtype is ember.float32


def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match="expected a floating dtype such as ember.float32, got ember.int64"):
        ember.set_default_dtype(ember.int64)


@needs_torch
@pytest.mark.parametrize("a, b", itertools.product(NAMES, NAMES))
def test_promote_types_matches_pytorch(a, b):
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert repr(got) == "ember." + torch_name(torch.promote_types(getattr(torch, a), getattr(torch, b)))


def _operand(spec, lib):
    """``'int32[]'`` a tensor with dimensions, ``'int32()'`` a 0-d tensor, else a Python number."""
    if isinstance(spec, str):
        name, zero_dim = spec.rstrip("[]()"), spec.endswith("()")
        data = True if name == "bool" else 1
        return lib.tensor(data if zero_dim else [data], dtype=getattr(lib, name))
    return spec


RESULT_CASES = [
    ("float32[]", 2.5), ("int64[]", 2.5), ("int64[]", 2), ("int32[]", 2), ("uint8[]", -1),
    ("bool[]", True), ("bool[]", 1), ("bool[]", 1.5), ("float16[]", 2.5), ("int8[]", 2.5),
    ("float32[]", "float64()"), ("int64[]", "float64()"), ("int32[]", "float16()"),
    ("int32[]", "int64()"), ("uint8[]", "int8()"), ("float16[]", "float64()"), ("bool[]", "int32()"),
    ("float32()", "float64()"), ("int32()", "int64()"), ("int64()", 2.5), ("float16()", 2.5),
    ("bool()", 3), ("float32[]", "float64[]"), ("uint8[]", "int8[]"), ("bool[]", "uint8[]"),
    (2, 2.5), (True, 2), ("float64()", "float32[]"),
    ("int64[]", "float32[]"), ("int32()", "float16()"), ("int16[]", "float16[]"),
]


@needs_torch
@pytest.mark.parametrize("a, b", RESULT_CASES)
def test_result_type_matches_pytorch(a, b):
    got = ember.result_type(_operand(a, ember), _operand(b, ember))
    want = torch.result_type(_operand(a, torch), _operand(b, torch))
    assert repr(got) == "ember." + torch_name(want)


def test_int_tensor_times_float_tensor_keeps_the_float_dtype():
    # numpy would widen to float64; PyTorch keeps the float operand's dtype
    assert (ember.tensor([1, 2]) * ember.ones(2)).dtype is ember.float32
    i32, f16 = ember.tensor([1, 2], dtype=ember.int32), ember.ones(2, dtype=ember.float16)
    assert (i32 + f16).dtype is ember.float16
