import importlib.util

import pytest

import ember
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
has_gpu = ember.backend.cuda_is_available()
needs_gpu = pytest.mark.skipif(not has_gpu, reason="needs a CUDA GPU and CuPy")
no_gpu = pytest.mark.skipif(has_gpu, reason="a CUDA GPU is available here")


def test_cpu_device_compares_hashes_and_prints():
    cpu = ember.device("cpu")
    assert cpu == ember.device("cpu") == "cpu" and cpu != "cuda:0"
    assert hash(cpu) == hash(ember.device(cpu))
    assert (cpu.type, cpu.index) == ("cpu", None)
    assert str(cpu) == "cpu" and repr(cpu) == "device(type='cpu')"


def test_cuda_strings_are_parsed():
    d = ember.device("cuda:1")
    assert (d.type, d.index) == ("cuda", 1)
    assert d == ember.device("cuda", 1) and d != ember.device("cuda:0")
    assert str(d) == "cuda:1" and repr(d) == "device(type='cuda', index=1)"
    assert len({ember.device("cuda:1"), ember.device("cuda", 1), ember.device("cpu")}) == 2


@needs_torch
@pytest.mark.parametrize("spec", ["cpu", "cuda:0", "cuda:1", "cuda:12"])
def test_device_text_matches_pytorch(spec):
    assert str(ember.device(spec)) == str(torch.device(spec))
    assert repr(ember.device(spec)) == repr(torch.device(spec))


@pytest.mark.parametrize("spec, message", [
    ("gpu", "unknown device type 'gpu'; ember knows 'cpu' and 'cuda'"),
    ("tpu:0", "unknown device type 'tpu'"),
    ("cuda:x", "invalid device string .*expected 'cpu', 'cuda' or 'cuda:N'"),
    ("cuda:-1", "invalid device string"),
])
def test_invalid_device_strings_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        ember.device(spec)


def test_tensors_live_on_the_cpu_by_default():
    t = ember.ones(2)
    assert t.device == ember.device("cpu") and not t.is_cuda
    assert t.to("cpu") is t and t.cpu() is t and t.to(ember.device("cpu")) is t
    assert ember.zeros(2, device="cpu").device == "cpu"
    assert ember.tensor([1.0], device=ember.device("cpu")).device == "cpu"


def test_cuda_availability_reflects_cupy():
    assert ember.cuda.is_available() == ember.backend.cuda_is_available()
    assert ember.cuda.device_count() == ember.backend.cuda_device_count()
    if importlib.util.find_spec("cupy") is None:
        assert ember.backend.cuda_is_available() is False
        assert ember.cuda.device_count() == 0


@no_gpu
@pytest.mark.parametrize("make", [
    lambda: ember.ones(2).to("cuda"),
    lambda: ember.ones(2).cuda(),
    lambda: ember.ones(2).to(ember.device("cuda:0")),
    lambda: ember.zeros(2, device="cuda"),
    lambda: ember.tensor([1.0], device="cuda"),
    lambda: ember.randn(2, device="cuda"),
    lambda: ember.arange(3, device="cuda"),
])
def test_moving_to_cuda_without_a_gpu_says_what_to_install(make):
    with pytest.raises(RuntimeError, match=r"CUDA is not available.*CuPy.*ember\[gpu\].*device='cpu'"):
        make()


@needs_gpu
def test_gpu_round_trip():
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    g = t.to("cuda")
    assert g.device == "cuda:0" and g.is_cuda
    back = g.cpu()
    assert back.device == "cpu" and back.tolist() == [1.0, 2.0]
    (back * 3.0).sum().backward()
    assert t.grad.device == "cpu" and t.grad.tolist() == [3.0, 3.0]


@needs_gpu
def test_missing_gpu_index_is_named():
    n = ember.cuda.device_count()
    with pytest.raises(RuntimeError, match=f"device cuda:{n} does not exist"):
        ember.ones(1).to(f"cuda:{n}")
