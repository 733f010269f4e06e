"""Convolutions: conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d.

Every convolution is computed in 2-D (1-D inputs get a height of 1) or 3-D by three array
kernels that do their arithmetic in one GEMM each, with no loop over batch, channels or pixels
(written for 2-D below; 3-D adds a depth to every shape):

- ``_conv_forward``: im2col builds the columns ``(C*kH*kW, N, OH*OW)`` from one strided view of
  the input with one copy, then ``weight (F, C*kH*kW) @ columns`` gives the output directly in
  NCHW (the batch runs through the GEMM as strided matrices: nothing is transposed afterwards).
  The bias rides along as an extra column of the weight against a row of ones;
- ``_conv_weight_grad``: ``gy @ columns.T`` with the batch folded into the GEMM's inner
  dimension; against the row of ones it gives the bias gradient in the same product;
- ``_conv_input_grad`` (the transposed convolution): ``weight.T @ gy`` gives gradient columns
  that col2im adds back into the image, one strided slice per kernel offset (a loop over the
  kH*kW offsets). With stride 1, rows are laid end to end ("wide" columns), so those adds run
  over long contiguous rows rather than the output's short ones.

The columns are 9x the input for a 3x3 kernel, so they are not kept from the forward pass: the
weight gradient builds them again, in per-thread scratch memory that the kernels reuse (see
``_Workspace``); re-running im2col costs less than the page faults of fresh memory.

The three kernels are adjoint to each other, so the three Primitives below differentiate into
one another (``Convolution``'s input gradient is a ``ConvolutionTranspose``, and so on):
gradients of every order, and the transposed convolution layers for free.
"""

import itertools
import math
import threading

from ember.autograd.function import Primitive
from ember.backend import array_module, device_of
from ember.ops._util import shape_str

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


# ---- array kernels -------------------------------------------------------------------------
# ``cfg`` is (stride, pads, dilation, groups) with stride/dilation (h, w) and pads
# (top, bottom, left, right), so padding may be asymmetric (padding='same' with an even kernel);
# in 3-D, stride/dilation are (d, h, w) and pads (front, back, top, bottom, left, right).

_SCRATCH_MAX = 64 * 2**20  # bytes; larger temporaries are allocated afresh


class _Workspace(threading.local):
    """Scratch memory for the kernels' temporaries (columns, widened gradients), per thread.

    Multi-megabyte temporaries allocated afresh on every call are page-faulted in again each
    time (the allocator hands freed memory back to the OS): thousands of faults, about a sixth
    of the time, of a LeNet training step. Each named buffer is one flat array per device that
    grows to the largest size asked for (up to ``_SCRATCH_MAX``). A kernel gets a view of it and
    never lets that view escape, and kernels do not call one another, so no two users of a
    buffer overlap.
    """

    def __init__(self):
        self.buffers = {}

    def get(self, name, shape, dtype, like, zero=False):
        xp, size = array_module(like), math.prod(shape)
        if size * dtype.itemsize > _SCRATCH_MAX:
            return (xp.zeros if zero else xp.empty)(shape, dtype)
        key = (name, device_of(like))
        buf = self.buffers.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self.buffers[key] = xp.empty(size, dtype)
        out = buf[:size].reshape(shape)
        if zero:
            out.fill(0)
        return out


_scratch = _Workspace()


def _as_strided(x, shape, strides):
    return array_module(x).lib.stride_tricks.as_strided(x, shape, strides)


def _padded(x, pads):
    """``x`` (N, C, H, W) or (N, C, D, H, W) with zeros around it (in scratch memory), or ``x``."""
    if not any(pads):
        return x
    spatial = x.shape[2:]
    out = _scratch.get("padded", x.shape[:2] + _padded_size(spatial, pads), x.dtype, x)
    inside = [slice(before, before + size) for before, size in zip(pads[0::2], spatial)]
    for i, edge in enumerate(inside):  # only the border needs zeros: x fills the rest
        out[(slice(None), slice(None), *inside[:i], slice(None, edge.start))] = 0
        out[(slice(None), slice(None), *inside[:i], slice(edge.stop, None))] = 0
    out[(slice(None), slice(None), *inside)] = x
    return out


