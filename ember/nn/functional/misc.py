"""Shape and geometry helpers of ``F``: pad, interpolate (resize), normalize,
cosine_similarity and pairwise_distance.

Non-constant padding and resizing are gathers along one dimension at a time
(``index_select`` with index arrays computed once on the CPU), so their gradients, scatter-adds
of the output gradient, come from ember.ops and are differentiable again.
"""

import math

import numpy as np

from ember import ops
from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.backend.devices import device_of, to_device_array
from ember.ops._util import normalize_dim, shape_str
from ember.tensor.tensor import Tensor

__all__ = ["pad", "interpolate", "normalize", "cosine_similarity", "pairwise_distance"]

_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}; make one with "
                        "ember.tensor(data)")
    return x


def _index(array, like):
    """An int64 index tensor on ``like``'s device."""
    if not isinstance(like._data, np.ndarray):
        array = to_device_array(array, device_of(like._data))
    return Tensor._make(array, False, None, 0)


# ---------------------------------------------------------------- pad
class ConstantPad(Primitive):
    """``x`` placed inside an array filled with ``value``; ``widths`` are non-negative
    ``(before, after)`` pairs, one per dimension."""

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = array_module(x)
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, widths))
        ctx.inside = tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, widths))
        out = xp.full(shape, value, dtype=x.dtype)
        out[ctx.inside] = x
        return out

    @staticmethod
    def backward(ctx, gy):
        return ops.getitem(gy, ctx.inside), None, None


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative amounts in constant mode, crop) the last dimensions.

    Args:
        input: any shape; reflect/replicate/circular pad the last 1, 2 or 3 dimensions of an
            input with 1 or 2 more dimensions (e.g. ``(N, C, H, W)`` with 4 amounts).
        pad: ``(left, right)`` for the last dimension, then ``(top, bottom)`` for the one
            before, and so on (PyTorch's order).
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'`` (mirror without
            repeating the edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around).

    >>> F.pad(ember.tensor([[1.0, 2.0]]), (1, 2)).tolist()
    [[0.0, 1.0, 2.0, 0.0, 0.0]]
    >>> F.pad(ember.tensor([[1.0, 2.0, 3.0]]), (2, 0), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0]]
    """
    _tensor("pad", input)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise ValueError(f"pad: the padding {pad} must have an even length: (before, after) "
                         "pairs, last dimension first")
    n_dims = len(pad) // 2
    if n_dims > input.ndim:
        raise ValueError(f"pad: the padding {pad} covers {n_dims} dimensions but the input of "
                         f"shape {shape_str(input.shape)} has only {input.ndim}")
    # ((before, after), dim) for the padded dims, the last dimension first
    pairs = [((pad[2 * i], pad[2 * i + 1]), input.ndim - 1 - i) for i in range(n_dims)]
    if mode == "constant":
        return _constant_pad(input, pairs, 0.0 if value is None else value)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} doesn't take a fill value (got value={value}); "
                         "value is for mode='constant'")
    if n_dims not in (1, 2, 3) or input.ndim not in (n_dims + 1, n_dims + 2):
        raise ValueError(f"pad: mode {mode!r} with {len(pad)} padding amounts needs an input of "
                         f"{n_dims + 1} or {n_dims + 2} dimensions (e.g. (N, C, ...) with {n_dims} "
                         f"padded dims), got shape {shape_str(input.shape)}")
    out = input
    for (before, after), dim in pairs:
        size = input.shape[dim]
        if before < 0 or after < 0:
            raise ValueError(f"pad: negative padding {(before, after)} is only supported in "
                             f"constant mode, not {mode!r}")
        if mode == "reflect" and max(before, after) >= size:
            raise ValueError(f"pad: reflect padding {(before, after)} must be smaller than the size "
                             f"{size} of dimension {dim} of the input {shape_str(input.shape)}")
        if mode == "circular" and max(before, after) > size:
            raise ValueError(f"pad: circular padding {(before, after)} can't exceed the size "
                             f"{size} of dimension {dim} of the input {shape_str(input.shape)}")
        if mode == "replicate" and size == 0 and before + after:
            raise ValueError(f"pad: replicate padding needs a non-empty dimension {dim}, got "
                             f"shape {shape_str(input.shape)}")
        if before or after:
            index = np.pad(np.arange(size), (before, after), mode=_PAD_MODES[mode])
            out = ops.index_select(out, dim, _index(index, input))
    return out


def _constant_pad(input, pairs, value):
    crop = [slice(None)] * input.ndim
    widths = [(0, 0)] * input.ndim
    for (before, after), dim in pairs:
        size = input.shape[dim]
        if size + before + after < 0:
            raise ValueError(f"pad: padding {(before, after)} would give dimension {dim} (size "
                             f"{size}) of the input {shape_str(input.shape)} a negative size")
        crop[dim] = slice(max(-before, 0), size - max(-after, 0))
        widths[dim] = (max(before, 0), max(after, 0))
    out = input
    if any(s != slice(None) for s in crop):
        out = ops.getitem(out, tuple(crop))
    if any(b or a for b, a in widths):
        out = ConstantPad.apply(out, tuple(widths), value)
    return out


# ---------------------------------------------------------------- interpolate
def _nearest_source(in_size, out_size, scale, exact):
    """PyTorch's nearest source index of each output position (single-precision arithmetic,
    as its kernel)."""
    if out_size == in_size and not exact:
        return None
    ratio = np.float32(1.0 / scale if scale else in_size / out_size)
    dst = np.arange(out_size, dtype=np.float32)
    if exact:
        dst += np.float32(0.5)
    return np.minimum(np.floor(dst * ratio).astype(np.int64), in_size - 1)


def _linear_source(in_size, out_size, scale, align_corners, dtype):
    """Left and right source indices and the weight of the right one, per output position."""
    real = np.float64 if dtype == np.float64 else np.float32
    dst = np.arange(out_size, dtype=real)
    if align_corners:
        ratio = real((in_size - 1) / (out_size - 1)) if out_size > 1 else real(0)
        src = dst * ratio
    else:
        ratio = real(1.0 / scale) if scale else real(in_size / out_size)
        src = np.maximum((dst + real(0.5)) * ratio - real(0.5), real(0))
    left = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - left, 0, 1)
    right = np.where(left < in_size - 1, left + 1, left)
    return left, right, lam.astype(dtype)


def _cubic_source(in_size, out_size, scale, align_corners, dtype):
    """The four source indices (clamped to the edge) and weights of each output position:
    PyTorch's bicubic convolution (A = -0.75), from the unclamped source coordinate."""
    real = np.float64 if dtype == np.float64 else np.float32
    dst = np.arange(out_size, dtype=real)
    if align_corners:
        src = dst * (real((in_size - 1) / (out_size - 1)) if out_size > 1 else real(0))
    else:
        src = (dst + real(0.5)) * real(1.0 / scale if scale else in_size / out_size) - real(0.5)
    start = np.floor(src)
    t = src - start
    a = real(-0.75)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    start = start.astype(np.int64)
    taps = [np.clip(start - 1 + j, 0, in_size - 1) for j in range(4)]
    return taps, [w.astype(dtype) for w in weights]


