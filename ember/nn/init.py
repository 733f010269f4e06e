"""``ember.nn.init``: weight initialisation, as ``torch.nn.init``.

Every function fills its tensor in place, without recording a graph (so it works on parameters
that require grad), and returns it. Random draws come from ember's seeded generator
(``ember.manual_seed``) or from the ``generator=`` given, so initialisation is reproducible.

>>> w = ember.empty(256, 784)
>>> ember.nn.init.kaiming_normal_(w, nonlinearity="relu").shape
(256, 784)

Fans follow PyTorch: for a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)``
and ``fan_out = out * prod(kernel)``. Beyond PyTorch, ``lecun_uniform_`` and ``lecun_normal_``
give LeCun's initialisation (variance ``1 / fan_in``).
"""

import math
import warnings

import numpy as np

from ember.autograd import grad_mode
from ember.backend import random as _random
from ember.tensor.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "lecun_uniform_", "lecun_normal_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")
_NONLINEARITIES = _LINEAR_FNS + ("sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity`` (an ``F`` function name), as PyTorch's table.

    Args:
        nonlinearity: ``'linear'``, ``'conv1d'`` ... ``'conv_transpose3d'``, ``'sigmoid'`` (1),
            ``'tanh'`` (5/3), ``'relu'`` (sqrt 2), ``'leaky_relu'`` (sqrt(2 / (1 + slope^2))) or
            ``'selu'`` (3/4).
        param: the negative slope of ``leaky_relu`` (0.01 when None).

    >>> round(ember.nn.init.calculate_gain("leaky_relu", 0.2), 4)
    1.3868
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number; pass "
                             "the leaky_relu slope as an int or float (e.g. 0.01)")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4  # found empirically (pytorch/pytorch#50664)
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     f"{', '.join(_NONLINEARITIES)}")


def _check_tensor(tensor, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{fn}: expected an ember Tensor (e.g. layer.weight), got "
                        f"{type(tensor).__name__}")


def _write(tensor, array):
    """Copy a NumPy ``array`` into ``tensor`` (cast, moved to its device) outside the graph."""
    with grad_mode.no_grad():
        tensor.copy_(array)
    return tensor


def _calculate_fan_in_and_fan_out(tensor, fn="_calculate_fan_in_and_fan_out"):
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    if tensor.ndim < 2:
        raise ValueError(f"init.{fn}: fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions (got shape {tuple(tensor.shape)}); initialise 1-d "
                         "tensors such as biases with uniform_, normal_ or zeros_")
    receptive_field_size = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field_size, tensor.shape[0] * receptive_field_size


def _calculate_correct_fan(tensor, mode, fn):
    modes = ("fan_in", "fan_out")
    if not isinstance(mode, str) or mode.lower() not in modes:
        raise ValueError(f"init.{fn}: mode {mode!r} not supported; use 'fan_in' (preserves the "
                         "variance of the forward pass) or 'fan_out' (of the backward pass)")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, fn)
    return fan_in if mode.lower() == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill ``tensor`` with draws from U(a, b).

    >>> w = ember.nn.init.uniform_(ember.empty(3, 5), -0.1, 0.1)
    >>> bool((w.abs() <= 0.1).all())
    True
    """
    _check_tensor(tensor, "uniform_")
    with grad_mode.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill ``tensor`` with draws from N(mean, std^2).

    >>> ember.nn.init.normal_(ember.empty(3, 5), std=0.02).shape
    (3, 5)
    """
    _check_tensor(tensor, "normal_")
    with grad_mode.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill ``tensor`` with draws from N(mean, std^2) truncated to [a, b] (note: a and b are
    values, not multiples of std).

    PyTorch's sampler: when most of the normal lies in [a, b], out-of-range draws are redrawn;
    otherwise draws are uniform on [a, b], accepted with probability pdf(x) / max pdf.

    >>> w = ember.nn.init.trunc_normal_(ember.empty(100), std=0.02, a=-0.04, b=0.04)
    >>> bool((w.abs() <= 0.04).all())
    True
    """
    _check_tensor(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"init.trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    if not std > 0:
        raise ValueError(f"init.trunc_normal_: std must be positive, got {std}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("init.trunc_normal_: mean is more than 2 std from [a, b]; the distribution "
                      "of values may be incorrect", stacklevel=2)
    rng = _random.numpy_generator(generator)
    n = tensor.numel()
    p = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std)  # mass inside [a, b]
    if p > 0.3:
        out = rng.normal(mean, std, n)
        while True:
            bad = np.flatnonzero((out < a) | (out > b))
            if not bad.size:
                break
            out[bad] = rng.normal(mean, std, bad.size)
    else:
        log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
        out = np.empty(n)
        pending = np.arange(n)
        while pending.size:
            x = rng.uniform(a, b, pending.size)
            accepted = np.log(rng.random(pending.size)) <= -0.5 * ((x - mean) / std) ** 2 - log_peak
            out[pending[accepted]] = x[accepted]
            pending = pending[~accepted]
    return _write(tensor, out.reshape(tensor.shape))


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def constant_(tensor, val):
    """Fill ``tensor`` with ``val``.

    >>> ember.nn.init.constant_(ember.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    _check_tensor(tensor, "constant_")
    with grad_mode.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    _check_tensor(tensor, "ones_")
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    _check_tensor(tensor, "zeros_")
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill the 2-d ``tensor`` with the identity matrix (ones on the diagonal of a rectangle).

    >>> ember.nn.init.eye_(ember.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _check_tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"init.eye_: only 2-d tensors are supported, got shape {tuple(tensor.shape)}")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a convolution weight ``(out, in, *kernel)`` with the Dirac delta: the convolution
    then copies its input channels (in each of ``groups`` groups), keeping as many as it can.

    Args:
        tensor: a 3-, 4- or 5-d weight (for conv1d, conv2d, conv3d).
        groups: the convolution's groups; ``out`` must be divisible by it.

    >>> w = ember.nn.init.dirac_(ember.empty(2, 2, 3))
    >>> w[1].tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    _check_tensor(tensor, "dirac_")
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"init.dirac_: only 3-, 4- or 5-d convolution weights are supported, got "
                         f"shape {shape}")
    if shape[0] % groups != 0:
        raise ValueError(f"init.dirac_: dim 0 (out channels, {shape[0]}) must be divisible by "
                         f"groups={groups}")
    out_per_group = shape[0] // groups
    centre = tuple(k // 2 for k in shape[2:])
    array = np.zeros(shape)
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            array[(g * out_per_group + d, d) + centre] = 1
    return _write(tensor, array)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): U(-bound, bound), ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> w = ember.nn.init.xavier_uniform_(ember.empty(20, 30))
    >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
    True
    """
    _check_tensor(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_uniform_")
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot & Bengio (2010): N(0, std^2), ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> ember.nn.init.xavier_normal_(ember.empty(20, 30)).shape
    (20, 30)
    """
    _check_tensor(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity, fn):
    _check_tensor(tensor, fn)
    if 0 in tensor.shape:
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode, fn))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): U(-bound, bound), ``bound = gain * sqrt(3 / fan)``.

    Args:
        tensor: a weight with at least 2 dims.
        a: the negative slope of the rectifier after this layer (used by ``'leaky_relu'``).
        mode: ``'fan_in'`` keeps the variance of activations, ``'fan_out'`` of gradients.
        nonlinearity: the ``F`` name of the nonlinearity (see ``calculate_gain``).
        generator: an ``ember.Generator`` to draw from instead of the default one.

    >>> w = ember.nn.init.kaiming_uniform_(ember.empty(64, 32), nonlinearity="relu")
    >>> bool((w.abs() <= (6 / 32) ** 0.5).all())
    True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if std is None:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): N(0, std^2), ``std = gain / sqrt(fan)``; arguments as ``kaiming_uniform_``.

    >>> ember.nn.init.kaiming_normal_(ember.empty(64, 32), mode="fan_out").shape
    (64, 32)
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if std is None:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, std, generator)