def _padded_size(spatial, pads):
    return tuple(size + before + after for size, before, after in zip(spatial, pads[0::2], pads[1::2]))


def _out_size(size, k, stride, pad, dilation):
    return (size + pad - dilation * (k - 1) - 1) // stride + 1


def _columns(x, kernel, cfg, out_hw, ones):
    """im2col: columns ``(C*kH*kW [+ 1], N, OH*OW)`` of ``x`` (in scratch memory), from one
    strided view ``(C, kH, kW, N, OH, OW)`` of the padded input and one copy (in 3-D the view is
    ``(C, kD, kH, kW, N, OD, OH, OW)``). With ``ones`` a last row of ones is added, so that a
    weight matrix with the bias as its last column adds the bias in the same GEMM."""
    stride, pads, dilation, _ = cfg
    x_p = _padded(x, pads)
    n, c = x.shape[:2]
    k = c * math.prod(kernel)
    cols = _scratch.get("columns", (k + ones, n, math.prod(out_hw)), x.dtype, x)
    s_n, s_c, *s_spatial = x_p.strides
    shape = (c, *kernel, n, *out_hw)
    view = _as_strided(x_p, shape, (s_c, *(s * d for s, d in zip(s_spatial, dilation)), s_n,
                                    *(s * st for s, st in zip(s_spatial, stride))))
    array_module(x).copyto(cols[:k].reshape(shape), view)
    if ones:
        cols[k] = 1
    return cols


def _conv_forward(x, w, b, cfg, out_hw):
    """``y = conv(x, w) + b`` as (N, F, OH, OW) or (N, F, OD, OH, OW): im2col, then one GEMM."""
    xp = array_module(x)
    groups = cfg[3]
    n = x.shape[0]
    f, cg, *kernel = w.shape
    fold = b is not None and groups == 1
    cols = _columns(x, kernel, cfg, out_hw, fold)
    ell, kg, fg = math.prod(out_hw), cg * math.prod(kernel), f // groups
    if groups == 1:  # (F, K) @ (N, K, L) -> (N, F, L): NCHW straight out of the GEMM
        w2 = w.reshape(f, kg)
        if fold:
            w2 = xp.concatenate([w2, b.reshape(f, 1).astype(w.dtype, copy=False)], axis=1)
        y = xp.matmul(w2, cols.transpose(1, 0, 2))
    else:
        y = xp.matmul(w.reshape(groups, 1, fg, kg), cols.reshape(groups, kg, n, ell).transpose(0, 2, 1, 3))
        y = xp.ascontiguousarray(y.transpose(1, 0, 2, 3))  # (G, N, Fg, L) -> (N, G, Fg, L)
        if b is not None:
            y += b.reshape(1, groups, fg, 1)
    return y.reshape(n, f, *out_hw)


def _conv_weight_grad(x, gy, cfg, w_shape, with_bias):
    """``(gw, gb)`` of ``conv(x, w) + b`` for the upstream gradient ``gy``: one GEMM with the
    batch folded in; with the columns' row of ones it gives ``gb`` too (else ``gb`` is None)."""
    xp = array_module(gy)
    groups = cfg[3]
    f, cg, *kernel = w_shape
    n, _, *out_hw = gy.shape
    ell, kg, fg = math.prod(out_hw), cg * math.prod(kernel), f // groups
    ones = with_bias and groups == 1
    cols = _columns(x, kernel, cfg, out_hw, ones)
    if groups == 1 and kg < ell:
        # Few columns per pixel (a first layer): N small GEMMs then a sum beat transposing gy.
        gw = xp.matmul(gy.reshape(n, f, ell), cols.transpose(1, 2, 0)).sum(0)[None]
    else:
        gy_t = _scratch.get("gy", (groups, fg, n, ell), gy.dtype, gy)
        xp.copyto(gy_t, gy.reshape(n, groups, fg, ell).transpose(1, 2, 0, 3))
        cols = cols.reshape(groups, -1, n * ell)
        gw = xp.matmul(gy_t.reshape(groups, fg, n * ell), cols.transpose(0, 2, 1))
    gb = gw[0, :, kg].copy() if ones else None
    return xp.ascontiguousarray(gw[:, :, :kg]).reshape(w_shape), gb


