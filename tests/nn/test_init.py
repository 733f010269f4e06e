import doctest
import math

import numpy as np
import pytest

import ember
from ember.nn import init
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="the reference needs torch")


def values(t):
    return t.numpy(force=True).astype(np.float64)


# ---- gains and fans ----
GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
              ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
              ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
              ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", 0.0),
              ("relu", 0.5)]


@needs_torch
@pytest.mark.parametrize("nonlinearity,param", GAIN_CASES)
def test_calculate_gain_matches_torch(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_table():
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))


@pytest.mark.parametrize("nonlinearity,param,message", [
    ("swish", None, "unsupported nonlinearity 'swish'; use one of linear"),
    ("leaky_relu", True, "negative_slope True is not a valid number"),
    ("leaky_relu", "0.1", "negative_slope '0.1' is not a valid number"),
])
def test_calculate_gain_errors(nonlinearity, param, message):
    with pytest.raises(ValueError, match=message):
        init.calculate_gain(nonlinearity, param)


@needs_torch
@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (16, 3, 3, 3), (2, 3, 4, 5, 6), (7, 0)])
def test_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == expected


@pytest.mark.parametrize("fn", [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
                                init.kaiming_normal_, init.lecun_uniform_, init.lecun_normal_])
def test_fans_need_two_dims(fn):
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(5,\)\); initialise "
                                         "1-d tensors such as biases"):
        fn(ember.empty(5))


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_mode_is_checked(fn):
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported; use 'fan_in'"):
        fn(ember.empty(3, 4), mode="fan_avg")
    assert fn(ember.empty(3, 4), mode="FAN_OUT").shape == (3, 4)  # case-insensitive, as PyTorch


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_on_zero_elements_warns_and_does_nothing(fn):
    w = ember.empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        assert fn(w) is w


def test_non_tensors_are_refused():
    with pytest.raises(TypeError, match=r"init.xavier_uniform_: expected an ember Tensor \(e.g. "
                                        "layer.weight\\), got ndarray"):
        init.xavier_uniform_(np.zeros((3, 4)))


# ---- distributions ----
FAN_IN, FAN_OUT = 600, 1000  # a weight of shape (fan_out, fan_in)
GAIN_LEAKY = math.sqrt(2 / (1 + 0.2 ** 2))
DISTRIBUTIONS = [  # (function, kwargs, expected std, uniform bound or None)
    (init.uniform_, {"a": -0.3, "b": 0.3}, 0.3 / math.sqrt(3), 0.3),
    (init.normal_, {"std": 0.02}, 0.02, None),
    (init.xavier_uniform_, {}, math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (init.xavier_uniform_, {"gain": 2.0}, 2 * math.sqrt(2 / (FAN_IN + FAN_OUT)),
     2 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (init.xavier_normal_, {"gain": 5 / 3}, 5 / 3 * math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    (init.kaiming_uniform_, {"a": 0.2, "mode": "fan_out"}, GAIN_LEAKY / math.sqrt(FAN_OUT),
     GAIN_LEAKY * math.sqrt(3 / FAN_OUT)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / FAN_IN), None),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"}, 5 / 3 / math.sqrt(FAN_OUT),
     None),
    (init.lecun_uniform_, {}, math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    (init.lecun_normal_, {}, math.sqrt(1 / FAN_IN), None),
]


@pytest.mark.parametrize("fn,kwargs,std,bound", DISTRIBUTIONS)
def test_distribution_statistics(fn, kwargs, std, bound):
    w = fn(ember.empty(FAN_OUT, FAN_IN), **kwargs)
    x = values(w)
    assert x.std() == pytest.approx(std, rel=0.01)
    assert abs(x.mean()) < 0.01 * std
    if bound is not None:  # exactly the uniform bounds, reached at both ends
        assert x.min() >= -bound and x.max() <= bound
        assert x.min() < -0.999 * bound and x.max() > 0.999 * bound
    else:  # a normal: about 0.27% of the draws beyond 3 std
        assert 0.002 < np.mean(np.abs(x) > 3 * std) < 0.0035


@needs_torch
@pytest.mark.parametrize("name,kwargs", [
    ("xavier_uniform_", {}), ("xavier_normal_", {"gain": 0.5}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}), ("kaiming_normal_", {"mode": "fan_out"}),
    ("kaiming_normal_", {"nonlinearity": "selu"}),
])
def test_conv_weight_statistics_match_torch(name, kwargs):
    shape = (128, 64, 5, 5)  # fans include the receptive field
    ours = values(getattr(init, name)(ember.empty(*shape), **kwargs))
    ref = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs).numpy()
    assert ours.std() == pytest.approx(ref.std(), rel=0.01)
    if "uniform" in name:  # the same bounds
        assert np.abs(ours).max() == pytest.approx(np.abs(ref).max(), rel=1e-3)


