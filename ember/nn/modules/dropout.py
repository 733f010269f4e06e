"""Dropout layers: active in training mode, the identity in evaluation mode (``model.eval()``)."""

from ember.nn.functional.dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from ember.nn.modules.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


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


class Dropout1d(_DropoutNd):
    """In training, zero whole channels of (N, C, L) or (C, L) with probability ``p`` and scale
    the others by ``1 / (1 - p)``; in evaluation, pass the input through."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels of ``(N, C, H, W)`` with probability ``p`` and scale the
    others by ``1 / (1 - p)``; in evaluation, pass the input through."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """In training, zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability ``p``
    and scale the others by ``1 / (1 - p)``; in evaluation, pass the input through."""

    def forward(self, input):
        return dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations (training only)."""

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels ``input[n, c]`` of (N, C, *) (training only): a dropped
    channel is set to SELU's saturation value, and an affine correction keeps zero mean and unit
    variance."""

    def forward(self, input):
        return feature_alpha_dropout(input, self.p, self.training)
