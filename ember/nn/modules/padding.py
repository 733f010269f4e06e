"""Padding layers over ``F.pad``: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad, each in 1d, 2d and 3d forms (padding the last 1, 2 or 3 dimensions).

``padding`` is an int (the same amount on every side) or a sequence in PyTorch's order:
``(left, right)``, then ``(top, bottom)``, then ``(front, back)``. As in PyTorch a sequence is
kept as given, whatever its length, and ``F.pad`` checks it.
"""

from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.ops._util import shape_str

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]

_SPATIAL = {1: "W", 2: "H, W", 3: "D, H, W"}


class _PadNd(Module):
    """Pads the last ``_dims`` dimensions in ``_mode`` (reflect, replicate or circular)."""

    _dims = 1
    _mode = "reflect"

    def __init__(self, padding):
        super().__init__()
        n = 2 * self._dims
        self.padding = tuple(padding) if hasattr(padding, "__iter__") else (padding,) * n

    def forward(self, input):
        # PyTorch's circular layers check the rank for their own dimensions; for the others the rank
        # follows from the padding's length, and an odd length is left to F.pad's error
        n = self._dims if self._mode == "circular" else len(self.padding) // 2
        if n in _SPATIAL and input.ndim not in (n + 1, n + 2):
            raise ValueError(f"{self!r} expects a {n + 1}-D (C, {_SPATIAL[n]}) or {n + 2}-D "
                             f"(N, C, {_SPATIAL[n]}) input, got shape {shape_str(input.shape)}")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads the last ``_dims`` dimensions (of an input of any rank) with ``value``."""

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: ``(*, W)`` to ``(*, W + left + right)``;
    negative amounts crop.

    >>> nn.ConstantPad1d((1, 2), 3.5)(ember.zeros(1, 2)).tolist()
    [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: ``(*, H, W)`` to
    ``(*, H + top + bottom, W + left + right)``.

    >>> nn.ConstantPad2d((1, 1, 2, 0), -1.0)(ember.zeros(1, 3, 4)).shape
    (1, 5, 6)
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: ``(*, D, H, W)`` to
    ``(*, D + front + back, H + top + bottom, W + left + right)``.

    >>> nn.ConstantPad3d(1, 0.5)(ember.zeros(2, 3, 4, 5)).shape
    (2, 5, 6, 7)
    """

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros: ``(*, W)`` to ``(*, W + left + right)``.

    >>> nn.ZeroPad1d(1)(ember.ones(1, 2)).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros: ``(*, H, W)`` to
    ``(*, H + top + bottom, W + left + right)``.

    >>> nn.ZeroPad2d((1, 1, 2, 0))(ember.ones(1, 3, 4)).shape
    (1, 5, 6)
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros: ``(*, D, H, W)`` to
    ``(*, D + front + back, H + top + bottom, W + left + right)``.

    >>> nn.ZeroPad3d(1)(ember.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dimension of ``(C, W)`` or ``(N, C, W)`` inputs with its mirror image, the edge
    not repeated (each amount smaller than W).

    >>> nn.ReflectionPad1d(2)(ember.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """


class ReflectionPad2d(_PadNd):
    """Pad the last two dimensions of ``(C, H, W)`` or ``(N, C, H, W)`` inputs with their mirror
    image, the edge not repeated.

    >>> nn.ReflectionPad2d((1, 1, 2, 0))(ember.ones(1, 3, 4)).shape
    (1, 5, 6)
    """

    _dims = 2


class ReflectionPad3d(_PadNd):
    """Pad the last three dimensions of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` inputs with their
    mirror image, the edge not repeated.

    >>> nn.ReflectionPad3d(1)(ember.ones(1, 1, 2, 2, 2)).shape
    (1, 1, 4, 4, 4)
    """

    _dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dimension of ``(C, W)`` or ``(N, C, W)`` inputs by repeating its edge values.

    >>> nn.ReplicationPad1d((1, 2))(ember.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 2.0, 2.0, 2.0]]
    """

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dimensions of ``(C, H, W)`` or ``(N, C, H, W)`` inputs by repeating their
    edge values.

    >>> nn.ReplicationPad2d(1)(ember.ones(1, 3, 4)).shape
    (1, 5, 6)
    """

    _dims = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dimensions of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` inputs by repeating
    their edge values.

    >>> nn.ReplicationPad3d((1, 0, 0, 1, 2, 2))(ember.ones(1, 2, 2, 2)).shape
    (1, 6, 3, 3)
    """

    _dims = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dimension of ``(C, W)`` or ``(N, C, W)`` inputs by wrapping around (each amount
    at most W).

    >>> nn.CircularPad1d((1, 2))(ember.tensor([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    """

    _mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dimensions of ``(C, H, W)`` or ``(N, C, H, W)`` inputs by wrapping around.

    >>> nn.CircularPad2d(1)(ember.ones(1, 3, 4)).shape
    (1, 5, 6)
    """

    _dims = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dimensions of ``(C, D, H, W)`` or ``(N, C, D, H, W)`` inputs by wrapping
    around.

    >>> nn.CircularPad3d(1)(ember.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    _dims = 3
    _mode = "circular"
