"""Reshaping layers: Flatten (merge dimensions, e.g. images to vectors for Linear) and Unflatten."""

from ember import ops
from ember.nn.modules.module import Module
from ember.ops._util import shape_str
from ember.tensor.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one (a view where possible).

    Shapes: ``(*, S_start, ..., S_end, *)`` to ``(*, S_start * ... * S_end, *)``; by default
    ``(N, C, H, W)`` to ``(N, C * H * W)``, keeping the batch dimension.

    >>> nn.Flatten()(ember.zeros(32, 1, 28, 28)).shape
    (32, 784)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(input).__name__}")
        n = input.ndim
        if not (-n <= self.start_dim < n and -n <= self.end_dim < n) and n:
            need = max(self.start_dim + 1, -self.start_dim, self.end_dim + 1, -self.end_dim)
            raise IndexError(f"{self!r} expects an input with at least {need} dimensions, got shape "
                             f"{shape_str(input.shape)}" + (" (no batch dimension? use "
                                                            "Flatten(start_dim=0))" if n == 1 else ""))
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of Flatten).

    Shapes: ``(*, S_dim, *)`` to ``(*, U_1, ..., U_n, *)`` with ``U_1 * ... * U_n = S_dim``.

    >>> nn.Unflatten(1, (2, 5))(ember.zeros(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: named dimensions are not supported; give dim as an int")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(input).__name__}")
        n = input.ndim
        if not -n <= self.dim < n:
            raise IndexError(f"{self!r} expects an input with a dimension {self.dim}, got shape "
                             f"{shape_str(input.shape)}")
        size = input.shape[self.dim]
        sizes = tuple(self.unflattened_size)
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if (-1 not in sizes and known != size) or (-1 in sizes and (known == 0 or size % known)):
            raise RuntimeError(f"{self!r} can't split dimension {self.dim} of size {size} (input "
                               f"shape {shape_str(input.shape)}) into {sizes}: the sizes must "
                               f"multiply to {size}")
        return ops.unflatten(input, self.dim, sizes)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
