"""Loss modules: each holds its options (and class weights as buffers, as PyTorch does, so that
they move with ``.to()`` and appear in ``state_dict``) and calls its ember.nn.functional form.

``reduction`` is ``'mean'`` (default), ``'sum'`` or ``'none'``; the deprecated ``size_average``
and ``reduce`` arguments are accepted with PyTorch's warning.
"""

from ember.nn import functional as F
from ember.nn.functional.loss import legacy_reduction
from ember.nn.modules.distance import PairwiseDistance
from ember.nn.modules.module import Module

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
           "SoftMarginLoss", "MultiLabelSoftMarginLoss", "HingeEmbeddingLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
           "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss"]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)^2``; input and target of the same shape ``(*)``.

    >>> nn.MSELoss()(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 4.0])).item()
    2.0
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``; input and target of the same shape ``(*)``."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic below ``beta``, linear above: ``0.5 * d^2 / beta`` or ``|d| - 0.5 * beta``."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic below ``delta``, linear above: ``0.5 * d^2`` or ``delta * (|d| - 0.5 * delta)``."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (after a sigmoid) against targets in [0, 1].

    ``weight`` rescales each element (broadcast to the input). Prefer ``BCEWithLogitsLoss`` on
    logits: it is numerically stable.
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one stable step, from logits.

    Args:
        weight: rescales each element (broadcast to the input).
        pos_weight: weight of the positive examples per class, e.g. ``(C,)`` for input
            ``(N, C)``; ``n_negative / n_positive`` balances an imbalanced class.

    >>> loss = nn.BCEWithLogitsLoss(pos_weight=ember.tensor([3.0]))
    >>> round(loss(ember.tensor([0.0]), ember.tensor([1.0])).item(), 4)
    2.0794
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits ``(N, C)`` / ``(N, C, d1, ...)`` / ``(C,)`` against class indices
    ``(N,)`` / ``(N, d1, ...)`` / ``()`` or class probabilities of the input's shape.

    Args:
        weight: ``(C,)``, a weight per class; 'mean' then divides by ``sum(weight[target])``.
        ignore_index: a target value that contributes neither loss nor gradient.
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: in [0, 1], mixes targets with the uniform distribution.

    >>> loss = nn.CrossEntropyLoss()
    >>> round(loss(ember.tensor([[0.0, 0.0]]), ember.tensor([1])).item(), 4)
    0.6931
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities (``LogSoftmax`` output).

    Shapes, ``weight`` and ``ignore_index`` as in ``CrossEntropyLoss``.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence; ``input`` holds log-probabilities (``target`` too when
    ``log_target``). Use ``reduction='batchmean'`` for the mathematical KL divergence."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for target -1;
    inputs ``(N, D)``, target ``(N,)``."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -target * (x1 - x2) + margin)``: target 1 ranks ``x1`` above ``x2``."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))``, targets 1 or -1 of the input's
    shape ``(*)``; finite for scores of any size."""

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label logistic loss over logits ``(N, C)`` / ``(C,)`` and 0/1 targets of that shape:
    per sample, the mean over classes of the binary cross-entropy (``weight``: ``(C,)``).

    >>> loss = nn.MultiLabelSoftMarginLoss()
    >>> round(loss(ember.tensor([[0.0, 0.0]]), ember.tensor([[1.0, 0.0]])).item(), 4)
    0.6931
    """

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1; ``input`` is
    usually a distance between two embeddings, any shape ``(*)``."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss over scores ``(N, C)`` / ``(C,)`` and class indices ``(N,)`` / ``()``:
    ``sum_{c != y} w_y * max(0, margin - x_y + x_c)^p / C`` per sample.

    Args:
        p: 1 or 2.
        weight: ``(C,)``, a weight per class.

    >>> round(nn.MultiMarginLoss()(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3])).item(), 4)
    0.325
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be None or a 1-D tensor of one value per "
                             f"class, got {weight.ndim}-D (shape {tuple(weight.shape)})")
        super().__init__(weight, size_average, reduce, reduction)
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over scores ``(N, C)`` / ``(C,)``; the target (same shape) lists each
    sample's classes, then -1 (only the classes before the first -1 count)."""

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


def _check_margin(name, margin):
    if not margin > 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the pairwise ``p``-norm distance
    (``eps`` added to the difference); embeddings ``(N, D)`` or ``(D,)``.

    Args:
        margin: greater than 0.
        swap: use ``min(d(a, n), d(p, n))`` for the negative distance (Balntas et al. 2016).
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        _check_margin("TripletMarginLoss", margin)
        super().__init__(size_average, reduce, reduction)
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` for any distance ``d(x1, x2)``;
    ``nn.PairwiseDistance()`` (held as a submodule, as PyTorch does) by default.

    >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1))
    >>> loss(ember.tensor([[0.0]]), ember.tensor([[2.0]]), ember.tensor([[0.5]])).item()
    2.5
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        _check_margin("TripletMarginWithDistanceLoss", margin)
        super().__init__(reduction=reduction)
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap,
                                                   reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts given log-rates (``log_input``) or rates, any
    shape ``(*)``; ``full`` adds the Stirling term where ``target > 1``."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood of ``target`` given means ``input`` and variances ``var``
    (the input's shape, one per sample, shared along a dimension of size 1, or a number); the
    variance is clamped at ``eps``.

    >>> round(nn.GaussianNLLLoss()(ember.tensor([1.0]), ember.tensor([3.0]), ember.tensor([4.0])).item(), 4)
    1.1931
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss of log-probabilities ``(T, N, C)`` (or
    ``(T, C)``) against padded ``(N, S)`` or concatenated targets, given per-sample input and
    target lengths.

    >>> lp = ember.tensor([[[-1.0, -0.5]], [[-0.5, -1.0]]])
    >>> round(nn.CTCLoss()(lp, ember.tensor([[1]]), (2,), (1,)).item(), 4)
    0.3197
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=self.blank,
                          reduction=self.reduction, zero_infinity=self.zero_infinity)