def _antialias_weights(in_size, out_size, scale, align_corners, cubic, dtype):
    """PyTorch's antialiased resampling along one dimension as an ``(in, out)`` matrix: each
    output is an average of the inputs under a triangle (bilinear) or cubic (a = -0.5) filter,
    stretched by the downscaling factor so that every input contributes, with weights summing to 1."""
    if align_corners:
        ratio = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    else:
        ratio = 1.0 / scale if scale else in_size / out_size
    support = (2.0 if cubic else 1.0) * max(ratio, 1.0)
    stretch = 1.0 / ratio if ratio >= 1.0 else 1.0

    def kernel(x):
        x = np.abs(x)
        if not cubic:
            return np.maximum(1.0 - x, 0.0)
        a = -0.5
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))

    weights = np.zeros((in_size, out_size))
    for i in range(out_size):
        center = ratio * (i + 0.5)
        lo, hi = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in_size)
        w = kernel((np.arange(lo, hi) - center + 0.5) * stretch)
        weights[lo:hi, i] = w / w.sum() if w.sum() else w
    return weights.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dimensions of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)`` inputs.

    Args:
        size: the output's spatial size (an int or one per spatial dimension), or
        scale_factor: a multiplier per spatial dimension (output = floor(input * scale)).
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D inputs), ``'bilinear'``
            or ``'bicubic'`` (4-D inputs), ``'trilinear'`` (5-D inputs) or ``'area'`` (3-D and
            4-D inputs; each output the mean of its share of the input: adaptive average
            pooling).
        align_corners: for (bi)linear: map the corner pixels' centres onto each other (True) or
            the corners of the pixel grid (False, the default).
        antialias: for bilinear and bicubic: when shrinking, average every input pixel under the
            widened filter (as PyTorch and PIL do) instead of sampling a few.

    >>> F.interpolate(ember.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    op = "interpolate"
    _tensor(op, input)
    modes = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
    if mode not in modes:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(map(repr, modes))}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expects an input of shape (N, C, L), (N, C, H, W) or (N, C, D, H, W), "
                         f"got {shape_str(input.shape)}; add the batch and channel dimensions with "
                         "unsqueeze")
    n_spatial = input.ndim - 2
    ranks = {"linear": (3,), "bilinear": (4,), "bicubic": (4,), "trilinear": (5,), "area": (3, 4)}
    if input.ndim not in ranks.get(mode, (3, 4, 5)):
        want = {3: "3-D (N, C, L)", 4: "4-D (N, C, H, W)", 5: "5-D (N, C, D, H, W)"}
        raise ValueError(f"{op}: mode {mode!r} needs a {' or '.join(want[n] for n in ranks[mode])} "
                         f"input, got shape {shape_str(input.shape)}")
    if mode.startswith("nearest") or mode == "area":
        if align_corners is not None:
            raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                             f"linear, bilinear, bicubic and trilinear, not {mode!r}")
    elif align_corners is None:
        align_corners = False
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{op}: antialias=True works with modes 'bilinear' and 'bicubic', not {mode!r}")
    in_sizes = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    scales = [None] * n_spatial
    if size is not None:
        out_sizes = _per_dim(op, "size", size, n_spatial, input)
        out_sizes = [int(s) for s in out_sizes]
    else:
        factors = [float(f) for f in _per_dim(op, "scale_factor", scale_factor, n_spatial, input)]
        out_sizes = [int(math.floor(n * f)) for n, f in zip(in_sizes, factors)]
        if not recompute_scale_factor:
            scales = factors
    if min(out_sizes) <= 0 or min(in_sizes) <= 0:
        raise ValueError(f"{op}: input and output sizes must be positive, got input "
                         f"{shape_str(input.shape)} and output size {tuple(out_sizes)}")
    if mode == "area":  # each output is the mean of its share of the input, as in PyTorch
        from ember.nn.functional.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

        pool = adaptive_avg_pool1d if n_spatial == 1 else adaptive_avg_pool2d
        return pool(input, out_sizes[0] if n_spatial == 1 else tuple(out_sizes))
    out = input
    dtype = input._data.dtype
    for k in range(n_spatial):
        dim, n_in, n_out = 2 + k, in_sizes[k], out_sizes[k]
        if mode.startswith("nearest"):
            src = _nearest_source(n_in, n_out, scales[k], mode == "nearest-exact")
            if src is not None:
                out = ops.index_select(out, dim, _index(src, input))
            continue
        shape = (n_out,) + (1,) * (input.ndim - 1 - dim)
        if antialias:  # a weighted sum over the inputs: one matrix product along this dimension
            weights = _antialias_weights(n_in, n_out, scales[k], align_corners, mode == "bicubic", dtype)
            out = (out.transpose(dim, -1) @ _index(weights, input)).transpose(dim, -1)
            continue
        if mode == "bicubic":  # four taps per output, each an index_select times its weight
            taps, weights = _cubic_source(n_in, n_out, scales[k], align_corners, dtype)
            terms = [ops.index_select(out, dim, _index(tap, input)) * _index(w.reshape(shape), input)
                     for tap, w in zip(taps, weights)]
            out = terms[0] + terms[1] + terms[2] + terms[3]
            continue
        if n_in == n_out:
            continue
        left, right, lam = _linear_source(n_in, n_out, scales[k], align_corners, dtype)
        lam = _index(lam.reshape(shape), input)
        out = ops.index_select(out, dim, _index(left, input)) * (1 - lam) \
            + ops.index_select(out, dim, _index(right, input)) * lam
    return out


