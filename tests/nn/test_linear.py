import doctest
import math
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _np(t):
    return t.detach().numpy()


def _copy_params(module, torch_module):
    """Load the torch module's parameters into the ember module (PyTorch's state_dict layout)."""
    missing, unexpected = module.load_state_dict(
        {k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    assert not missing and not unexpected


# ---------------------------------------------------------------- F.linear
@pytest.mark.parametrize("x_shape", [(3, 4), (4,), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_and_gradchecks(x_shape, bias):
    shapes = [x_shape, (5, 4)] + ([(5,)] if bias else [])
    check_op(lambda *a: F.linear(*a),
             lambda *a: torch.nn.functional.linear(*a), shapes=shapes)


def test_linear_is_one_node():
    x = ember.randn(3, 4, requires_grad=True)
    w = ember.randn(5, 4, requires_grad=True)
    b = ember.randn(5, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.grad_fn.name() == "LinearBackward"
    edges = y.grad_fn.next_functions
    assert len(edges) == 3 and all(node.variable is t for (node, _), t in zip(edges, (x, w, b)))


def test_linear_skips_unneeded_gradients():
    x = ember.randn(3, 4)  # no gradient wanted for the input
    w = ember.randn(5, 4, requires_grad=True)
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), np.tile(_np(x).sum(0), (5, 1)), rtol=1e-5)


def test_linear_scalar_bias_broadcasts():
    check_op(lambda x, w, b: F.linear(x, w, b),
             lambda x, w, b: torch.nn.functional.linear(x, w, b), shapes=[(3, 4), (5, 4), ()])


def test_linear_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(3, 7\) must have 4 features"):
        F.linear(ember.ones(3, 7), ember.ones(5, 4))
    with pytest.raises(RuntimeError, match=r"linear: weight must be 2-D"):
        F.linear(ember.ones(3, 4), ember.ones(4))
    with pytest.raises(RuntimeError, match=r"linear: the input has dtype ember.float64 but the weight"):
        F.linear(ember.ones(3, 4, dtype=ember.float64), ember.ones(5, 4))
    with pytest.raises(RuntimeError, match=r"linear: bias of shape \(4,\) does not match"):
        F.linear(ember.ones(3, 4), ember.ones(5, 4), ember.ones(4))
    with pytest.raises(TypeError, match=r"linear: input must be a Tensor, got list"):
        F.linear([1.0, 2.0], ember.ones(5, 2))


# ---------------------------------------------------------------- nn.Linear
@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape", [(8, 6), (2, 3, 6), (6,)])
def test_linear_module_matches_torch_on_copied_weights(bias, x_shape):
    layer, t_layer = nn.Linear(6, 3, bias=bias), torch.nn.Linear(6, 3, bias=bias)
    _copy_params(layer, t_layer)
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(x_shape).astype(np.float32)
    x, tx = ember.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    for mode in (True, False):  # train and eval behave the same
        layer.train(mode)
        t_layer.train(mode)
        y, ty = layer(x), t_layer(tx)
        np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(layer.weight.grad), _np(t_layer.weight.grad), rtol=1e-5, atol=1e-5)
    if bias:
        np.testing.assert_allclose(_np(layer.bias.grad), _np(t_layer.bias.grad), rtol=1e-5, atol=1e-5)


def test_linear_parameters_shapes_and_names():
    layer = nn.Linear(784, 10)
    assert [(n, tuple(p.shape)) for n, p in layer.named_parameters()] == [
        ("weight", (10, 784)), ("bias", (10,))]
    assert layer.weight.dtype == ember.float32
    assert nn.Linear(3, 2, bias=False).bias is None
    assert list(nn.Linear(3, 2, bias=False).state_dict()) == ["weight"]
    assert nn.Linear(3, 2, dtype=ember.float64).weight.dtype == ember.float64


def test_linear_default_init_distribution():
    layer = nn.Linear(400, 500)
    bound = 1 / math.sqrt(400)
    w, b = _np(layer.weight), _np(layer.bias)
    assert w.min() >= -bound and w.max() <= bound
    assert b.min() >= -bound and b.max() <= bound
    assert abs(w.mean()) < 0.01 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound / math.sqrt(3)
    assert w.max() > 0.99 * bound and w.min() < -0.99 * bound  # the whole interval is used


def test_linear_init_is_reproducible_under_manual_seed():
    ember.manual_seed(3)
    a = _np(nn.Linear(5, 4).weight)
    ember.manual_seed(3)
    b = _np(nn.Linear(5, 4).weight)
    np.testing.assert_array_equal(a, b)


@needs_torch
def test_linear_repr_matches_torch():
    for args, kwargs in [((784, 10), {}), ((3, 2), {"bias": False})]:
        assert repr(nn.Linear(*args, **kwargs)) == repr(torch.nn.Linear(*args, **kwargs))


def test_linear_errors_name_the_layer():
    layer = nn.Linear(784, 10)
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=784, out_features=10\) expects input "
                                           r"of shape \(\*, 784\), got \(32, 28, 28\): flatten the input "
                                           r"first \(nn.Flatten\)"):
        layer(ember.ones(32, 28, 28))
    with pytest.raises(RuntimeError, match=r"got \(32, 100\): check in_features"):
        layer(ember.ones(32, 100))
    with pytest.raises(RuntimeError, match=r"got \(\): a 0-d tensor has no feature dimension"):
        layer(ember.tensor(1.0))
    with pytest.raises(TypeError, match=r"Linear\(in_features=784, out_features=10\) expects a "
                                        r"Tensor, got ndarray"):
        layer(np.ones((2, 784)))
    with pytest.raises(RuntimeError, match=r"has ember.float32 parameters but got an input of "
                                           r"dtype ember.int64"):
        layer(ember.ones(2, 784, dtype=ember.int64))


