"""Pooling: max_pool1d/2d/3d, max_unpool1d/2d/3d, avg_pool1d/2d/3d, lp_pool1d/2d/3d,
adaptive_avg_pool1d/2d/3d, adaptive_max_pool1d/2d/3d.

Windowed pooling runs over the kernel offsets (kH*kW, or kD*kH*kW; never over pixels): each
offset is one strided view of the (padded) input with the output's shape, so max pooling is one
``maximum`` call per offset after the first, and average pooling one add. The gradients run over
the same views: max pooling's backward compares each view with the saved output and routes the
gradient to the first maximal element of each window (row-major order, as PyTorch does on CPU),
without argmax or scatter; average pooling's backward adds ``gy / divisor`` into each view. Each
backward is itself a Primitive whose backward is the forward's adjoint, so gradients of every
order work.
"""

import itertools
import math

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import shape_str

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]


# ---- geometry --------------------------------------------------------------------------------
class _Geometry:
    """Where the windows of one 2-D or 3-D pooling lie: output size and the padding the views need."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "in_hw", "out_hw", "pad_after", "disjoint",
                 "blocks")

    def __init__(self, in_hw, kernel, stride, padding, dilation, out_hw):
        self.in_hw, self.kernel, self.stride = in_hw, kernel, stride
        self.padding, self.dilation, self.out_hw = padding, dilation, out_hw
        # Ceil mode may let the last window run past the padding; pad far enough for the views.
        self.pad_after = tuple(max(0, (o - 1) * s + d * (k - 1) + 1 - n - p) for o, s, d, k, n, p in zip(
            out_hw, stride, dilation, kernel, in_hw, padding))
        # Disjoint windows hold each element at most once. Windows that are blocks (kernel ==
        # stride, the common case) tile the top-left OH*kH x OW*kW corner: they hold each element
        # there exactly once, and none of the rows and columns beyond.
        self.disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
        self.blocks = kernel == stride and not any(d != 1 for d in dilation) and not any(padding) and \
            _windows_inside(out_hw, kernel, in_hw)

    @property
    def size(self):
        """The number of kernel offsets."""
        return math.prod(self.kernel)

    def padded(self, x, fill):
        """``x`` padded with ``fill`` where the windows need it, or ``x`` itself."""
        if not (any(self.padding) or any(self.pad_after)):
            return x
        out = array_module(x).full(self.padded_shape(*x.shape[:2]), fill, x.dtype)
        out[self._inside()] = x
        return out

    def _inside(self):
        """The index of the input within the padded input."""
        return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(self.padding, self.in_hw))

    def cropped(self, xp_):
        if xp_.shape[2:] == self.in_hw:
            return xp_
        return array_module(xp_).ascontiguousarray(xp_[self._inside()])

    def views(self, xp_):
        """One (N, C, *out_hw) strided view of the padded input per kernel offset, row-major."""
        spans = [(d, s, s * (o - 1) + 1) for s, d, o in zip(self.stride, self.dilation, self.out_hw)]
        for offset in itertools.product(*map(range, self.kernel)):
            yield xp_[(slice(None), slice(None)) + tuple(
                slice(a * d, a * d + span, s) for a, (d, s, span) in zip(offset, spans))]

    def padded_shape(self, n, c):
        return (n, c) + tuple(s + p + q for s, p, q in zip(self.in_hw, self.padding, self.pad_after))

    def gradient_buffer(self, n, c, dtype, like):
        """A buffer for the padded input's gradient, zero wherever no window writes."""
        xp = array_module(like)
        if not self.blocks:
            return xp.zeros(self.padded_shape(n, c), dtype)
        out = xp.empty(self.padded_shape(n, c), dtype)
        covered = [slice(None, o * k) for o, k in zip(self.out_hw, self.kernel)]
        for i, edge in enumerate(covered):  # the rows, columns (and planes) that no window covers
            out[(slice(None), slice(None), *covered[:i], slice(edge.stop, None))] = 0
        return out


def _windows_inside(out_hw, kernel, in_hw):
    """Whether every window lies inside the input (no ceil_mode window past its edge)."""
    return all(o * k <= n for o, k, n in zip(out_hw, kernel, in_hw))


