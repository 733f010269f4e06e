"""Sliding blocks: ``unfold`` (im2col) gathers the blocks of an image into columns, ``fold``
(col2im) adds columns back into an image.

``unfold`` reuses the convolutions' im2col (``conv._columns``); ``fold`` is its adjoint, so the
two Primitives differentiate into each other and gradients of every order work.
"""

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.nn.functional.conv import _columns, _out_size, _pair
from ember.ops._util import shape_str

__all__ = ["unfold", "fold"]


class Im2col(Primitive):
    """The blocks of ``x`` (N, C, H, W) as columns (N, C*kH*kW, L), L the number of blocks."""

    @staticmethod
    def forward(ctx, x, kernel, cfg, blocks):
        ctx.args = (kernel, cfg, blocks, x.shape[2:])
        n, c = x.shape[:2]
        # (the columns live in scratch memory: copy them out, as (N, C*kH*kW, L))
        cols = _columns(x, kernel, cfg, blocks, False).transpose(1, 0, 2).copy()
        return cols.reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])

    @staticmethod
    def backward(ctx, gy):
        kernel, cfg, blocks, in_hw = ctx.args
        return Col2im.apply(gy, kernel, cfg, blocks, in_hw), None, None, None


class Col2im(Primitive):
    """Columns (N, C*kH*kW, L) summed into an image (N, C, H, W): overlapping blocks add up."""

    @staticmethod
    def forward(ctx, cols, kernel, cfg, blocks, in_hw):
        ctx.args = (kernel, cfg, blocks)
        xp = array_module(cols)
        (sh, sw), (top, bottom, left, right), (dh, dw), _ = cfg
        (kh, kw), (oh, ow), (h, w) = kernel, blocks, in_hw
        n, c = cols.shape[0], cols.shape[1] // (kh * kw)
        image = xp.zeros((n, c, h + top + bottom, w + left + right), cols.dtype)
        cols = cols.reshape(n, c, kh, kw, oh, ow)
        for a in range(kh):  # one strided add per kernel offset, as conv's col2im
            for b in range(kw):
                image[:, :, a * dh:a * dh + sh * (oh - 1) + 1:sh, b * dw:b * dw + sw * (ow - 1) + 1:sw] \
                    += cols[:, :, a, b]
        return xp.ascontiguousarray(image[:, :, top:top + h, left:left + w])

    @staticmethod
    def backward(ctx, gimage):
        kernel, cfg, blocks = ctx.args
        return Im2col.apply(gimage, kernel, cfg, blocks), None, None, None, None


def _geometry(op, image_hw, kernel_size, dilation, padding, stride):
    """(kernel, cfg, blocks): conv's (stride, pads, dilation, groups) and the grid of blocks."""
    kernel, dilation = _pair(kernel_size, 2, op, "kernel_size"), _pair(dilation, 2, op, "dilation")
    padding, stride = _pair(padding, 2, op, "padding"), _pair(stride, 2, op, "stride")
    if min(kernel + dilation + stride) < 1 or min(padding) < 0:
        raise RuntimeError(f"{op}: kernel_size {kernel}, dilation {dilation} and stride {stride} must "
                           f"be positive and padding {padding} non-negative")
    blocks = tuple(_out_size(n, k, s, 2 * p, d)
                   for n, k, s, p, d in zip(image_hw, kernel, stride, padding, dilation))
    if min(blocks) < 1:
        raise RuntimeError(f"{op}: for a spatial size {tuple(image_hw)}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding} and stride={stride} give a grid of "
                           f"{blocks} sliding blocks, but each must be at least one; use a larger "
                           "input, more padding or a smaller kernel")
    cfg = (stride, (padding[0], padding[0], padding[1], padding[1]), dilation, 1)
    return kernel, cfg, blocks


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col): ``input`` (N, C, H, W) or (C, H, W) becomes
    (N, C*kH*kW, L) or (C*kH*kW, L), with L blocks of kH x kW pixels each (row-major).

    ``conv2d(x, w)`` equals ``w.view(F, -1) @ unfold(x, k)`` reshaped to the output's (OH, OW).

    >>> F.unfold(ember.randn(2, 3, 4, 5), 2).shape
    (2, 12, 12)
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"unfold: expects a 4-D input (N, C, H, W) or an unbatched 3-D one, got "
                           f"shape {shape_str(input.shape)}")
    kernel, cfg, blocks = _geometry("unfold", input.shape[-2:], kernel_size, dilation, padding, stride)
    if input.ndim == 3:
        return Im2col.apply(input.unsqueeze(0), kernel, cfg, blocks).squeeze(0)
    return Im2col.apply(input, kernel, cfg, blocks)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks into an image (col2im, the adjoint of ``unfold``): ``input``
    (N, C*kH*kW, L) or (C*kH*kW, L) becomes (N, C, *output_size) or (C, *output_size);
    overlapping blocks add up.

    >>> F.fold(ember.ones(1, 4, 4), (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expects a 3-D input (N, C*kH*kW, L) or an unbatched 2-D one, got "
                           f"shape {shape_str(input.shape)}")
    out_hw = _pair(output_size, 2, "fold", "output_size")
    kernel, cfg, blocks = _geometry("fold", out_hw, kernel_size, dilation, padding, stride)
    rows, length = input.shape[-2:]
    if rows % (kernel[0] * kernel[1]):
        raise RuntimeError(f"fold: the input of shape {shape_str(input.shape)} has {rows} rows, which "
                           f"the kernel's size {kernel[0]} * {kernel[1]} doesn't divide; expected "
                           "C * kH * kW rows")
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"fold: output_size={out_hw}, kernel_size={kernel}, dilation={cfg[2]}, "
                           f"padding={cfg[1][::2]} and stride={cfg[0]} give {blocks[0]} * {blocks[1]} "
                           f"= {blocks[0] * blocks[1]} blocks, but the input of shape "
                           f"{shape_str(input.shape)} has {length}")
    if input.ndim == 2:
        return Col2im.apply(input.unsqueeze(0), kernel, cfg, blocks, out_hw).squeeze(0)
    return Col2im.apply(input, kernel, cfg, blocks, out_hw)