def test_constant_ones_zeros_keep_dtype():
    w = ember.empty(2, 3, dtype=ember.float64)
    assert init.constant_(w, 0.25) is w
    assert w.dtype == ember.float64 and values(w).tolist() == [[0.25] * 3] * 2
    assert values(init.ones_(w)).sum() == 6
    assert values(init.zeros_(w)).sum() == 0


def test_parameters_are_filled_in_place_and_stay_leaves():
    p = ember.nn.Parameter(ember.zeros(4, 5))
    version = p._version_number
    for fn in (init.xavier_uniform_, init.orthogonal_, init.trunc_normal_, init.eye_, init.sparse_):
        args = (0.5,) if fn is init.sparse_ else ()
        assert fn(p, *args) is p
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p._version_number > version  # saved copies of p notice the change
    assert ember.is_grad_enabled()


def test_manual_seed_makes_initialisation_reproducible():
    def draw():
        return [values(fn(ember.empty(6, 4))) for fn in (init.kaiming_uniform_, init.xavier_normal_,
                                                         init.orthogonal_, init.trunc_normal_,
                                                         lambda t: init.sparse_(t, 0.5))]
    ember.manual_seed(7)
    first = draw()
    ember.manual_seed(7)
    again = draw()
    ember.manual_seed(8)
    other = draw()
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


@pytest.mark.parametrize("fn", [init.uniform_, init.normal_, init.trunc_normal_, init.xavier_uniform_,
                                init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_,
                                init.lecun_uniform_, init.lecun_normal_, init.orthogonal_,
                                lambda t, generator: init.sparse_(t, 0.5, generator=generator)])
def test_generator_argument(fn):
    def draw(seed):
        return values(fn(ember.empty(5, 4), generator=ember.Generator().manual_seed(seed)))
    ember.manual_seed(0)
    state = ember.random.get_rng_state().numpy()
    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))
    np.testing.assert_array_equal(ember.random.get_rng_state().numpy(), state)  # default untouched


# ---- trunc_normal_ ----
def truncated_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    z = (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2))) / 2
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [
    (0.0, 1.0, -2.0, 2.0),      # most mass inside: redraws
    (0.0, 0.02, -0.04, 0.04),   # the ViT initialisation
    (0.0, 1.0, 1.0, 3.0),       # a tail: uniform proposals, accepted by the density
    (0.5, 2.0, -0.1, 0.1),      # narrow interval
])
def test_trunc_normal_bounds_and_moments(mean, std, a, b):
    x = values(init.trunc_normal_(ember.empty(400, 500), mean, std, a, b))
    assert x.min() >= a and x.max() <= b
    expected_mean, expected_std = truncated_moments(mean, std, a, b)
    assert x.mean() == pytest.approx(expected_mean, abs=0.01 * expected_std)
    assert x.std() == pytest.approx(expected_std, rel=0.01)


def test_trunc_normal_far_from_mean_warns_as_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        x = values(init.trunc_normal_(ember.empty(1000), mean=10.0, std=1.0, a=-1.0, b=1.0))
    assert x.min() >= -1 and x.max() <= 1
    assert np.mean(x > 0.5) > 0.9  # crowded against the bound nearest the mean


def test_trunc_normal_argument_errors():
    with pytest.raises(ValueError, match="the bounds must satisfy a < b, got a=2.0, b=-2.0"):
        init.trunc_normal_(ember.empty(3), a=2.0, b=-2.0)
    with pytest.raises(ValueError, match="std must be positive, got 0.0"):
        init.trunc_normal_(ember.empty(3), std=0.0)


# ---- orthogonal_ ----
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (64, 64), (16, 3, 3, 3), (64, 3, 3, 3), (4, 2, 7)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, gain):
    w = values(init.orthogonal_(ember.empty(*shape), gain=gain)).reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_signs_are_uniform():
    # the sign correction makes Q uniformly distributed; without it a 1x1 Q would always be +1
    signs = [values(init.orthogonal_(ember.empty(1, 1))).item() for _ in range(200)]
    assert set(signs) == {-1.0, 1.0}
    assert 60 < signs.count(1.0) < 140


