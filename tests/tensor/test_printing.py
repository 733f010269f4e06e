import re

import numpy as np
import pytest

import ember
from ember.tensor.printing import get_printoptions, printoptions, set_printoptions
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


@pytest.fixture(autouse=True)
def _default_print_options():
    yield
    set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(torch.float32)


def torch_repr(t):
    """torch's repr in ember's words: ``ember.float64``, ``<MulBackward>`` (no trailing 0)."""
    return re.sub(r"Backward\d+>", "Backward>", repr(t).replace("torch.", "ember."))


def same_repr(data, dtype=None, requires_grad=False):
    e = ember.tensor(data, dtype=None if dtype is None else getattr(ember, dtype),
                     requires_grad=requires_grad)
    t = torch.tensor(data, dtype=None if dtype is None else getattr(torch, dtype),
                     requires_grad=requires_grad)
    assert repr(e) == torch_repr(t)
    return repr(e)


def test_simple_cases_read_as_in_pytorch():
    assert repr(ember.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(ember.tensor([[0.1, 0.2], [0.3, 0.4]])) == (
        "tensor([[0.1000, 0.2000],\n        [0.3000, 0.4000]])")
    assert repr(ember.tensor([1e5, 1.0])) == "tensor([1.0000e+05, 1.0000e+00])"
    assert repr(ember.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ember.tensor([True, False])) == "tensor([ True, False])"
    assert repr(ember.tensor(3.5)) == "tensor(3.5000)"
    assert repr(ember.tensor([1.0, 2.0], dtype=ember.float64)) == "tensor([1., 2.], dtype=ember.float64)"
    assert repr(ember.tensor([1.5], requires_grad=True)) == "tensor([1.5000], requires_grad=True)"
    assert str(ember.tensor([1, 2])) == repr(ember.tensor([1, 2]))


RNG = np.random.default_rng(0)
CASES = [
    ([1.0, 2.0, 3.0], None),
    ([[0.1, 0.2], [0.3, 0.4]], None),
    ([1e5, 1.0], None),
    ([1e-5, 1.0], None),
    ([1e10, 1e-10, 0.0], None),
    ([123456789.0, 1.0], None),
    ([-0.5, 1000.25], None),
    (3.5, None),
    (-1e-6, None),
    (5, None),
    (True, None),
    ([1, -200], None),
    ([[1, -100], [1000, 5]], None),
    ([[True, False], [False, True]], None),
    ([float("nan"), 1.0, float("inf")], None),
    ([float("nan"), 1.5, -float("inf")], None),
    ([float("nan"), float("inf")], None),
    ([0.0, -0.0], None),
    ([1.0, 2.0], "float64"),
    ([1.5, 2.0], "float16"),
    ([1, 2], "int32"),
    ([1, 2], "uint8"),
    ([], None),
    ([[]], None),
    ([], "int64"),
    (np.zeros((0, 3)).tolist(), "int32"),
    (np.linspace(-3, 3, 30).tolist(), None),
    (np.linspace(-3, 3, 30).reshape(5, 6).tolist(), "float64"),
    (RNG.standard_normal((2, 3, 4)).tolist(), None),
    (RNG.standard_normal((4, 30)).tolist(), None),
    (RNG.standard_normal((2, 1, 2, 2)).tolist(), None),
]


@needs_torch
@pytest.mark.parametrize("data, dtype", CASES)
def test_matches_pytorch(data, dtype):
    same_repr(data, dtype)


@needs_torch
@pytest.mark.parametrize("data", [
    np.arange(2000.0).reshape(40, 50).tolist(),
    np.arange(2000).tolist(),
    np.arange(20000).reshape(200, 100).tolist(),
    RNG.standard_normal((20, 3, 40)).tolist(),
    RNG.standard_normal(1001).tolist(),
])
def test_large_tensors_are_summarized_as_in_pytorch(data):
    text = same_repr(data)
    assert "..." in text


@needs_torch
def test_requires_grad_and_grad_fn_suffixes():
    same_repr(np.linspace(-3, 3, 30).reshape(5, 6).tolist(), "float64", requires_grad=True)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == torch_repr(tx * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr((x + x).sum()) == torch_repr((tx + tx).sum()) == "tensor(6., grad_fn=<SumBackward>)"
    assert repr((x * 2).detach()) == "tensor([2., 4.])"


@needs_torch
def test_long_suffixes_wrap_onto_a_new_line():
    data = np.linspace(-1, 1, 21).reshape(3, 7).tolist()
    text = same_repr(data, "float64", requires_grad=True)
    assert text.endswith("]],\n       dtype=ember.float64, requires_grad=True)")


@needs_torch
def test_default_dtype_decides_which_float_dtype_is_named():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    assert repr(ember.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    same_repr([1.0, 2.0], "float32")
    same_repr([], "float64")


@needs_torch
@pytest.mark.parametrize("options", [
    dict(precision=2),
    dict(precision=6),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=30),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
])
def test_print_options_match_pytorch(options):
    set_printoptions(**options)
    torch.set_printoptions(**options)
    for data in ([1.12345, 22.5, -3.0], np.arange(12.0).reshape(3, 4).tolist(), list(range(10)),
                 [1e-5, 1e3], np.random.default_rng(1).standard_normal((6, 5)).tolist()):
        same_repr(data)
    same_repr(np.arange(1500.0).tolist())


def test_print_options_keep_unnamed_values_and_restore():
    set_printoptions(precision=2)
    set_printoptions(threshold=5)  # precision stays 2, as in PyTorch
    assert repr(ember.tensor([1.12345])) == "tensor([1.12])"
    with printoptions(precision=1):
        assert repr(ember.tensor([1.25, 2.0])) == "tensor([1.2, 2.0])"
    assert get_printoptions() == dict(precision=2, threshold=5, edgeitems=3, linewidth=80, sci_mode=None)
    assert repr(ember.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="default")
    assert repr(ember.tensor([1.12345])) == "tensor([1.1235])"


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile 'tiny'"):
        set_printoptions(profile="tiny")


def test_set_printoptions_is_exported():
    assert ember.set_printoptions is set_printoptions


def test_float_formats_do_not_depend_on_float32_noise():
    # 0.1 in float32 is 0.100000001...: it still prints as 0.1000, and integers stay "1."
    assert repr(ember.tensor([0.1, 1.0])) == "tensor([0.1000, 1.0000])"
    assert repr(ember.ones(2, 2)) == "tensor([[1., 1.],\n        [1., 1.]])"
    assert repr(ember.zeros(3, dtype=ember.int64)) == "tensor([0, 0, 0])"


@pytest.mark.skipif(not ember.backend.cuda_is_available(), reason="needs a CUDA GPU and CuPy")
def test_gpu_tensor_names_its_device():
    assert repr(ember.tensor([1.0, 2.0], device="cuda")) == "tensor([1., 2.], device='cuda:0')"
    big = ember.arange(5000.0, device="cuda")
    assert repr(big) == repr(big.cpu())[:-1] + ", device='cuda:0')"

