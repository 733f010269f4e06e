import doctest
import re
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _tf():
    return torch.nn.functional


def _np(t):
    return t.detach().numpy()


# (name, kwargs) of F.<name>, compared with torch.nn.functional.<name>(x, **kwargs)
SMOOTH = [
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("sigmoid", {}),
    ("tanh", {}), ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softsign", {}),
    ("logsigmoid", {}), ("tanhshrink", {}),
]
# piecewise-linear ones: inputs kept away from the kinks, where finite differences can't go
PIECEWISE = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.3}),
    ("leaky_relu", {"negative_slope": -0.5}), ("leaky_relu", {"negative_slope": 1.5}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("hardsigmoid", {}),
    ("hardswish", {}), ("threshold", {"threshold": 0.3, "value": -2.0}), ("hardshrink", {}),
    ("hardshrink", {"lambd": 2.0}), ("hardshrink", {"lambd": -0.5}), ("softshrink", {}),
    ("softshrink", {"lambd": 1.0}), ("softshrink", {"lambd": 0.0}), ("rrelu", {}),
    ("rrelu", {"lower": 0.2, "upper": 0.6}),
]
IDS = [f"{n}-{k}" for n, k in SMOOTH + PIECEWISE]


def _away_from_kinks(shape, seed=0):
    """Values in [-8, 8] at least 0.05 away from every kink of the piecewise activations."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-8, 8, size=shape)
    kinks = np.array([-3.0, -2.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0, 3.0, 6.0])
    near = np.abs(x[..., None] - kinks).min(-1) < 0.05
    x[near] += 0.1
    return x


@pytest.mark.parametrize("name,kwargs", SMOOTH + PIECEWISE, ids=IDS)
@pytest.mark.parametrize("shape", [(3, 5), ()])
def test_activation_matches_torch_and_gradchecks(name, kwargs, shape):
    check_op(lambda x: getattr(F, name)(x, **kwargs),
             lambda x: getattr(_tf(), name)(x, **kwargs), inputs=[_away_from_kinks(shape)])


@needs_torch
@pytest.mark.parametrize("name,kwargs", SMOOTH + PIECEWISE, ids=IDS)
def test_activation_at_kinks_and_extremes_matches_torch(name, kwargs):
    values = [-1e4, -50.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0, 3.0, 6.0, 50.0,
              1e4]
    for dtype in ("float32", "float64"):
        a = np.array(values, dtype=dtype)
        x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = getattr(F, name)(x, **kwargs), getattr(_tf(), name)(tx, **kwargs)
        seed = np.linspace(-1, 1, len(values)).astype(dtype)
        y.backward(ember.tensor(seed))
        ty.backward(torch.tensor(seed))
        assert np.isfinite(_np(y)).all() and np.isfinite(_np(x.grad)).all()
        assert y.dtype == x.dtype
        np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-6, atol=1e-6)


INPLACE = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}),
           ("selu", {}), ("celu", {}), ("silu", {}), ("mish", {}), ("hardtanh", {}),
           ("hardsigmoid", {}), ("hardswish", {}), ("threshold", {"threshold": 0.1, "value": 9.0}),
           ("rrelu", {"lower": 0.1, "upper": 0.3})]


@needs_torch
@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_into_the_input_and_keeps_the_gradient(name, kwargs):
    a = _away_from_kinks((4, 3), seed=1)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = x * 1, tx * 1  # non-leaves may be modified in place
    y = getattr(F, name)(h, inplace=True, **kwargs)
    ty = getattr(_tf(), name)(th, inplace=True, **kwargs)
    assert y is h
    np.testing.assert_allclose(_np(h), _np(ty), rtol=1e-7)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-7, atol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        F.elu(ember.randn(3, requires_grad=True), inplace=True)


def test_trailing_underscore_forms():
    for fn, out_of_place, args in [
            (F.relu_, F.relu, ()), (F.elu_, F.elu, ()), (F.leaky_relu_, F.leaky_relu, (0.1,)),
            (F.hardtanh_, F.hardtanh, ()), (F.selu_, F.selu, ()), (F.celu_, F.celu, ()),
            (F.threshold_, F.threshold, (0.0, 5.0)), (F.rrelu_, F.rrelu, ())]:
        x = ember.tensor([-1.5, 0.5, 2.0])
        expected = out_of_place(x, *args).tolist()
        assert expected != x.tolist()
        assert fn(x, *args) is x and x.tolist() == expected


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "elu", "softsign", "tanhshrink"])
def test_double_backward_matches_gradgradcheck(name):
    x = ember.tensor(_away_from_kinks((6,), seed=2), requires_grad=True)
    assert ember.autograd.gradgradcheck(getattr(F, name), [x])


# ---------------------------------------------------------------- prelu, glu, softmax family
@pytest.mark.parametrize("shape,n", [((4, 3, 2), 3), ((4, 3, 2), 1), ((5,), 1), ((2, 3), 3)])
def test_prelu_matches_torch(shape, n):
    rng = np.random.default_rng(0)
    check_op(lambda x, w: F.prelu(x, w), lambda x, w: _tf().prelu(x, w),
             inputs=[_away_from_kinks(shape), rng.uniform(0.1, 0.5, size=(n,))])


def test_prelu_errors():
    with pytest.raises(RuntimeError, match=r"prelu: weight has 2 parameters but the input of shape "
                                           r"\(4, 3\) has 3 channels"):
        F.prelu(ember.ones(4, 3), ember.ones(2))
    with pytest.raises(RuntimeError, match=r"prelu: weight must be a scalar or 1-D"):
        F.prelu(ember.ones(4, 3), ember.ones(3, 1))


@needs_torch
def test_prelu_module_learns_its_slope():
    layer, t_layer = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert _np(layer.weight).tolist() == pytest.approx([0.1] * 3)
    a = _away_from_kinks((5, 3, 4)).astype(np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x), t_layer(tx)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(_np(layer.weight.grad), _np(t_layer.weight.grad), rtol=1e-5)
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-5)
    assert repr(layer) == repr(t_layer) == "PReLU(num_parameters=3)"
    assert list(layer.state_dict()) == list(t_layer.state_dict())


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_glu_matches_torch(dim):
    check_op(lambda x: F.glu(x, dim), lambda x: _tf().glu(x, dim), shapes=[(4, 6)])


def test_glu_errors():
    with pytest.raises(RuntimeError, match=r"glu: dimension 1 of the input of shape \(2, 5\) has size "
                                           r"5, which must be even"):
        F.glu(ember.ones(2, 5), 1)
    with pytest.raises(RuntimeError, match=r"glu: a 0-d tensor can't be halved"):
        F.glu(ember.tensor(1.0))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_matches_torch(name, dim):
    check_op(lambda x: getattr(F, name)(x, dim), lambda x: getattr(_tf(), name)(x, dim),
             shapes=[(3, 4, 2)])


@needs_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_implicit_dim_warns_and_picks_torchs_dim(name, shape):
    a = np.random.default_rng(0).standard_normal(shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        y = getattr(F, name)(ember.tensor(a))
    with pytest.warns(UserWarning):
        ty = getattr(_tf(), name)(torch.tensor(a))
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-7, atol=1e-12)


def test_softmax_dtype_argument():
    y = F.softmax(ember.tensor([1.0, 2.0]), dim=0, dtype=ember.float64)
    assert y.dtype == ember.float64


def test_softmax_of_extreme_logits_is_finite():
    x = ember.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    y = F.log_softmax(x, dim=1)
    y[0, 1].backward()
    assert np.isfinite(_np(y)).all() and np.isfinite(_np(x.grad)).all()


def test_float_activations_refuse_integer_input():
    with pytest.raises(TypeError, match=r"gelu: expected a floating point tensor, got ember.int64 "
                                        r"\(shape \(2,\)\); convert it with .float\(\) first"):
        F.gelu(ember.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"elu: expected a Tensor, got list"):
        F.elu([1.0])
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(ember.ones(2), approximate="fast")
    with pytest.raises(ValueError, match=r"celu: alpha must not be 0"):
        F.celu(ember.ones(2), alpha=0.0)


# ---------------------------------------------------------------- modules
MODULES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("ELU", (), {}),
    ("ELU", (), {"alpha": 0.5, "inplace": True}), ("SELU", (), {}), ("SELU", (True,), {}),
    ("CELU", (2.0,), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}),
    ("SiLU", (True,), {}), ("Mish", (), {}), ("Mish", (True,), {}), ("Sigmoid", (), {}),
    ("Tanh", (), {}), ("Softplus", (), {}), ("Softplus", (2, 10), {}), ("Softsign", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0, True), {}), ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}), ("LogSigmoid", (), {}), ("Softmax", (), {"dim": 1}),
    ("LogSoftmax", (1,), {}), ("Softmin", (-1,), {}), ("GLU", (), {}), ("GLU", (0,), {}),
    ("Threshold", (0.1, 20.0), {}), ("Threshold", (0.1, 20.0, True), {}), ("Hardshrink", (), {}),
    ("Hardshrink", (1.0,), {}), ("Softshrink", (), {}), ("Softshrink", (2,), {}),
    ("Softshrink", (), {"lambd": 0.25}), ("Tanhshrink", (), {}),
]


@needs_torch
@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[f"{m[0]}{m[1]}{m[2]}" for m in MODULES])
def test_modules_match_torch_in_values_gradients_and_repr(name, args, kwargs):
    layer, t_layer = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(layer) == repr(t_layer)
    a = _away_from_kinks((4, 6), seed=3)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for mode in (True, False):
        layer.train(mode)
        t_layer.train(mode)
        y, ty = layer(x * 1), t_layer(tx * 1)
        np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6, atol=1e-7)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-6, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("args,kwargs", [((), {}), ((0.1, 0.3, True), {}), ((), {"lower": 0.2}),
                                         ((), {"upper": 0.5, "inplace": False})])
def test_rrelu_module_repr_and_eval_mode_match_torch(args, kwargs):
    layer, t_layer = nn.RReLU(*args, **kwargs).eval(), torch.nn.RReLU(*args, **kwargs).eval()
    assert repr(layer) == repr(t_layer)
    a = _away_from_kinks((4, 6), seed=3)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = layer(x * 1), t_layer(tx * 1)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-7)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-7)


def _rrelu_input(dtype):
    a = np.random.default_rng(4).uniform(-3, 3, size=(50, 40)).astype(dtype)
    a[0, :5] = 0.0  # x <= 0 draws a slope, as in PyTorch: the gradient at 0 is the drawn one
    return a


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (0.2, 0.9), (-0.5, 0.5), (0.3, 0.3)])
def test_rrelu_training_draws_one_slope_per_negative_element(dtype, lower, upper):
    a = _rrelu_input(dtype)
    x = ember.tensor(a, requires_grad=True)
    y = F.rrelu(x, lower, upper, training=True)
    assert y.dtype == x.dtype and y.shape == x.shape
    y.sum().backward()
    slope, yv = _np(x.grad), _np(y)
    negative, positive, nonzero = a < 0, a > 0, a != 0
    # the gradient is the slope that was used: y = slope * x where x <= 0, and y = x elsewhere
    slack = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(yv[nonzero] / a[nonzero], slope[nonzero], rtol=slack)
    assert yv[positive].tolist() == a[positive].tolist() and (slope[positive] == 1).all()
    drawn = slope[~positive]
    assert drawn.min() >= np.asarray(lower, dtype) - slack
    assert drawn.max() <= np.asarray(upper, dtype) + slack
    assert (yv[a == 0] == 0).all()
    if upper - lower > 0.1:  # the slopes are drawn per element, spread over [lower, upper]
        assert len(np.unique(drawn)) > 0.9 * drawn.size
        assert drawn.min() < lower + 0.1 * (upper - lower) < upper - 0.1 * (upper - lower) < drawn.max()
    assert negative.sum() > 100


def test_rrelu_training_is_reproducible_under_manual_seed():
    a = _rrelu_input("float32")
    ember.manual_seed(7)
    first = _np(F.rrelu(ember.tensor(a), training=True))
    second = _np(F.rrelu(ember.tensor(a), training=True))
    ember.manual_seed(7)
    again = _np(F.rrelu(ember.tensor(a), training=True))
    assert first.tolist() == again.tolist()
    assert first.tolist() != second.tolist()


def test_rrelu_module_draws_in_training_and_averages_in_eval():
    a = _rrelu_input("float64")
    negative = a < 0
    layer = nn.RReLU(0.1, 0.5)
    ratios = _np(layer(ember.tensor(a)))[negative] / a[negative]
    assert 0.1 <= ratios.min() < 0.15 and 0.45 < ratios.max() <= 0.5
    layer.eval()
    np.testing.assert_allclose(_np(layer(ember.tensor(a)))[negative] / a[negative], 0.3, rtol=1e-12)


def test_rrelu_training_in_place_and_double_backward():
    a = _rrelu_input("float64")
    x = ember.tensor(a, requires_grad=True)
    h = x * 1
    y = F.rrelu(h, 0.1, 0.3, training=True, inplace=True)
    assert y is h
    (y * y).sum().backward()
    nonzero = a != 0
    slope = _np(y)[nonzero] / a[nonzero]
    np.testing.assert_allclose(_np(x.grad)[nonzero], 2 * slope * slope * a[nonzero], rtol=1e-12)

    def seeded(t):  # the same draw on every call, so that finite differences see one function
        ember.manual_seed(3)
        return F.rrelu(t, 0.1, 0.3, training=True)
    t = ember.tensor(_away_from_kinks((3, 4), seed=5), requires_grad=True)
    assert ember.autograd.gradcheck(seeded, [t]) and ember.autograd.gradgradcheck(seeded, [t])


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5), (1, 1, 2, 2)])
def test_softmax2d_matches_torch(shape):
    check_op(lambda x: nn.Softmax2d()(x), lambda x: torch.nn.Softmax2d()(x), shapes=[shape])


@needs_torch
def test_softmax2d_repr_matches_torch():
    assert repr(nn.Softmax2d()) == repr(torch.nn.Softmax2d()) == "Softmax2d()"


@needs_torch
def test_shrink_nan_passes_forward_with_a_zero_gradient():
    a = np.full(64, np.nan)  # 64: every element goes through PyTorch's vectorised loop
    for name in ("hardshrink", "softshrink"):
        x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = getattr(F, name)(x), getattr(_tf(), name)(tx)
        y.sum().backward()
        ty.sum().backward()
        assert np.isnan(_np(y)).all() and np.isnan(_np(ty)).all()
        assert _np(x.grad).tolist() == _np(tx.grad).tolist() == [0.0] * 64


def test_shrink_rrelu_and_softmax2d_errors():
    with pytest.raises(RuntimeError, match=r"softshrink: lambd must be in \[0, 3.40\d+e\+38\] "
                                           r"\(non-negative and finite in the input's dtype, "
                                           r"ember.float32\), got -0.5; it is the half-width of "
                                           r"the dead zone \[-lambd, lambd\]"):
        F.softshrink(ember.ones(3), -0.5)
    with pytest.raises(RuntimeError, match=r"softshrink: lambd must be in \[0, 1.79\d+e\+308\] .*"
                                           r"ember.float64\), got nan"):
        nn.Softshrink(float("nan"))(ember.ones(3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"softshrink: lambd must be .* got 1e\+39"):
        F.softshrink(ember.ones(3), 1e39)
    for training in (False, True):
        with pytest.raises(RuntimeError, match=r"rrelu: lower \(0.5\) must be less than or equal "
                                               r"to upper \(0.1\); the negative slopes are drawn "
                                               r"from \[lower, upper\]"):
            F.rrelu(ember.ones(3), 0.5, 0.1, training=training)
    with pytest.raises(RuntimeError, match=r"rrelu: lower \(0.5\) must be less"):
        nn.RReLU(0.5, 0.1)(ember.ones(3))
    for shape in [(2, 3), (1, 2, 3, 4, 5)]:
        message = (f"Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                   f"{len(shape)}-D input of shape {shape}; use Softmax(dim=...) for other shapes")
        with pytest.raises(ValueError, match=re.escape(message)):
            nn.Softmax2d()(ember.ones(*shape))
    with pytest.raises(TypeError, match=r"hardshrink: expected a floating point tensor"):
        F.hardshrink(ember.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"rrelu: expected a Tensor, got list"):
        F.rrelu([1.0], training=True)


def test_hardtanh_module_validates_its_range():
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(-1.0\) must be greater than min_val "
                                         r"\(1.0\)"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match=r"GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")


def test_activation_modules_have_no_parameters_except_prelu():
    assert list(nn.ReLU().parameters()) == []
    assert [n for n, _ in nn.PReLU().named_parameters()] == ["weight"]


def test_docstring_examples():
    for name in ("ember.nn.functional.activation", "ember.nn.modules.activation"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