def _conv_input_grad(gy, w, cfg, in_hw):
    """``gx = conv_transpose(gy, w)`` of spatial size ``in_hw``: one GEMM, then col2im (one add
    per kernel offset)."""
    xp = array_module(gy)
    stride, pads, dilation, groups = cfg
    f, cg, *kernel = w.shape
    n, _, *out_hw = gy.shape
    c, kg, fg, ell = cg * groups, cg * math.prod(kernel), f // groups, math.prod(out_hw)
    padded = _padded_size(in_hw, pads)
    # the padded image's strides, in elements: a pixel's flat position is its index dotted with them
    steps = tuple(math.prod(padded[i + 1:]) for i in range(len(padded)))
    w_t = w.reshape(groups, fg, kg).transpose(0, 2, 1)
    if any(pads):  # col2im into a padded image, cropped below
        gx = _scratch.get("image", (c, n, math.prod(padded)), gy.dtype, gy, zero=True)
    else:  # col2im straight into the result, seen channel-major like the columns
        out = xp.zeros((n, c, math.prod(padded)), gy.dtype)
        gx = out.transpose(1, 0, 2)
    offsets = itertools.product(*map(range, kernel))
    if all(s == 1 for s in stride):
        # Wide columns: output pixel (i, j) sits at i*Wp + j, so kernel offset (a, b) reads the
        # input at a fixed shift a*dh*Wp + b*dw, and col2im adds whole rows. The gaps between
        # rows (j >= OW) carry zeros. (Likewise in 3-D, with planes of Hp*Wp.)
        span = sum((o - 1) * step for o, step in zip(out_hw, steps)) + 1
        gy_w = _scratch.get("gy", (f, n, span), gy.dtype, gy, zero=True)
        item = gy_w.itemsize
        strides = (span * item, n * span * item, *(step * item for step in steps))
        _as_strided(gy_w, (n, f, *out_hw), strides)[...] = gy
        gcols = _scratch.get("columns", (groups, kg, n * span), gy.dtype, gy)
        xp.matmul(w_t, gy_w.reshape(groups, fg, n * span), out=gcols)
        gcols = gcols.reshape(c, *kernel, n, span)
        for offset in offsets:
            shift = sum(a * d * step for a, d, step in zip(offset, dilation, steps))
            gx[:, :, shift:shift + span] += gcols[(slice(None), *offset)]
    else:
        gy_t = _scratch.get("gy", (groups, fg, n, ell), gy.dtype, gy)
        xp.copyto(gy_t, gy.reshape(n, groups, fg, ell).transpose(1, 2, 0, 3))
        gcols = _scratch.get("columns", (groups, kg, n * ell), gy.dtype, gy)
        xp.matmul(w_t, gy_t.reshape(groups, fg, n * ell), out=gcols)
        gcols = gcols.reshape(c, *kernel, n, *out_hw)
        image = gx.reshape(c, n, *padded)
        for offset in offsets:
            image[(slice(None), slice(None), *(slice(a * d, a * d + s * (o - 1) + 1, s) for a, d, s, o in zip(
                offset, dilation, stride, out_hw)))] += gcols[(slice(None), *offset)]
    if not any(pads):
        return out.reshape(n, c, *padded)
    gx = gx.reshape(c, n, *padded)[(slice(None), slice(None), *(
        slice(before, before + size) for before, size in zip(pads[0::2], in_hw)))]
    return xp.ascontiguousarray(gx.transpose(1, 0, *range(2, gx.ndim)))


