"""Dropout layers: active in training mode, the identity in evaluation mode (``model.eval()``)."""

from ember.nn.functional.dropout import alpha_dropout, dropout, dropout2d
from ember.nn.modules.module import Module

__all__ = ["Dropout", "Dropout2d", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 and "
                             f"1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability ``p`` and scale the others by
    ``1 / (1 - p)``; in evaluation, pass the input through. Input and output ``(*)``.

    Masks come from ember's seeded generator: ``ember.manual_seed`` reproduces them.

    >>> layer = nn.Dropout(p=0.5).eval()
    >>> layer(ember.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of ``(N, C, H, W)`` with probability ``p`` and scale the
    others by ``1 / (1 - p)``; in evaluation, pass the input through."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations (training only)."""

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training)
