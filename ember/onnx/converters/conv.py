"""Convolutions (``ember/nn/functional/conv.py``): every convolution runs in 2-D in ember (a 1-D
one on a height of 1), so these are 2-D Conv and ConvTranspose nodes."""

__all__ = ["convolution", "convolution_transpose"]


def _attrs(cfg, w):
    """ONNX attributes from ember's ``(stride, (top, bottom, left, right), dilation, groups)``."""
    stride, (top, bottom, left, right), dilation, groups = cfg
    return dict(kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation),
                group=groups, pads=[top, left, bottom, right])


def convolution(g, node):
    x, w, b, cfg = node.args[0], node.args[1], node.args[2], node.static(3)
    return g.node("Conv", [g.name(x), g.name(w), None if b is None else g.name(b)], **_attrs(cfg, w))


convolution.varying = (4,)  # the output size, which Conv computes


def convolution_transpose(g, node):
    """ConvTranspose; its ``output_padding`` is what gives ember's output size."""
    u, w, b, cfg = node.args[0], node.args[1], node.args[2], node.static(3)
    attrs = _attrs(cfg, w)
    padding = [_output_padding(cfg, w, v, out) for v, out in ((u, node.outputs[0]),
                                                              (u.twin, node.outputs[0].twin))]
    if padding[0] != padding[1]:
        node.static(4)
    attrs["output_padding"] = padding[0]
    return g.node("ConvTranspose", [g.name(u), g.name(w), None if b is None else g.name(b)], **attrs)


convolution_transpose.varying = (4,)  # the output size, given by output_padding


def _output_padding(cfg, w, u, out):
    stride, (top, bottom, left, right), dilation, _ = cfg
    natural = [(n - 1) * s - pb - pa + d * (k - 1) + 1 for n, s, pb, pa, d, k in zip(
        u.shape[2:], stride, (top, left), (bottom, right), dilation, w.shape[2:])]
    return [o - n for o, n in zip(out.shape[2:], natural)]