def _out_size(op, size, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: the last window must start inside the input or left padding."""
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


# ---- max pooling -----------------------------------------------------------------------------
def _lowest(x):
    """The padding of max pooling: -inf, or the smallest integer of an integer dtype."""
    xp = array_module(x)
    return -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min


def _first_max_masks(g, x, y):
    """Yield one mask per kernel offset: where that offset holds its window's maximum.

    ``x`` is the padded input. A window's maximum may appear several times (ReLU zeros); the
    running ``taken`` mask keeps all but the first from receiving the gradient, as PyTorch's
    scan ``if (val > max || isnan(val))`` does. Windows holding NaN (whose maximum is NaN) are
    rare: for them that scan is replayed as it is, which picks the last NaN.
    """
    xp = array_module(y)
    # (a sum is a cheaper test for NaN than isnan, and exact when it is finite)
    if y.dtype.kind == "f" and not bool(xp.isfinite(y.sum())) and bool(xp.isnan(y).any()):
        yield from _scanned_masks(g, x)
        return
    last = g.size - 1
    taken = None
    for k, view in enumerate(g.views(x)):
        if k == last and taken is not None:
            yield ~taken  # the maximum is somewhere: here, if no earlier offset held it
            return
        mask = view == y
        if taken is None:
            taken = mask  # (each mask is used before the next one is made)
        else:
            xp.greater(mask, taken, out=mask)  # mask & ~taken
            taken |= mask
        yield mask


def _scanned_masks(g, x):
    """PyTorch's CPU scan over each window, offset by offset: the winner moves on a greater value
    or a NaN."""
    xp = array_module(x)
    views = g.views(x)
    best = next(views).copy()
    winner = xp.zeros(best.shape, xp.int64)
    for k, view in enumerate(views, 1):
        moves = (view > best) | xp.isnan(view)
        best[moves] = view[moves]
        winner[moves] = k
    for k in range(g.size):
        yield winner == k


def _winner_offset(g, x, y):
    """The kernel offset (row-major) of each window's first maximum, as an int64 array."""
    xp = array_module(x)
    winner = xp.zeros(y.shape, xp.int64)
    for k, mask in enumerate(_first_max_masks(g, x, y)):
        if k:
            winner[mask] = k
    return winner


class MaxPool(Primitive):
    """2-D or 3-D max pooling over (N, C, H, W) or (N, C, D, H, W)."""

    @staticmethod
    def forward(ctx, x, g):
        xp = array_module(x)
        views = g.views(g.padded(x, _lowest(x)))
        y = next(views)
        y = y.copy() if g.size == 1 else xp.maximum(y, next(views))
        for view in views:
            xp.maximum(y, view, out=y)
        ctx.g = g
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        return MaxPoolBackward.apply(gy, x, y, ctx.g), None


class MaxPoolBackward(Primitive):
    """The gradient of max pooling: ``gy`` routed to each window's first maximum."""

    @staticmethod
    def forward(ctx, gy, x, y, g):
        xp = array_module(gy)
        x_p = g.padded(x, _lowest(x))
        gx = g.gradient_buffer(*x.shape[:2], gy.dtype, gy)
        for mask, gx_view in zip(_first_max_masks(g, x_p, y), g.views(gx)):
            if g.disjoint:
                xp.multiply(gy, mask, out=gx_view)
            else:
                gx_view += gy * mask
        ctx.g = g
        ctx.save_for_backward(x, y)
        return g.cropped(gx)

    @staticmethod
    def backward(ctx, ggx):
        x, y = ctx.saved_tensors
        ggy = MaxPoolGather.apply(ggx, x, y, ctx.g) if ctx._edges[0] is not None else None
        return ggy, None, None, None


class MaxPoolGather(Primitive):
    """``ggx`` read at each window's first maximum: the adjoint of ``MaxPoolBackward``."""

    @staticmethod
    def forward(ctx, ggx, x, y, g):
        xp = array_module(ggx)
        out = xp.zeros(y.shape, ggx.dtype)
        for mask, view in zip(_first_max_masks(g, g.padded(x, _lowest(x)), y), g.views(g.padded(ggx, 0))):
            out += view * mask
        ctx.g = g
        ctx.save_for_backward(x, y)
        return out

    @staticmethod
    def backward(ctx, gout):
        x, y = ctx.saved_tensors
        gg = MaxPoolBackward.apply(gout, x, y, ctx.g) if ctx._edges[0] is not None else None
        return gg, None, None, None


# ---- average pooling ---------------------------------------------------------------------------
def _divisor(g, count_include_pad, divisor_override, xp, dtype):
    """The (OH, OW) or (OD, OH, OW) divisor of each window (PyTorch's avg_pool rule), or a number."""
    if divisor_override:
        return divisor_override
    counts = []
    for o, k, s, p, n in zip(g.out_hw, g.kernel, g.stride, g.padding, g.in_hw):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)  # windows stop at the padding's far edge
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(xp.minimum(end, n) - xp.maximum(start, 0))
    divisor = counts[0]
    for count in counts[1:]:
        divisor = divisor[..., None] * count
    return divisor.astype(dtype)


