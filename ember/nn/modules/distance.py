"""Distances and similarities between pairs of vectors, as layers: PairwiseDistance and
CosineSimilarity (each calls its ember.nn.functional form)."""

from ember.nn.functional import misc as F
from ember.nn.modules.module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dimension; inputs ``(N, D)`` or ``(D,)`` (broadcast),
    output ``(N,)`` or ``()`` (``(N, 1)`` with ``keepdim``).

    >>> nn.PairwiseDistance(eps=0)(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]])).tolist()
    [5.0]
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p  # PyTorch's attribute name
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """``x1 . x2 / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    >>> nn.CosineSimilarity(dim=0)(ember.tensor([1.0, 0.0]), ember.tensor([2.0, 0.0])).item()
    1.0
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