def lecun_uniform_(tensor, generator=None):
    """LeCun et al. (1998): U(-bound, bound), ``bound = sqrt(3 / fan_in)``, so variance 1 / fan_in.

    Not in PyTorch; the same as Keras' ``LecunUniform``.

    >>> w = ember.nn.init.lecun_uniform_(ember.empty(10, 12))
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    _check_tensor(tensor, "lecun_uniform_")
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor, "lecun_uniform_")
    bound = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, generator)


def lecun_normal_(tensor, generator=None):
    """LeCun et al. (1998): N(0, 1 / fan_in), the initialisation SELU networks need.

    Not in PyTorch. Unlike Keras' ``LecunNormal`` (a normal truncated at 2 std and rescaled) this
    is the plain, untruncated normal.

    >>> ember.nn.init.lecun_normal_(ember.empty(10, 12)).shape
    (10, 12)
    """
    _check_tensor(tensor, "lecun_normal_")
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor, "lecun_normal_")
    return normal_(tensor, 0.0, math.sqrt(1.0 / fan_in), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Saxe et al. (2013): a (semi-)orthogonal matrix times ``gain``.

    The tensor is seen as a matrix of ``rows = size(0)`` and ``cols = numel / rows`` (a conv
    weight's trailing dims are flattened); its rows (if rows <= cols) or columns are orthonormal.
    It is the Q of the QR factorisation of a Gaussian matrix, with the signs of R's diagonal
    moved into Q so that Q is uniformly distributed (Mezzadri 2007).

    >>> w = ember.nn.init.orthogonal_(ember.empty(3, 5))
    >>> bool(((w @ w.T) - ember.eye(3)).abs().max() < 1e-5)
    True
    """
    _check_tensor(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"init.orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = _random.numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Martens (2010): N(0, std^2) with a fraction ``sparsity`` of each column set to zero.

    Args:
        tensor: a 2-d tensor.
        sparsity: the fraction of each column's elements to zero, in [0, 1]
            (``ceil(sparsity * rows)`` of them, at random rows).
        std: the standard deviation of the non-zero elements.

    >>> w = ember.nn.init.sparse_(ember.empty(10, 4), sparsity=0.3)
    >>> (w == 0).sum(0).tolist()
    [3, 3, 3, 3]
    """
    _check_tensor(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"init.sparse_: only 2-d tensors are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"init.sparse_: sparsity is the fraction of zeros per column and must be "
                         f"in [0, 1], got {sparsity}")
    rows, cols = tensor.shape
    rng = _random.numpy_generator(generator)
    array = rng.normal(0.0, std, (rows, cols))
    # a random permutation of the rows for every column; its first entries are zeroed
    zero_rows = np.argsort(rng.random((rows, cols)), axis=0)[:math.ceil(sparsity * rows)]
    array[zero_rows, np.arange(cols)] = 0
    return _write(tensor, array)