class AvgPool(Primitive):
    """2-D or 3-D average pooling over (N, C, H, W) or (N, C, D, H, W)."""

    @staticmethod
    def forward(ctx, x, g, divisor):
        views = g.views(g.padded(x, 0))
        y = next(views)
        y = y.copy() if g.size == 1 else y + next(views)
        for view in views:
            y += view
        y /= divisor
        ctx.g, ctx.divisor, ctx.in_shape = g, divisor, x.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        return AvgPoolBackward.apply(gy, ctx.g, ctx.divisor, ctx.in_shape), None, None


class AvgPoolBackward(Primitive):
    """The gradient of average pooling: ``gy / divisor`` spread over each window."""

    @staticmethod
    def forward(ctx, gy, g, divisor, in_shape):
        share = gy / divisor
        gx = g.gradient_buffer(*in_shape[:2], gy.dtype, gy)
        for view in g.views(gx):
            if g.disjoint:
                view[...] = share
            else:
                view += share
        ctx.g, ctx.divisor = g, divisor
        return g.cropped(gx)

    @staticmethod
    def backward(ctx, ggx):
        return AvgPool.apply(ggx, ctx.g, ctx.divisor), None, None, None


# ---- argument handling -----------------------------------------------------------------------
_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _ints(v, n, op, name):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * n
    v = tuple(v)
    if len(v) == 1 and n > 1:
        v = v * n
    if len(v) != n or not all(isinstance(i, int) and not isinstance(i, bool) for i in v):
        raise RuntimeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    return v


