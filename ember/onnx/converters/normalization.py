"""Normalization (``ember/nn/functional/normalization.py``): ember's one ``Normalize`` op behind
layer_norm, group_norm and batch_norm in training (batch_norm in evaluation is an affine map of
ordinary ops)."""

import numpy as np

__all__ = ["normalize"]


def normalize(g, node):
    """LayerNormalization when the statistics are over the last axes and the weight and bias
    (if any) have their shape; otherwise the formula ``(x - mean) / sqrt(var + eps) * w + b``."""
    x, w, b = node.args[:3]
    axes, eps = tuple(node.static(3)), float(node.static(4))
    k = len(axes)
    trailing = axes == tuple(range(x.ndim - k, x.ndim))
    if trailing and all(v is None or v.shape == x.shape[x.ndim - k:] for v in (w, b)):
        if w is None:
            scale = g.initializer(np.ones(x.shape[x.ndim - k:], x.dtype), "layer_norm_scale")
        else:
            scale = g.name(w)
        return g.node("LayerNormalization", [g.name(x), scale, None if b is None else g.name(b)],
                      axis=-k, epsilon=eps)
    dtype = node.outputs[0].dtype
    xn = g.name(x)
    centered = g.node("Sub", [xn, g.reduce("ReduceMean", xn, axes, True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centered, centered]), axes, True)
    y = g.node("Div", [centered, g.node("Sqrt", [g.node("Add", [var, g.scalar(eps, dtype)])])])
    if w is not None:
        y = g.node("Mul", [y, g.name(w)])
    if b is not None:
        y = g.node("Add", [y, g.name(b)])
    return y
