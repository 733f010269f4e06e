import doctest

import numpy as np
import pytest

import ember
import ember.nn.utils.convert_parameters as convert_module
from ember.nn.utils import parameters_to_vector, vector_to_parameters
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="the reference needs torch")

SHAPES = [(3, 4), (4,), (2, 1, 3)]


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


@needs_torch
def test_parameters_to_vector_matches_torch():
    ours = [ember.nn.Parameter(ember.tensor(a)) for a in arrays()]
    ref = [torch.nn.Parameter(torch.tensor(a)) for a in arrays()]
    vec, tvec = parameters_to_vector(ours), torch.nn.utils.parameters_to_vector(ref)
    assert vec.shape == tuple(tvec.shape) == (22,)
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    # differentiable, as PyTorch's
    weights = np.arange(22, dtype=np.float32)
    (vec * ember.tensor(weights)).sum().backward()
    (tvec * torch.tensor(weights)).sum().backward()
    for p, tp in zip(ours, ref):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


@needs_torch
def test_vector_to_parameters_matches_torch():
    ours = [ember.nn.Parameter(ember.zeros(*s)) for s in SHAPES]
    ref = [torch.nn.Parameter(torch.zeros(s)) for s in SHAPES]
    values = np.random.default_rng(1).standard_normal(22).astype(np.float32)
    assert vector_to_parameters(ember.tensor(values), ours) is None
    torch.nn.utils.vector_to_parameters(torch.tensor(values), ref)
    for p, tp in zip(ours, ref):
        assert p.shape == tuple(tp.shape)
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
        assert p.requires_grad and p.is_leaf


def test_round_trip_through_a_module():
    model = ember.nn.Module()
    model.a = ember.nn.Parameter(ember.randn(2, 3))
    model.b = ember.nn.Parameter(ember.randn(3))
    vec = parameters_to_vector(model.parameters()).detach()
    saved = vec.numpy().copy()
    with ember.no_grad():
        model.a.zero_()
        model.b.zero_()
    vector_to_parameters(vec, model.parameters())
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).detach().numpy(), saved)


def test_vector_to_parameters_shares_memory_with_the_vector():
    p = ember.nn.Parameter(ember.zeros(2, 2))
    vec = ember.arange(4.0)
    vector_to_parameters(vec, [p])
    with ember.no_grad():
        vec.mul_(10)
    assert p.tolist() == [[0.0, 10.0], [20.0, 30.0]]


def test_a_single_tensor_is_accepted():
    p = ember.nn.Parameter(ember.ones(2, 2))
    assert parameters_to_vector(p).tolist() == [1.0] * 4
    vector_to_parameters(ember.tensor([1.0, 2.0, 3.0, 4.0]), p)
    assert p.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_vector_to_parameters_length_mismatch():
    params = [ember.zeros(3, 4), ember.zeros(4), ember.zeros(2, 1, 3)]
    for n in (21, 23):
        with pytest.raises(ValueError, match=rf"vec has {n} elements but the parameters have 22 "
                                             r"together \(shapes \(3, 4\), \(4,\), \(2, 1, 3\)\); the vector "
                                             "must come from parameters_to_vector of the same model"):
            vector_to_parameters(ember.zeros(n), params)
    assert all(not p.any() for p in params)


def test_vector_to_parameters_argument_errors():
    with pytest.raises(TypeError, match="expected vec to be an ember Tensor, got ndarray"):
        vector_to_parameters(np.zeros(4), [ember.zeros(4)])
    with pytest.raises(ValueError, match=r"vec must be 1-d, got shape \(2, 2\); flatten it"):
        vector_to_parameters(ember.zeros(2, 2), [ember.zeros(4)])


def test_parameters_to_vector_needs_parameters():
    with pytest.raises(ValueError, match=r"parameters_to_vector: no parameters were given \(is the "
                                         "model empty"):
        parameters_to_vector(ember.nn.Module().parameters())


def test_docstring_examples():
    result = doctest.testmod(convert_module, extraglobs={"ember": ember})
    assert result.attempted > 3 and result.failed == 0


class _OnGPU(ember.Tensor):
    """A CPU tensor that reports a CUDA device: tests the device check without a GPU."""

    __slots__ = ()
    device = property(lambda self: ember.device("cuda:0"))


def test_parameters_on_two_devices_are_refused():
    gpu = ember.Tensor._make.__func__(_OnGPU, np.zeros(4, np.float32), False, None, 0)
    cpu = ember.zeros(4)
    message = r"found parameters on different devices \(cpu, cuda:0\), which is not supported; move"
    with pytest.raises(TypeError, match=message):
        parameters_to_vector([cpu, gpu])
    with pytest.raises(TypeError, match=message):
        vector_to_parameters(ember.zeros(8), [cpu, gpu])