def _geometry(op, input, dims, kernel_size, stride, padding, dilation, ceil_mode):
    """Validate the arguments of a ``dims``-D pooling and lay its windows out (1-D in 2-D)."""
    if input.ndim not in (dims + 1, dims + 2):
        spatial = _SPATIAL[dims]
        raise RuntimeError(f"{op}: expects a {dims + 2}-D input (N, C, {spatial}) or an unbatched "
                           f"{dims + 1}-D one, got shape {shape_str(input.shape)}")
    if input._data.dtype.kind != "f" and not op.startswith("max"):
        raise RuntimeError(f"{op}: expects a floating-point input, got {input.dtype}; call .float() first")
    kernel = _ints(kernel_size, dims, op, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0) \
        else _ints(stride, dims, op, "stride")
    padding, dilation = _ints(padding, dims, op, "padding"), _ints(dilation, dims, op, "dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} must "
                           "be positive")
    if any(p < 0 or p > k // 2 for k, p in zip(kernel, padding)):
        raise RuntimeError(f"{op}: padding {padding} must be between 0 and half the kernel size "
                           f"{kernel} (rounded down)")
    spatial = tuple(input.shape[-dims:])
    out = tuple(_out_size(op, n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise RuntimeError(f"{op}: the input of shape {shape_str(input.shape)} is too small for "
                           f"kernel_size={kernel}, stride={stride}, padding={padding}, "
                           f"dilation={dilation}: the output size would be {out}")
    if dims == 1:
        kernel, stride, padding, dilation = (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation
        spatial, out = (1,) + spatial, (1,) + out
    return _Geometry(spatial, kernel, stride, padding, dilation, out)


def _to_4d(input, dims):
    unbatched = input.ndim == dims + 1
    if unbatched:
        input = input.unsqueeze(0)
    return (input.unsqueeze(2) if dims == 1 else input), unbatched


def _from_4d(y, dims, unbatched):
    if dims == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def _max_poolnd(op, dims, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    g = _geometry(op, input, dims, kernel_size, stride, padding, dilation, ceil_mode)
    x, unbatched = _to_4d(input, dims)
    y = MaxPool.apply(x, g)
    out = _from_4d(y, dims, unbatched)
    if not return_indices:
        return out
    return out, _from_4d(_indices(g, x, y), dims, unbatched)


def _indices(g, x, y):
    """Flat indices (into each H*W plane or D*H*W volume of the input) of the maxima, as PyTorch
    returns them."""
    from ember.tensor.tensor import Tensor

    xp = array_module(x._data)
    winner = _winner_offset(g, g.padded(x._data, _lowest(x._data)), y._data)
    dims, flat, inner = len(g.kernel), 0, g.size
    for i, (k, s, d, p, o, n) in enumerate(zip(g.kernel, g.stride, g.dilation, g.padding, g.out_hw, g.in_hw)):
        inner //= k  # winner is the row-major offset: this dim's part is (winner // inner) % k
        starts = (xp.arange(o) * s - p).reshape((o,) + (1,) * (dims - 1 - i))
        flat = flat * n + starts + (winner // inner % k) * d
    return Tensor._make(flat, False, None, 0)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over ``input`` (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Padding is implicit ``-inf`` (at most half the kernel). With ``return_indices=True`` also
    returns the position of each maximum along L.
    """
    return _max_poolnd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over ``input`` (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    Per spatial dim the output size is ``(size + 2*padding - dilation*(k - 1) - 1) // stride + 1``
    (rounded up with ``ceil_mode=True``, keeping the last window's start inside the input). The
    gradient goes to the first maximum of each window in row-major order, as in PyTorch. With
    ``return_indices=True`` also returns the flat index (``h * W + w``) of each maximum.

    >>> F.max_pool2d(ember.randn(1, 1, 4, 4), 2).shape
    (1, 1, 2, 2)
    """
    return _max_poolnd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over ``input`` (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to
    ``kernel_size``.

    The output size per spatial dim and the gradient (to the first maximum of each window in
    row-major order) are as in ``max_pool2d``; with ``return_indices=True`` also returns the
    flat index (``d * H * W + h * W + w``) of each maximum.

    >>> F.max_pool3d(ember.randn(1, 1, 4, 4, 4), 2).shape
    (1, 1, 2, 2, 2)
    """
    return _max_poolnd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def _avg_poolnd(op, dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    g = _geometry(op, input, dims, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, int) or divisor_override == 0):
        raise RuntimeError(f"{op}: divisor_override must be a non-zero int, got {divisor_override!r}")
    x, unbatched = _to_4d(input, dims)
    divisor = _divisor(g, count_include_pad, divisor_override, array_module(x._data), x._data.dtype)
    return _from_4d(AvgPool.apply(x, g, divisor), dims, unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over ``input`` (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``.

    Zero padding counts in the divisor unless ``count_include_pad=False``.
    """
    return _avg_poolnd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over ``input`` (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``.

    Each window's sum is divided by its size, padding included unless ``count_include_pad=False``
    (positions past the padding, reached in ``ceil_mode``, never count), or by ``divisor_override``.

    >>> F.avg_pool2d(ember.ones(1, 1, 4, 4), 2).sum().item()
    4.0
    """
    return _avg_poolnd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over ``input`` (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to
    ``kernel_size``. Divisors as in ``avg_pool2d``.

    >>> F.avg_pool3d(ember.ones(1, 1, 4, 4, 4), 2).sum().item()
    8.0
    """
    return _avg_poolnd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


# ---- adaptive pooling ------------------------------------------------------------------------
def _adaptive_args(op, input, dims, output_size):
    if input.ndim not in (dims + 1, dims + 2):
        spatial = _SPATIAL[dims]
        raise RuntimeError(f"{op}: expects a {dims + 2}-D input (N, C, {spatial}) or an unbatched "
                           f"{dims + 1}-D one, got shape {shape_str(input.shape)}")
    single = isinstance(output_size, int) or output_size is None
    sizes = (output_size,) * dims if single else tuple(output_size)
    if len(sizes) != dims:
        raise RuntimeError(f"{op}: output_size must be an int or a tuple of {dims}, got {output_size!r}")
    spatial = tuple(input.shape[-dims:])
    sizes = tuple(n if s is None else s for s, n in zip(sizes, spatial))
    if min(sizes) < 1 or min(spatial) < 1:
        raise RuntimeError(f"{op}: output_size {sizes} must be positive and the input of shape "
                         f"{shape_str(input.shape)} non-empty")
    return sizes, spatial


def _bounds(n, o):
    """PyTorch's adaptive windows: [floor(i*n/o), ceil((i+1)*n/o)) for each output i."""
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


def _averaging_matrix(n, o, like):
    """The (o, n) matrix whose row i averages window i of a length-n axis."""
    from ember.tensor.tensor import Tensor

    xp = array_module(like._data)
    m = xp.zeros((o, n), like._data.dtype)
    for i, (start, end) in enumerate(_bounds(n, o)):
        m[i, start:end] = 1.0 / (end - start)
    return Tensor._make(m, False, None, 0)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``output_size`` (an int, a pair, None keeps that dim).

    Output cell ``i`` averages input rows ``floor(i*H/OH)`` to ``ceil((i+1)*H/OH) - 1`` (likewise
    for columns). When the sizes divide this is ``avg_pool2d`` with kernel = stride = H // OH;
    otherwise the windows overlap unevenly and the pooling is ``A_H @ x @ A_W.T`` with averaging
    matrices (averaging is separable), which stays differentiable to any order.

    >>> F.adaptive_avg_pool2d(ember.randn(2, 8, 7, 7), 1).shape
    (2, 8, 1, 1)
    """
    (oh, ow), (h, w) = _adaptive_args("adaptive_avg_pool2d", input, 2, output_size)
    if (oh, ow) == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    out = input if ow == w else input @ _averaging_matrix(w, ow, input).mT
    return out if oh == h else _averaging_matrix(h, oh, input) @ out


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of ``input`` (N, C, D, H, W) or (C, D, H, W) to a fixed ``output_size``
    (an int, or a triple whose None entries keep the input's size), over the windows of
    ``adaptive_avg_pool2d`` along each of D, H and W.

    >>> F.adaptive_avg_pool3d(ember.randn(2, 8, 5, 7, 7), 1).shape
    (2, 8, 1, 1, 1)
    """
    (od, oh, ow), (d, h, w) = _adaptive_args("adaptive_avg_pool3d", input, 3, output_size)
    if (od, oh, ow) == (1, 1, 1):
        return input.mean((-3, -2, -1), keepdim=True)
    if d % od == 0 and h % oh == 0 and w % ow == 0:
        return avg_pool3d(input, (d // od, h // oh, w // ow))
    out = input if ow == w else input @ _averaging_matrix(w, ow, input).mT
    out = out if oh == h else _averaging_matrix(h, oh, input) @ out
    if od == d:
        return out
    lead = tuple(out.shape[:-3])  # depth is averaged as the rows of (..., D, OH*OW)
    out = _averaging_matrix(d, od, input) @ out.reshape(*lead, d, oh * ow)
    return out.reshape(*lead, od, oh, ow)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of ``input`` (N, C, L) or (C, L) to length ``output_size``."""
    (o,), (n,) = _adaptive_args("adaptive_avg_pool1d", input, 1, output_size)
    if n % o == 0:
        return avg_pool1d(input, n // o)
    return input @ _averaging_matrix(n, o, input).mT


def _adaptive_max_poolnd(input, sizes, spatial, return_indices):
    """Max pooling over PyTorch's adaptive windows, taken separably: over each window of the last
    axis, then of the one before, and so on (a loop over output positions, not pixels). The first
    maximum along each axis in turn is the first maximum in row-major order, which PyTorch's
    indices and gradient point to."""
    from ember.ops.join import stack
    from ember.tensor.tensor import Tensor

    xp = array_module(input._data)
    out, index, inner = input, None, 1
    for axis in range(-1, -len(sizes) - 1, -1):
        bounds = _bounds(spatial[axis], sizes[axis])
        after = (slice(None),) * (-axis - 1)
        maxima = [out[(Ellipsis, slice(start, end)) + after].max(axis) for start, end in bounds]
        out = stack([m[0] for m in maxima], axis)
        if return_indices:
            pos = xp.stack([m[1]._data + start for m, (start, _) in zip(maxima, bounds)], axis)
            index = pos if index is None else pos * inner + xp.take_along_axis(index, pos, axis=axis)
            inner *= spatial[axis]
    return (out, Tensor._make(index, False, None, 0)) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``output_size`` over PyTorch's adaptive windows (see adaptive_avg_pool2d).

    Divisible sizes run as ``max_pool2d``. Otherwise the maximum is taken separably, over each
    window of columns and then of rows, which finds the same first maximum in row-major order
    that PyTorch's gradient goes to. ``return_indices=True`` also returns the flat ``h * W + w``
    index of each maximum.
    """
    sizes, spatial = _adaptive_args("adaptive_max_pool2d", input, 2, output_size)
    if all(n % o == 0 for n, o in zip(spatial, sizes)):
        return max_pool2d(input, tuple(n // o for n, o in zip(spatial, sizes)), return_indices=return_indices)
    return _adaptive_max_poolnd(input, sizes, spatial, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``input`` (N, C, D, H, W) or (C, D, H, W) to a fixed ``output_size`` (an int,
    or a triple whose None entries keep the input's size) over PyTorch's adaptive windows, as in
    ``adaptive_max_pool2d``; ``return_indices=True`` also returns the flat ``d * H * W + h * W + w``
    index of each maximum.

    >>> F.adaptive_max_pool3d(ember.randn(2, 8, 5, 7, 7), (1, 2, 3)).shape
    (2, 8, 1, 2, 3)
    """
    sizes, spatial = _adaptive_args("adaptive_max_pool3d", input, 3, output_size)
    if all(n % o == 0 for n, o in zip(spatial, sizes)):
        return max_pool3d(input, tuple(n // o for n, o in zip(spatial, sizes)), return_indices=return_indices)
    return _adaptive_max_poolnd(input, sizes, spatial, return_indices)


# ---- power-average and 1-D adaptive max pooling ---------------------------------------------
def _lp_poolnd(op, dims, input, norm_type, kernel_size, stride, ceil_mode):
    from ember.nn.functional.activation import relu

    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) or norm_type == 0:
        raise ValueError(f"{op}: norm_type must be a non-zero number, got {norm_type!r}")
    kernel = _ints(kernel_size, dims, op, "kernel_size")
    pool = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}[dims]
    s = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # PyTorch's formula: a window whose sum of powers is negative (odd norm_type) gives 0
    return (s.sign() * relu(s.abs()) * math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average pooling over ``input`` (N, C, L) or (C, L): ``(sum over a window of
    x**p) ** (1/p)`` with ``p = norm_type`` (p = inf is max pooling, p = 1 sum pooling).

    >>> F.lp_pool1d(ember.tensor([[3.0, 4.0]]), 2, 2).tolist()
    [[5.0]]
    """
    return _lp_poolnd("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling over ``input`` (N, C, H, W) or (C, H, W): ``(sum over a window
    of x**p) ** (1/p)`` with ``p = norm_type``; ``stride`` defaults to ``kernel_size``."""
    return _lp_poolnd("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling over ``input`` (N, C, D, H, W) or (C, D, H, W): ``(sum over a
    window of x**p) ** (1/p)`` with ``p = norm_type``; ``stride`` defaults to ``kernel_size``.

    >>> F.lp_pool3d(ember.ones(1, 1, 4, 4, 4), 2, 2).shape
    (1, 1, 2, 2, 2)
    """
    return _lp_poolnd("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of ``input`` (N, C, L) or (C, L) to length ``output_size`` over PyTorch's
    adaptive windows; ``return_indices=True`` also returns the position of each maximum along L."""
    (o,), _ = _adaptive_args("adaptive_max_pool1d", input, 1, output_size)
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if not return_indices:
        return out.squeeze(-2)
    return out[0].squeeze(-2), out[1].squeeze(-2)


# ---- max unpooling -----------------------------------------------------------------------------
def _global_index(indices, plane):
    """``indices`` (N, C, ...), flat within each plane of ``plane`` elements, made flat in the whole
    (N, C, plane) output, raveled."""
    xp = array_module(indices)
    n, c = indices.shape[:2]
    return (indices + xp.arange(n * c).reshape((n, c) + (1,) * (indices.ndim - 2)) * plane).ravel()


class MaxUnpool(Primitive):
    """Each value of ``x`` (N, C, ...) written (or, with ``accumulate``, added) at its flat index
    into the planes of a zero (N, C, *out_spatial) output."""

    @staticmethod
    def forward(ctx, x, indices, out_spatial, accumulate):
        xp = array_module(x)
        plane = math.prod(out_spatial)
        where = _global_index(indices, plane)
        size = x.shape[0] * x.shape[1] * plane
        if accumulate:  # the adjoint of a gather: repeated indices add up
            y = xp.bincount(where, weights=x.ravel(), minlength=size).astype(x.dtype)
        else:  # as PyTorch: repeated indices (overlapping windows) hold the same maximum
            y = xp.zeros(size, x.dtype)
            y[where] = x.ravel()
        ctx.indices, ctx.in_shape = indices, x.shape
        return y.reshape(x.shape[:2] + tuple(out_spatial))

    @staticmethod
    def backward(ctx, gy):
        return MaxUnpoolGather.apply(gy, ctx.indices, ctx.in_shape), None, None, None


class MaxUnpoolGather(Primitive):
    """The gradient of max unpooling: ``gy`` read at each index (its adjoint adds back there)."""

    @staticmethod
    def forward(ctx, gy, indices, in_shape):
        ctx.indices, ctx.out_spatial = indices, gy.shape[2:]
        return gy.ravel()[_global_index(indices, math.prod(gy.shape[2:]))].reshape(in_shape)

    @staticmethod
    def backward(ctx, ggx):
        return MaxUnpool.apply(ggx, ctx.indices, ctx.out_spatial, True), None, None


def _unpool_output_size(op, input, kernel, stride, padding, output_size):
    """PyTorch's _unpool_output_size: the default size, or ``output_size`` checked against it."""
    dims = len(kernel)
    default = tuple((n - 1) * s - 2 * p + k
                    for n, k, s, p in zip(input.shape[-dims:], kernel, stride, padding))
    if output_size is None:
        return default
    sizes = tuple(output_size)
    sizes = sizes[2:] if len(sizes) == dims + 2 else sizes
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must hold {dims} or {dims + 2} sizes, "
                         f"got {tuple(output_size)!r}")
    for d, (size, n, s) in enumerate(zip(sizes, default, stride)):
        if not n - s < size < n + s:
            raise ValueError(f"{op}: invalid output_size {tuple(output_size)!r}: dim {d} must be strictly "
                             f"between {n - s} and {n + s} (the default size {n} -/+ the stride {s})")
    return sizes


def _max_unpoolnd(op, dims, input, indices, kernel_size, stride, padding, output_size):
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}: expects a {dims + 2}-D input (N, C, {_SPATIAL[dims]}) or an unbatched "
                           f"{dims + 1}-D one, got shape {shape_str(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape) or indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: indices must be an integer tensor of the input's shape "
                           f"{shape_str(input.shape)}, as max_pool{dims}d(..., return_indices=True) "
                           f"returns them; got {indices.dtype} of shape {shape_str(indices.shape)}")
    kernel = _ints(kernel_size, dims, op, "kernel_size")
    stride = kernel if stride is None else _ints(stride, dims, op, "stride")
    padding = _ints(padding, dims, op, "padding")
    out_spatial = _unpool_output_size(op, input, kernel, stride, padding, output_size)
    index = indices._data
    plane = math.prod(out_spatial)
    if index.size and (int(index.min()) < 0 or int(index.max()) >= plane):
        bad = int(index.min()) if int(index.min()) < 0 else int(index.max())
        raise RuntimeError(f"{op}: found an invalid max index {bad}: the output planes are "
                           f"{'x'.join(map(str, out_spatial))} ({plane} elements); pass the output_size "
                           "of the input that was pooled")
    unbatched = input.ndim == dims + 1
    x = input.unsqueeze(0) if unbatched else input
    y = MaxUnpool.apply(x, index[None] if unbatched else index, out_spatial, False)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool1d``: each value of ``input`` (N, C, L) or (C, L) goes to
    its index from ``max_pool1d(..., return_indices=True)`` in a zero output of length
    ``(L - 1) * stride - 2 * padding + kernel_size``, or ``output_size`` (within a stride of it).
    """
    return _max_unpoolnd("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: each value of ``input`` (N, C, H, W) or (C, H, W)
    goes to its flat ``h * W + w`` index from ``max_pool2d(..., return_indices=True)`` in a zero
    output of size ``(in - 1) * stride - 2 * padding + kernel_size`` per dim, or ``output_size``
    (2 or 4 sizes, each within a stride of that). The gradient is read back at the indices.

    >>> y, i = F.max_pool2d(ember.randn(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2).shape
    (1, 1, 4, 4)
    """
    return _max_unpoolnd("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool3d`` over (N, C, D, H, W) or (C, D, H, W), with flat
    ``d * H * W + h * W + w`` indices; sizes as in ``max_unpool2d``."""
    return _max_unpoolnd("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