def test_linear_trains_a_regression():
    ember.manual_seed(0)
    x = ember.randn(64, 3)
    y = x @ ember.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    layer = nn.Linear(3, 1)
    for _ in range(200):
        loss = ((layer(x) - y) ** 2).mean()
        layer.zero_grad()
        loss.backward()
        with ember.no_grad():
            for p in layer.parameters():
                p -= 0.1 * p.grad
    np.testing.assert_allclose(_np(layer.weight), [[1.0, -2.0, 0.5]], atol=1e-3)
    np.testing.assert_allclose(_np(layer.bias), [0.3], atol=1e-3)


# ---------------------------------------------------------------- bilinear and identity
@pytest.mark.parametrize("lead", [(3,), (2, 3)])
def test_bilinear_matches_torch_and_gradchecks(lead):
    check_op(lambda a, b, w, c: F.bilinear(a, b, w, c),
             lambda a, b, w, c: torch.nn.functional.bilinear(a, b, w, c),
             shapes=[lead + (4,), lead + (2,), (5, 4, 2), (5,)])


@needs_torch
def test_bilinear_module_matches_torch():
    layer, t_layer = nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    _copy_params(layer, t_layer)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    y, ty = layer(ember.tensor(a), ember.tensor(b)), t_layer(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(_np(layer.weight.grad), _np(t_layer.weight.grad), rtol=1e-5, atol=1e-5)
    assert repr(layer) == repr(t_layer)


def test_bilinear_init_and_errors():
    layer = nn.Bilinear(100, 30, 40)
    bound = 1 / math.sqrt(100)
    w = _np(layer.weight)
    assert w.shape == (40, 100, 30) and w.min() >= -bound and w.max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    with pytest.raises(RuntimeError, match=r"Bilinear\(in1_features=100, in2_features=30, "
                                           r"out_features=40\) expects input2 of shape \(\*, 30\)"):
        layer(ember.ones(2, 100), ember.ones(2, 31))
    with pytest.raises(RuntimeError, match=r"expects inputs with the same leading dimensions"):
        layer(ember.ones(2, 100), ember.ones(3, 30))
    with pytest.raises(RuntimeError, match=r"bilinear: weight must be 3-D"):
        F.bilinear(ember.ones(2, 3), ember.ones(2, 3), ember.ones(3, 3))


def test_identity_passes_its_input_and_takes_any_arguments():
    x = ember.randn(3, requires_grad=True)
    assert nn.Identity(54, unused=True)(x) is x
    assert repr(nn.Identity()) == "Identity()"


def test_docstring_examples():
    for name in ("ember.nn.functional.linear", "ember.nn.modules.linear"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3), (3,)])
def test_linear_third_derivatives_match_torch(x_shape):
    if torch is None:
        pytest.skip("torch is not installed")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((5, 3)), rng.standard_normal(5)]

    def derivatives(lib, fn):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        g = lib.autograd.grad((fn(*xs).tanh() ** 2).sum(), xs, create_graph=True)
        g2 = lib.autograd.grad(sum((t * t).sum() for t in g), xs, create_graph=True)
        g3 = lib.autograd.grad(sum((t ** 3).sum() for t in g2), xs)
        return [t.detach().numpy() for t in (*g, *g2, *g3)]

    for a, b in zip(derivatives(ember, F.linear), derivatives(torch, torch.nn.functional.linear)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