def _per_dim(op, name, value, n, input):
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{op}: {name}={tuple(value)} must give one value per spatial "
                             f"dimension of the input {shape_str(input.shape)} ({n})")
        return list(value)
    return [value] * n


# ---------------------------------------------------------------- norms and similarities
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``: unit vectors (zero vectors stay zero).

    >>> F.normalize(ember.tensor([[3.0, 4.0]], dtype=ember.float64)).tolist()
    [[0.6, 0.8]]
    """
    if out is not None:
        raise ValueError("normalize: out= is not supported; use the returned tensor")
    _tensor("normalize", input)
    denom = ops.clamp(ops.norm(input, p, dim, keepdim=True), min=eps)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    Each input is divided by its norm first, which keeps the result within [-1, 1].

    >>> F.cosine_similarity(ember.tensor([[1.0, 0.0]]), ember.tensor([[1.0, 1.0]])).tolist()
    [0.7071067690849304]
    """
    op = "cosine_similarity"
    _tensor(op, x1)
    _tensor(op, x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{op}: x1 of shape {shape_str(x1.shape)} and x2 of shape "
                         f"{shape_str(x2.shape)} don't broadcast") from None
    d = normalize_dim(dim, len(shape), op)
    if x1.shape != shape:
        x1 = ops.broadcast_to(x1, shape)
    if x2.shape != shape:
        x2 = ops.broadcast_to(x2, shape)
    # PyTorch clamps the norms outside the graph: the value is clamped, the gradient is that of
    # the plain norm (ember.ops.clamp would zero it below eps)
    n1 = ops.norm(x1, 2, d, keepdim=True)
    n2 = ops.norm(x2, 2, d, keepdim=True)
    xp = array_module(n1._data)
    n1 = n1 + Tensor._make(xp.maximum(n1._data, eps) - n1._data, False, None, 0)
    n2 = n2 + Tensor._make(xp.maximum(n2._data, eps) - n2._data, False, None, 0)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` along the last dimension (inputs broadcast).

    >>> F.pairwise_distance(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]]), eps=0).tolist()
    [5.0]
    """
    _tensor("pairwise_distance", x1)
    _tensor("pairwise_distance", x2)
    dim = max(x1.ndim, x2.ndim) - 1
    return ops.norm(x1 - x2 + eps, p, dim, keepdim=keepdim)