def _bias_grad(gy):
    return gy.sum((0, *range(2, gy.ndim)))


# ---- primitives ------------------------------------------------------------------------------
class Convolution(Primitive):
    """``y = conv2d(x, w) + b`` (cross-correlation, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, w, b, cfg, out_hw):
        ctx.cfg = cfg
        ctx.save_for_backward(x, w)
        return _conv_forward(x, w, b, cfg, out_hw)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        edges = ctx._edges
        gx = gw = gb = None
        if edges[0] is not None:
            gx = ConvolutionTranspose.apply(gy, w, None, ctx.cfg, x.shape[2:])
        if edges[1] is not None:
            if edges[2] is not None:
                gw, gb = ConvolutionWeight.apply(x, gy, ctx.cfg, w.shape, True)
            else:
                gw = ConvolutionWeight.apply(x, gy, ctx.cfg, w.shape, False)
        elif edges[2] is not None:
            gb = _bias_grad(gy)
        return gx, gw, gb, None, None


class ConvolutionTranspose(Primitive):
    """``z = conv_transpose2d(u, w) + b``: the adjoint of ``Convolution`` in its input."""

    @staticmethod
    def forward(ctx, u, w, b, cfg, out_hw):
        ctx.cfg = cfg
        ctx.save_for_backward(u, w)
        z = _conv_input_grad(u, w, cfg, out_hw)
        if b is not None:
            z += b.reshape(1, -1, *(1,) * (z.ndim - 2))
        return z

    @staticmethod
    def backward(ctx, gz):
        u, w = ctx.saved_tensors
        edges = ctx._edges
        gu = gw = gb = None
        if edges[0] is not None:
            gu = Convolution.apply(gz, w, None, ctx.cfg, u.shape[2:])
        if edges[1] is not None:  # <conv_t(u, w), gz> = <u, conv(gz, w)>
            gw = ConvolutionWeight.apply(gz, u, ctx.cfg, w.shape, False)
        if edges[2] is not None:
            gb = _bias_grad(gz)
        return gu, gw, gb, None, None


class ConvolutionWeight(Primitive):
    """``gw`` (and ``gb`` when ``with_bias``) of ``conv2d(x, w) + b`` for the upstream gradient
    ``gy``; bilinear in ``(x, gy)``."""

    @staticmethod
    def forward(ctx, x, gy, cfg, w_shape, with_bias):
        ctx.cfg = cfg
        ctx.save_for_backward(x, gy)
        gw, gb = _conv_weight_grad(x, gy, cfg, w_shape, with_bias)
        if not with_bias:
            return gw
        return gw, (_bias_grad(gy) if gb is None else gb)

    @staticmethod
    def backward(ctx, ggw, ggb=None):
        x, gy = ctx.saved_tensors
        edges = ctx._edges
        gx = ggy = None
        if edges[0] is not None:  # <gw, ggw> = <gy, conv(x, ggw)> = <x, conv_t(gy, ggw)>
            gx = ConvolutionTranspose.apply(gy, ggw, None, ctx.cfg, x.shape[2:])
        if edges[1] is not None:  # ... and <gb, ggb> = <gy, ggb broadcast>: ggb acts as a bias
            ggy = Convolution.apply(x, ggw, ggb, ctx.cfg, gy.shape[2:])
        return gx, ggy, None, None, None


# ---- argument handling -----------------------------------------------------------------------
def _pair(v, n, op, name):
    """An int or a sequence of ``n`` ints, as a tuple of ``n`` ints."""
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * n
    v = tuple(v)
    if len(v) != n or not all(isinstance(i, int) and not isinstance(i, bool) for i in v):
        raise RuntimeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    return v


def _config(op, w, stride, padding, dilation, groups, dims):
    """(stride, pads, dilation, groups) in 2-D (1-D lifted to 2-D) or 3-D."""
    stride = _pair(stride, dims, op, "stride")
    dilation = _pair(dilation, dims, op, "dilation")
    kernel = tuple(w.shape[2:])
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{op}: stride {stride} and dilation {dilation} must be positive")
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions "
                                 f"(stride={stride}); pad explicitly, e.g. padding={kernel[0] // 2}")
            # PyTorch puts the odd extra pixel of an even kernel on the bottom/right
            totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = [(t // 2, t - t // 2) for t in totals]
        else:
            raise RuntimeError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
    else:
        padding = _pair(padding, dims, op, "padding")
        if any(p < 0 for p in padding):
            raise RuntimeError(f"{op}: padding {padding} can't be negative")
        pads = [(p, p) for p in padding]
    if dims == 1:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, [(0, 0)] + pads
    return stride, tuple(p for pair in pads for p in pair), dilation, groups


def _check(op, input, weight, bias, groups, dims, transposed):
    if not isinstance(groups, int) or groups < 1:
        raise RuntimeError(f"{op}: groups must be a positive int, got {groups!r}")
    if input.ndim not in (dims + 1, dims + 2):
        spatial = {1: "L", 2: "H, W", 3: "D, H, W"}[dims]
        raise RuntimeError(f"{op}: expects a {dims + 2}-D input (N, C, {spatial}) or an unbatched "
                           f"{dims + 1}-D one, got shape {shape_str(input.shape)}")
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{op}: expects a {dims + 2}-D weight, got shape {shape_str(weight.shape)}")
    channels = input.shape[-dims - 1]
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if channels != expected:
        how = (f"weight of shape {shape_str(weight.shape)}: in_channels = weight.shape[0]" if transposed
               else f"weight of shape {shape_str(weight.shape)} and groups={groups}: in_channels = "
                    f"weight.shape[1] * groups")
        raise RuntimeError(f"{op}: the input of shape {shape_str(input.shape)} has {channels} channel(s), "
                           f"but the {how} = {expected}")
    if weight.shape[0] % groups:
        raise RuntimeError(f"{op}: the weight of shape {shape_str(weight.shape)} has "
                           f"{weight.shape[0]} {'input' if transposed else 'output'} channels, which "
                           f"groups={groups} doesn't divide")
    if weight.dtype != input.dtype or (bias is not None and bias.dtype != input.dtype):
        got = f"{input.dtype}, weight {weight.dtype}" + ("" if bias is None else f", bias {bias.dtype}")
        raise RuntimeError(f"{op}: input, weight and bias must have the same dtype, got input {got}; "
                           "convert the input, e.g. x.float(), or the layer, e.g. layer.double()")
    out_channels = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{op}: bias must have shape ({out_channels},), got {shape_str(bias.shape)}")


def _to_4d(input, weight, dims):
    """Give 1-D convolutions a height of 1 and unbatched inputs a batch of 1 (reshapes are views)."""
    unbatched = input.ndim == dims + 1
    if unbatched:
        input = input.unsqueeze(0)
    if dims == 1:
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
    return input, weight, unbatched


def _from_4d(y, dims, unbatched):
    if dims == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def _convnd(op, dims, input, weight, bias, stride, padding, dilation, groups):
    _check(op, input, weight, bias, groups, dims, transposed=False)
    cfg = _config(op, weight, stride, padding, dilation, groups, dims)
    x, w, unbatched = _to_4d(input, weight, dims)
    stride, pads, dilation, _ = cfg
    extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:]))
    padded = _padded_size(x.shape[2:], pads)
    if any(p < e for p, e in zip(padded, extent)):
        raise RuntimeError(f"{op}: the input's spatial size {tuple(input.shape[-dims:])} (padded: "
                           f"{padded[-dims:]}) is smaller than the kernel's extent {extent[-dims:]} "
                           "(dilation included); use a larger input, more padding or a smaller kernel")
    out_hw = tuple(_out_size(s, k, st, before + after, d) for s, k, st, before, after, d in zip(
        x.shape[2:], w.shape[2:], stride, pads[0::2], pads[1::2], dilation))
    return _from_4d(Convolution.apply(x, w, bias, cfg, out_hw), dims, unbatched)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over ``input`` (N, C, L) or (C, L).

    ``weight`` is (out_channels, C / groups, kL); ``padding`` is an int, a 1-tuple, ``'valid'``
    or ``'same'``. Returns (N, out_channels, L_out) with
    ``L_out = (L + 2*padding - dilation*(kL - 1) - 1) // stride + 1``.
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over ``input`` (N, C, H, W) or (C, H, W).

    ``weight`` is (out_channels, C / groups, kH, kW) and ``bias`` (out_channels,); ``stride``,
    ``padding`` and ``dilation`` are ints or pairs, ``padding`` may be ``'valid'`` or ``'same'``.
    Output size per spatial dim: ``(size + 2*padding - dilation*(k - 1) - 1) // stride + 1``.

    >>> x = ember.randn(8, 3, 32, 32)
    >>> F.conv2d(x, ember.randn(16, 3, 3, 3), padding=1).shape
    (8, 16, 32, 32)
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over ``input`` (N, C, D, H, W) or (C, D, H, W).

    ``weight`` is (out_channels, C / groups, kD, kH, kW) and ``bias`` (out_channels,); ``stride``,
    ``padding`` and ``dilation`` are ints or triples, ``padding`` may be ``'valid'`` or ``'same'``.
    Output size per spatial dim: ``(size + 2*padding - dilation*(k - 1) - 1) // stride + 1``.

    >>> F.conv3d(ember.randn(2, 3, 4, 8, 8), ember.randn(5, 3, 3, 3, 3), padding=1).shape
    (2, 5, 4, 8, 8)
    """
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, dims, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check(op, input, weight, bias, groups, dims, transposed=True)
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    cfg = _config(op, weight, stride, padding, dilation, groups, dims)
    output_padding = _pair(output_padding, dims, op, "output_padding")
    stride, pads, dilation, _ = cfg
    if dims == 1:
        output_padding = (0,) + output_padding
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ < 0 or op_ >= max(s, d):
            raise RuntimeError(f"{op}: output_padding {output_padding[-dims:]} must be smaller than "
                             f"either stride {stride[-dims:]} or dilation {dilation[-dims:]}")
    x, w, unbatched = _to_4d(input, weight, dims)
    out_hw = tuple((size - 1) * s - pb - pa + d * (k - 1) + op_ + 1 for size, s, pb, pa, d, k, op_ in zip(
        x.shape[2:], stride, pads[0::2], pads[1::2], dilation, w.shape[2:], output_padding))
    if min(out_hw) < 1:
        raise RuntimeError(f"{op}: the output size {out_hw[-dims:]} for an input of shape "
                           f"{shape_str(input.shape)} is not positive; use less padding")
    return _from_4d(ConvolutionTranspose.apply(x, w, bias, cfg, out_hw), dims, unbatched)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (the gradient of conv1d with respect to its input).

    ``weight`` is (in_channels, out_channels / groups, kL); ``L_out = (L - 1)*stride - 2*padding
    + dilation*(kL - 1) + output_padding + 1``.
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution") over ``input`` (N, C_in, H, W) or (C_in, H, W).

    ``weight`` is (C_in, out_channels / groups, kH, kW); per spatial dim the output size is
    ``(size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.

    >>> F.conv_transpose2d(ember.randn(1, 4, 5, 5), ember.randn(4, 2, 3, 3), stride=2).shape
    (1, 2, 11, 11)
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution over ``input`` (N, C_in, D, H, W) or (C_in, D, H, W).

    ``weight`` is (C_in, out_channels / groups, kD, kH, kW); per spatial dim the output size is
    ``(size - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1``.

    >>> F.conv_transpose3d(ember.randn(1, 4, 3, 5, 5), ember.randn(4, 2, 2, 2, 2), stride=2).shape
    (1, 2, 6, 10, 10)
    """
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)

