"""Padding (``ember/nn/functional/misc.py``): constant padding."""

__all__ = ["constant_pad"]


def constant_pad(g, node):
    """Pad with ``value``; ``widths`` are ``(before, after)`` per dimension."""
    x, widths, value = node.args[0], node.static(1), node.static(2)
    pads = [b for b, _ in widths] + [a for _, a in widths]
    return g.node("Pad", [g.name(x), g.ints(pads), g.scalar(value, x.dtype)], mode="constant")
