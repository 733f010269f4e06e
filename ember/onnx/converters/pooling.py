"""Pooling (``ember/nn/functional/pooling.py``): 2-D max and average pooling (1-D runs on a
height of 1 in ember)."""

import numpy as np

__all__ = ["max_pool", "avg_pool"]


def _ceil_mode(geometry):
    """Whether ember counted a last, partial window (``ceil_mode``)."""
    floor = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(
        geometry.in_hw, geometry.padding, geometry.dilation, geometry.kernel, geometry.stride))
    return tuple(geometry.out_hw) != floor


def _windows(geometry):
    """What the ONNX node takes from the geometry (not the sizes, which may be dynamic)."""
    return geometry.kernel, geometry.stride, geometry.padding, geometry.dilation, _ceil_mode(geometry)


def _pool(g, node, op_type, **attrs):
    """``op_type`` over the windows of the geometry (argument 1). With ``ceil_mode`` ONNX may
    count one more window than PyTorch's rule (the last window must start inside the input or
    its left padding): the output is then cut to ember's size."""
    geometry = node.static(1, _windows)
    (kh, kw), (sh, sw), (pt, pl), (dh, dw), ceil_mode = _windows(geometry)
    y = g.node(op_type, [g.name(node.args[0])], kernel_shape=[kh, kw], strides=[sh, sw],
               pads=[pt, pl, pt, pl], ceil_mode=int(ceil_mode),
               dilations=None if (dh, dw) == (1, 1) else [dh, dw], **attrs)
    if ceil_mode:
        y = g.node("Slice", [y, g.ints([0, 0]), g.ints(geometry.out_hw), g.ints([2, 3])])
    return y


def max_pool(g, node):
    return _pool(g, node, "MaxPool")


max_pool.varying = (1,)  # the geometry's sizes (its windows are checked in _pool)


def avg_pool(g, node):
    """AveragePool over the elements inside the input (``count_include_pad=0``), times
    ``count / divisor`` where ember divides by something else (padding counted, a
    ``divisor_override``): the window sums are then exactly ember's."""
    y = _pool(g, node, "AveragePool", count_include_pad=0)
    factor, factor_b = (_factor(n.args[1], n.args[2]) for n in (node, node.twin))
    if np.allclose(factor, 1, rtol=0, atol=1e-12) and np.allclose(factor_b, 1, rtol=0, atol=1e-12):
        return y
    node.static(1)  # a factor that depends on the input's size can't be a constant
    return g.node("Mul", [y, g.initializer(factor.astype(node.outputs[0].dtype), "avg_pool_scale")])


avg_pool.varying = (1,)


def _factor(geometry, divisor):
    counts = []
    for o, k, s, p, n in zip(geometry.out_hw, geometry.kernel, geometry.stride, geometry.padding,
                             geometry.in_hw):
        start = np.arange(o) * s - p
        counts.append(np.minimum(start + k, n) - np.maximum(start, 0))
    divisor = divisor.array if hasattr(divisor, "kind") else divisor
    return (counts[0][:, None] * counts[1][None, :]) / np.asarray(divisor, np.float64)