def test_orthogonal_errors_and_empty():
    with pytest.raises(ValueError, match=r"only tensors with 2 or more dimensions are supported, got "
                                         r"shape \(4,\)"):
        init.orthogonal_(ember.empty(4))
    w = ember.empty(0, 3)
    assert init.orthogonal_(w) is w


# ---- eye_, dirac_, sparse_ ----
def test_eye():
    np.testing.assert_array_equal(values(init.eye_(ember.full((3, 5), 7.0))), np.eye(3, 5))
    with pytest.raises(ValueError, match=r"only 2-d tensors are supported, got shape \(2, 2, 2\)"):
        init.eye_(ember.empty(2, 2, 2))


def conv_nd(x, w, groups=1):
    """Reference convolution (stride 1, 'same' padding for odd kernels) in NumPy."""
    k = w.shape[2:]
    pad = [(0, 0), (0, 0)] + [(s // 2, s // 2) for s in k]
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad), k, axis=tuple(range(2, x.ndim)))
    spatial = "hwd"[:len(k)]
    kernel = "ijk"[:len(k)]
    cin, cout = x.shape[1] // groups, w.shape[0] // groups
    return np.concatenate([
        np.einsum(f"nc{spatial}{kernel},oc{kernel}->no{spatial}", windows[:, g * cin:(g + 1) * cin],
                  w[g * cout:(g + 1) * cout]) for g in range(groups)], axis=1)


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 6, 3, 5), 1), ((4, 2, 3, 3), 2),
                                          ((3, 3, 3, 3, 3), 1), ((6, 2, 1, 1), 3)])
def test_dirac_makes_the_convolution_an_identity(shape, groups):
    w = values(init.dirac_(ember.empty(*shape), groups=groups))
    x = np.random.default_rng(0).standard_normal((2, shape[1] * groups) + (6,) * (len(shape) - 2))
    np.testing.assert_allclose(conv_nd(x, w, groups), x, atol=1e-12)


@pytest.mark.parametrize("conv,shape,groups,padding", [
    ("conv2d", (4, 4, 3, 3), 1, 1), ("conv2d", (4, 2, 3, 3), 2, 1), ("conv1d", (3, 3, 5), 1, 2)])
def test_dirac_makes_ember_convolutions_identities(conv, shape, groups, padding):
    F = ember.nn.functional
    w = init.dirac_(ember.empty(*shape), groups=groups)
    x = ember.randn(2, shape[1] * groups, *(7,) * (len(shape) - 2))
    np.testing.assert_allclose(getattr(F, conv)(x, w, padding=padding, groups=groups).numpy(),
                               x.numpy(), atol=1e-6)


@needs_torch
def test_dirac_matches_torch_with_more_outputs_than_inputs():
    w = values(init.dirac_(ember.empty(6, 4, 3, 3), groups=2))
    np.testing.assert_array_equal(w, torch.nn.init.dirac_(torch.empty(6, 4, 3, 3), groups=2).numpy())


def test_dirac_errors():
    with pytest.raises(ValueError, match=r"only 3-, 4- or 5-d convolution weights are supported, got "
                                         r"shape \(3, 3\)"):
        init.dirac_(ember.empty(3, 3))
    with pytest.raises(ValueError, match=r"dim 0 \(out channels, 5\) must be divisible by groups=2"):
        init.dirac_(ember.empty(5, 2, 3), groups=2)


def test_sparse():
    x = values(init.sparse_(ember.empty(200, 300), sparsity=0.25, std=0.5))
    np.testing.assert_array_equal((x == 0).sum(axis=0), np.full(300, 50))
    assert x[x != 0].std() == pytest.approx(0.5, rel=0.02)
    assert len({tuple(np.flatnonzero(c == 0)) for c in x.T}) > 250  # zeros at random rows
    with pytest.raises(ValueError, match=r"only 2-d tensors are supported, got shape \(2, 2, 2\)"):
        init.sparse_(ember.empty(2, 2, 2), 0.1)
    with pytest.raises(ValueError, match="sparsity is the fraction of zeros per column and must be in "
                                         r"\[0, 1\], got 1.5"):
        init.sparse_(ember.empty(4, 4), 1.5)


def test_docstring_examples():
    result = doctest.testmod(init, extraglobs={"ember": ember})
    assert result.attempted > 10 and result.failed == 0
