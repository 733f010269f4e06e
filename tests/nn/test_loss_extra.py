"""The margin, hinge, triplet, soft-margin and likelihood losses (ember.nn.functional.margin_loss,
ember.nn.functional.likelihood_loss), their modules, and PairwiseDistance / CosineSimilarity."""

import doctest
import math
import re
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["mean", "sum", "none"]


def _tf():
    return torch.nn.functional


def _np(t):
    return t.detach().cpu().numpy()


def _rng(seed=0):
    return np.random.default_rng(seed)


def _const(lib, a, like):
    """A constant (target, weight) for ``lib``: floating point ones in ``like``'s dtype."""
    t = ember.tensor(a, device=like.device) if lib is ember else torch.tensor(a)
    return t.to(like.dtype) if np.asarray(a).dtype.kind == "f" else t


def _loss(name, *consts, **kwargs):
    """``F.<name>(*inputs, *consts, **kwargs)`` for ember and for torch: the two functions of
    check_op; ``consts`` and array-valued kwargs become constants in the first input's dtype."""
    def make(lib, functional):
        fn = getattr(functional, name)

        def call(*xs):
            kw = {k: _const(lib, v, xs[0]) if isinstance(v, np.ndarray) else v
                  for k, v in kwargs.items()}
            return fn(*xs, *[_const(lib, c, xs[0]) for c in consts], **kw)
        return call
    return make(ember, F), (make(torch, _tf()) if torch else None)


def _signs(shape, seed):
    return np.where(_rng(seed).uniform(size=shape) < 0.5, -1.0, 1.0)


# ---------------------------------------------------------------- soft margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,target_shape", [((4, 3), (4, 3)), ((5,), (5,)), ((), ()),
                                                ((4, 3), (3,))])
def test_soft_margin_loss_matches_torch(shape, target_shape, reduction):
    x = _rng(1).uniform(-3, 3, shape)
    check_op(*_loss("soft_margin_loss", _signs(target_shape, 2), reduction=reduction), inputs=[x])


@needs_torch
def test_soft_margin_loss_is_finite_for_huge_scores():
    a = np.array([1e4, -1e4, 1e4, -1e4, 50.0, 0.0], dtype=np.float32)
    y = np.array([1.0, -1.0, -1.0, 1.0, -1.0, 1.0], dtype=np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss = F.soft_margin_loss(x, ember.tensor(y), reduction="none")
    t_loss = _tf().soft_margin_loss(tx, torch.tensor(y), reduction="none")
    loss.sum().backward()
    t_loss.sum().backward()
    assert np.isfinite(_np(loss)).all() and np.isfinite(_np(x.grad)).all()
    stable = np.isfinite(_np(t_loss)) & np.isfinite(_np(tx.grad))  # torch's log1p(exp(.)) overflows
    assert stable.tolist() == [True, True, False, False, True, True]
    np.testing.assert_allclose(_np(loss)[stable], _np(t_loss)[stable], rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad)[stable], _np(tx.grad)[stable], rtol=1e-6)
    # where y * x is hugely negative the loss is -y * x and its gradient -y
    np.testing.assert_array_equal(_np(loss)[~stable], (-y * a)[~stable])
    np.testing.assert_array_equal(_np(x.grad)[~stable], -y[~stable])


# ---------------------------------------------------------------- multi-label soft margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 3, 4)])
def test_multilabel_soft_margin_loss_matches_torch(shape, weighted, reduction):
    rng = _rng(3)
    x, t = rng.uniform(-3, 3, shape), (rng.uniform(size=shape) < 0.5).astype(np.float64)
    kw = {"weight": rng.uniform(0.5, 2, shape[-1])} if weighted else {}
    check_op(*_loss("multilabel_soft_margin_loss", t, reduction=reduction, **kw), inputs=[x])


def test_multilabel_soft_margin_loss_gradient_of_soft_targets_matches_torch():
    rng = _rng(4)
    x, t = rng.uniform(-3, 3, (4, 3)), rng.uniform(0, 1, (4, 3))
    check_op(*_loss("multilabel_soft_margin_loss", weight=rng.uniform(0.5, 2, (4, 1))), inputs=[x, t])


@needs_torch
def test_multilabel_soft_margin_loss_is_finite_for_huge_logits():
    a = np.array([[1e4, -1e4, 1e4, -1e4], [0.0, 5.0, -1e4, 1e4]], dtype=np.float32)
    y = np.array([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss = F.multilabel_soft_margin_loss(x, ember.tensor(y))
    t_loss = _tf().multilabel_soft_margin_loss(tx, torch.tensor(y))
    loss.backward()
    t_loss.backward()
    assert np.isfinite(_np(loss)) and np.isfinite(_np(x.grad)).all()
    np.testing.assert_allclose(_np(loss), _np(t_loss), rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- hinge embedding
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.4])
@pytest.mark.parametrize("shape,target_shape", [((4, 3), (4, 3)), ((6,), (6,)), ((), ()),
                                                ((4, 1), (3,))])
def test_hinge_embedding_loss_matches_torch(shape, target_shape, margin, reduction):
    x = _rng(5).uniform(-2, 2, shape)
    check_op(*_loss("hinge_embedding_loss", _signs(target_shape, 6), margin, reduction=reduction),
             inputs=[x])


def test_hinge_embedding_loss_gives_a_target_other_than_1_and_minus_1_both_terms_as_torch():
    x = np.array([0.5, 0.5, 2.0, -0.3])
    check_op(*_loss("hinge_embedding_loss", np.array([1.0, -1.0, 0.0, 0.5]), reduction="none"),
             inputs=[x])
    assert F.hinge_embedding_loss(ember.tensor(x), ember.tensor([1.0, -1.0, 0.0, 0.5]),
                                  reduction="none").tolist() == pytest.approx([0.5, 0.5, 2.0, 1.0])


# ---------------------------------------------------------------- multi-class margin
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin", [(1, 1.0), (2, 1.0), (1, 0.3), (2, -0.2)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape,target", [((5, 4), [0, 3, 1, 1, 2]), ((4,), 2), ((4,), [2]),
                                          ((1, 4), 3), ((), 0), ((), [0])])
def test_multi_margin_loss_matches_torch(shape, target, weighted, p, margin, reduction):
    x = _rng(7).uniform(-1.5, 1.5, shape)
    n_classes = shape[-1] if shape else 1
    kw = {"weight": _rng(8).uniform(0.5, 2, n_classes)} if weighted else {}
    check_op(*_loss("multi_margin_loss", np.array(target), p, margin, reduction=reduction, **kw),
             inputs=[x])


@needs_torch
def test_multi_margin_loss_has_no_gradient_where_the_margin_is_met_exactly():
    a = np.array([[0.0, 1.0, 0.0], [2.0, 0.5, 0.1]])
    for p in (1, 2):
        x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        F.multi_margin_loss(x, ember.tensor([1, 0]), p=p).backward()
        _tf().multi_margin_loss(tx, torch.tensor([1, 0]), p=p).backward()
        np.testing.assert_array_equal(_np(x.grad), _np(tx.grad))


# ---------------------------------------------------------------- multi-label margin
_LABELS = np.array([[3, 0, -1, 1, 2],  # classes 3 and 0; what follows the -1 is ignored
                    [-1, 2, 3, 0, 0],  # no class
                    [1, 1, 4, -1, -1],  # class 1 twice: it counts twice, as in PyTorch
                    [0, 1, 2, 3, 4]])  # every class: nothing to rank below


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("rows", [slice(None), 0, 2])
def test_multilabel_margin_loss_matches_torch(rows, reduction):
    x = _rng(9).uniform(-1.5, 1.5, (4, 5))[rows]
    check_op(*_loss("multilabel_margin_loss", _LABELS[rows], reduction=reduction), inputs=[x])


@needs_torch
def test_multilabel_margin_loss_of_one_class():
    for target in (np.array(0), np.array([-1])):
        check_op(*_loss("multilabel_margin_loss", target, reduction="none"), inputs=[np.array(0.4)])


# ---------------------------------------------------------------- triplets
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("shapes", [[(4, 5)] * 3, [(5,)] * 3, [(4, 5), (1, 5), (4, 5)],
                                    [(2, 3, 4)] * 3])
def test_triplet_margin_loss_matches_torch(shapes, swap, p, reduction):
    check_op(*_loss("triplet_margin_loss", margin=1.5, p=p, swap=swap, reduction=reduction),
             shapes=shapes, seed=10)


def test_triplet_margin_loss_eps_enters_the_distance_as_torch():
    check_op(*_loss("triplet_margin_loss", margin=0.5, eps=0.3), shapes=[(4, 3)] * 3, seed=11)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["default", "cosine"])
def test_triplet_margin_with_distance_loss_matches_torch(distance, swap, reduction):
    def make(lib, functional):
        def call(a, p, n):
            fn = None if distance == "default" else lambda x, y: 1 - functional.cosine_similarity(x, y)
            return functional.triplet_margin_with_distance_loss(a, p, n, distance_function=fn,
                                                                margin=0.7, swap=swap,
                                                                reduction=reduction)
        return call
    check_op(make(ember, F), make(torch, _tf()) if torch else None, shapes=[(4, 5)] * 3, seed=12)


# ---------------------------------------------------------------- Poisson
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shapes", [[(4, 3), (4, 3)], [(), ()], [(4, 1), (3,)]])
def test_poisson_nll_loss_matches_torch(shapes, full, log_input, reduction):
    rng = _rng(13)
    x = rng.uniform(-1, 1.5, shapes[0]) if log_input else rng.uniform(0.1, 3, shapes[0])
    t = rng.uniform(0.3, 4, shapes[1])  # on both sides of the Stirling term's t > 1
    check_op(*_loss("poisson_nll_loss", log_input=log_input, full=full, reduction=reduction),
             inputs=[x, t])


@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_loss_takes_integer_counts_as_torch(log_input):
    rng = _rng(14)
    counts = rng.poisson(2.0, (5, 3))
    counts[0] = [0, 1, 2]
    x = rng.uniform(-1, 1.5, (5, 3)) if log_input else rng.uniform(0.1, 3, (5, 3))
    check_op(*_loss("poisson_nll_loss", counts, log_input=log_input, full=True, eps=1e-4),
             inputs=[x])


@needs_torch
def test_poisson_nll_loss_target_gradient_is_finite_at_zero():
    a, c = np.array([0.5, 1.0, 2.0, 0.3]), np.array([0.0, 1.0, 3.0, 2.0])
    x, t = ember.tensor(a, requires_grad=True), ember.tensor(c, requires_grad=True)
    tx, tt = torch.tensor(a, requires_grad=True), torch.tensor(c, requires_grad=True)
    F.poisson_nll_loss(x, t, full=True, reduction="sum").backward()
    _tf().poisson_nll_loss(tx, tt, full=True, reduction="sum").backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-12)
    assert np.isnan(_np(tt.grad)[0])  # torch: 0 * log(0) under the mask
    np.testing.assert_allclose(_np(t.grad)[1:], _np(tt.grad)[1:], rtol=1e-12)
    assert _np(t.grad)[0] == -0.5  # no Stirling term at t <= 1: only -x


# ---------------------------------------------------------------- Gaussian
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shape,var_shape", [((4, 3), (4, 3)), ((4, 3), (4,)), ((4, 3), (4, 1)),
                                             ((4, 3), (1, 3)), ((3,), (3,)), ((3,), ()),
                                             ((3,), (1,)), ((2, 3, 4), (2, 1, 4))])
def test_gaussian_nll_loss_matches_torch(shape, var_shape, full, reduction):
    rng = _rng(15)
    x, t, v = rng.uniform(-2, 2, shape), rng.uniform(-2, 2, shape), rng.uniform(0.2, 2, var_shape)
    check_op(lambda x, v, t: F.gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
             lambda x, v, t: _tf().gaussian_nll_loss(x, t, v, full=full, reduction=reduction),
             inputs=[x, v, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss_with_a_number_for_var_matches_torch(reduction):
    rng = _rng(16)
    check_op(*_loss("gaussian_nll_loss", var=0.7, reduction=reduction),
             inputs=[rng.uniform(-2, 2, (4, 3)), rng.uniform(-2, 2, (4, 3))])


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gaussian_nll_loss_clamps_var_at_eps_and_passes_the_gradient_as_torch(dtype):
    a, b = np.array([0.1, 0.2, 0.3, -0.4]), np.zeros(4)
    v = np.array([0.0, 1e-9, 1e-7, 0.5])
    xs = [ember.tensor(u.astype(dtype), requires_grad=True) for u in (a, v)]
    txs = [torch.tensor(u.astype(dtype), requires_grad=True) for u in (a, v)]
    loss = F.gaussian_nll_loss(xs[0], ember.tensor(b.astype(dtype)), xs[1], reduction="none")
    t_loss = _tf().gaussian_nll_loss(txs[0], torch.tensor(b.astype(dtype)), txs[1], reduction="none")
    loss.sum().backward()
    t_loss.sum().backward()
    rtol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(_np(loss), _np(t_loss), rtol=rtol)
    for e, t in zip(xs, txs):
        np.testing.assert_allclose(_np(e.grad), _np(t.grad), rtol=rtol)
    assert _np(xs[1].grad)[0] == pytest.approx(0.5 * (1e6 - 0.01 / 1e-12), rel=1e-6)  # not 0


# ---------------------------------------------------------------- extreme scores
@needs_torch
@pytest.mark.parametrize("name,make_target", [
    ("multi_margin_loss", lambda: torch.tensor([0, 2])),
    ("multilabel_margin_loss", lambda: torch.tensor([[0, 2, -1], [1, -1, 0]])),
    ("hinge_embedding_loss", lambda: torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])),
])
def test_margin_losses_are_finite_for_huge_scores(name, make_target):
    a = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype=np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    target = make_target()
    loss, t_loss = getattr(F, name)(x, ember.tensor(target.numpy())), getattr(_tf(), name)(tx, target)
    loss.backward()
    t_loss.backward()
    assert np.isfinite(_np(loss)) and np.isfinite(_np(x.grad)).all()
    np.testing.assert_allclose(_np(loss), _np(t_loss), rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-6)


# ---------------------------------------------------------------- distance modules
@needs_torch
@pytest.mark.parametrize("name,kwargs,shapes", [
    ("PairwiseDistance", {}, [(4, 5), (4, 5)]),
    ("PairwiseDistance", {"p": 1.0, "eps": 0.1, "keepdim": True}, [(4, 5), (5,)]),
    ("CosineSimilarity", {}, [(4, 5), (4, 5)]),
    ("CosineSimilarity", {"dim": 0, "eps": 1e-3}, [(4, 5), (4, 1)]),
])
def test_distance_modules_match_torch(name, kwargs, shapes):
    module, t_module = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(module) == repr(t_module)
    check_op(module, t_module, shapes=shapes, seed=17)


# ---------------------------------------------------------------- modules
def _module_cases():
    rng = _rng(18)
    x = rng.uniform(-2, 2, (4, 3))
    w = rng.uniform(0.5, 2, 3)
    pos = np.abs(x) + 0.1
    return [
        ("SoftMarginLoss", {}, [x, _signs((4, 3), 19)]),
        ("SoftMarginLoss", {"reduction": "sum"}, [x, _signs((4, 3), 19)]),
        ("MultiLabelSoftMarginLoss", {"weight": w}, [x, (x > 0).astype(np.float64)]),
        ("MultiLabelSoftMarginLoss", {"reduction": "none"}, [x, (x > 0).astype(np.float64)]),
        ("HingeEmbeddingLoss", {"margin": 0.5}, [x, _signs((4, 3), 20)]),
        ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": w}, [x, np.array([0, 2, 1, 2])]),
        ("MultiMarginLoss", {"reduction": "none"}, [x, np.array([0, 2, 1, 2])]),
        ("MultiLabelMarginLoss", {}, [x, np.array([[0, -1, 1], [2, 1, -1], [-1, 0, 0], [1, 0, 2]])]),
        ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, [x, x[::-1].copy(), x * 2]),
        ("TripletMarginLoss", {"eps": 0.0, "reduction": "none"}, [x, x[::-1].copy(), x * 2]),
        ("TripletMarginWithDistanceLoss", {"margin": 2.0, "swap": True}, [x, x[::-1].copy(), x * 2]),
        ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 1e-3}, [pos, pos[::-1] * 3]),
        ("PoissonNLLLoss", {}, [x, pos * 3]),
        ("GaussianNLLLoss", {"full": True, "eps": 0.5}, [x, x[::-1].copy(), pos[:, 0]]),
        ("GaussianNLLLoss", {"reduction": "none"}, [x, x[::-1].copy(), pos[:, :1]]),
    ]


@needs_torch
@pytest.mark.parametrize("case", range(len(_module_cases())))
def test_loss_modules_match_torch(case):
    name, kwargs, args = _module_cases()[case]
    ekw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    loss, t_loss = getattr(nn, name)(**ekw), getattr(torch.nn, name)(**tkw)
    assert repr(loss) == repr(t_loss)
    assert list(loss.state_dict()) == list(t_loss.state_dict())
    # every floating point argument is differentiated, but soft_margin_loss's target (torch refuses)
    grads = [a.dtype.kind == "f" and not (name == "SoftMarginLoss" and i) for i, a in enumerate(args)]
    ex = [ember.tensor(a, requires_grad=g) for a, g in zip(args, grads)]
    tx = [torch.tensor(a, requires_grad=g) for a, g in zip(args, grads)]
    y, ty = loss(*ex), t_loss(*tx)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-10, err_msg=name)
    y.sum().backward()
    ty.sum().backward()
    for e, t in zip(ex, tx):
        if t.grad is not None:
            np.testing.assert_allclose(_np(e.grad), _np(t.grad), rtol=1e-10, atol=1e-14, err_msg=name)


@needs_torch
def test_triplet_margin_with_distance_loss_module_takes_a_distance_function_as_torch():
    loss = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1 - F.cosine_similarity(a, b))
    t_loss = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1 - _tf().cosine_similarity(a, b))
    assert repr(loss) == repr(t_loss) == "TripletMarginWithDistanceLoss()"
    module = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0))
    assert repr(module) == repr(torch.nn.TripletMarginWithDistanceLoss(
        distance_function=torch.nn.PairwiseDistance(p=1.0)))
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    rng = _rng(21)
    args = [rng.standard_normal((4, 3)) for _ in range(3)]
    check_op(loss, t_loss, inputs=args)
    check_op(module, torch.nn.TripletMarginWithDistanceLoss(
        distance_function=torch.nn.PairwiseDistance(p=1.0)), inputs=args)


def test_loss_module_weights_are_buffers_that_follow_to():
    for loss in (nn.MultiMarginLoss(weight=ember.ones(3)), nn.MultiLabelSoftMarginLoss(weight=ember.ones(3))):
        assert list(loss.state_dict()) == ["weight"]
        loss.double()
        assert loss.weight.dtype == ember.float64
    assert list(nn.MultiMarginLoss().state_dict()) == []


def test_legacy_size_average_and_reduce_map_onto_reduction_with_a_warning():
    x, t = ember.tensor([[1.0, -2.0, 0.5]]), ember.tensor([[1.0, 1.0, -1.0]])
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        total = F.soft_margin_loss(x, t, size_average=False)
    assert total.item() == pytest.approx(F.soft_margin_loss(x, t, reduction="sum").item())
    with pytest.warns(UserWarning, match="reduction='none' instead"):
        assert nn.MultiMarginLoss(reduce=False)(x, ember.tensor([0])).shape == (1,)
    with pytest.warns(UserWarning, match="reduction='none' instead"):
        assert F.triplet_margin_loss(x, x, x, reduce=False).shape == (1,)
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        F.poisson_nll_loss(x, t.abs(), size_average=False)


# ---------------------------------------------------------------- errors
_ARGUMENTS = {  # valid arguments of each loss
    "soft_margin_loss": lambda: (ember.zeros(2), ember.ones(2)),
    "multilabel_soft_margin_loss": lambda: (ember.zeros(2), ember.ones(2)),
    "hinge_embedding_loss": lambda: (ember.zeros(2), ember.ones(2)),
    "multi_margin_loss": lambda: (ember.zeros(1, 2), ember.tensor([0])),
    "multilabel_margin_loss": lambda: (ember.zeros(2), ember.tensor([0, -1])),
    "triplet_margin_loss": lambda: [ember.zeros(1, 2)] * 3,
    "triplet_margin_with_distance_loss": lambda: [ember.zeros(1, 2)] * 3,
    "poisson_nll_loss": lambda: (ember.zeros(2), ember.ones(2)),
    "gaussian_nll_loss": lambda: (ember.zeros(2), ember.ones(2), ember.ones(2)),
}


@pytest.mark.parametrize("name", sorted(_ARGUMENTS))
def test_every_loss_refuses_an_unknown_reduction_in_its_own_name(name):
    with pytest.raises(ValueError, match=rf"^{name}: reduction must be one of 'mean', 'sum', 'none', "
                                         r"got 'avg'$"):
        getattr(F, name)(*_ARGUMENTS[name](), reduction="avg")
    assert getattr(F, name)(*_ARGUMENTS[name](), reduction="none").ndim <= 1


def test_soft_margin_and_hinge_errors():
    with pytest.raises(ValueError, match=r"^soft_margin_loss: target of shape \(3, 2\) must broadcast "
                                         r"to the input's shape \(2,\) \(the loss has the input's "
                                         r"shape\); give the target the input's shape$"):
        F.soft_margin_loss(ember.zeros(2), ember.ones(3, 2))
    with pytest.raises(ValueError, match=r"^soft_margin_loss: input of shape \(2,\) and target of "
                                         r"shape \(3,\) don't broadcast together; give them the same "
                                         r"shape$"):
        F.soft_margin_loss(ember.zeros(2), ember.ones(3))
    with pytest.raises(TypeError, match=r"^soft_margin_loss: input of shape \(2,\) has dtype "
                                        r"ember.int64 but must be floating point"):
        F.soft_margin_loss(ember.tensor([1, 2]), ember.ones(2))
    with pytest.raises(TypeError, match=r"^soft_margin_loss: target must be a Tensor, got list"):
        F.soft_margin_loss(ember.zeros(2), [1.0, -1.0])
    with pytest.raises(ValueError, match=r"^hinge_embedding_loss: input of shape \(3, 4\) and target "
                                         r"of shape \(5,\) don't broadcast together"):
        F.hinge_embedding_loss(ember.zeros(3, 4), ember.ones(5))


def test_multilabel_soft_margin_errors():
    with pytest.raises(ValueError, match=r"^multilabel_soft_margin_loss: input must have a class "
                                         r"dimension, \(N, C\) or \(C,\), got a 0-d tensor$"):
        F.multilabel_soft_margin_loss(ember.tensor(1.0), ember.tensor(1.0))
    with pytest.raises(ValueError, match=r"^multilabel_soft_margin_loss: input of shape \(4, 3\), "
                                         r"target of shape \(4, 3\) and weight of shape \(2,\) don't "
                                         r"broadcast together"):
        F.multilabel_soft_margin_loss(ember.zeros(4, 3), ember.zeros(4, 3), weight=ember.ones(2))


def test_multi_margin_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(ValueError, match=r"^multi_margin_loss: p must be 1 or 2, got 3$"):
        F.multi_margin_loss(x, ember.tensor([0, 1, 2]), p=3)
    with pytest.raises(ValueError, match=r"^multi_margin_loss: input must be \(N, C\) or \(C,\) with at "
                                         r"least one class, got shape \(2, 3, 4\)$"):
        F.multi_margin_loss(ember.zeros(2, 3, 4), ember.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"with at least one class, got shape \(3, 0\)$"):
        F.multi_margin_loss(ember.zeros(3, 0), ember.tensor([0, 1, 2]))
    with pytest.raises(TypeError, match=r"^multi_margin_loss: target must hold class indices \(an "
                                        r"integer tensor\), got dtype ember.float32; convert it with "
                                        r"target.long\(\)$"):
        F.multi_margin_loss(x, ember.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"^multi_margin_loss: for an input of shape \(3, 4\), target "
                                         r"must hold one class index per sample, shape \(3,\), got "
                                         r"\(3, 1\)$"):
        F.multi_margin_loss(x, ember.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"got \(2,\)$"):
        F.multi_margin_loss(x, ember.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"^multi_margin_loss: weight must have one value per class, "
                                         r"shape \(4,\), got \(3,\)$"):
        F.multi_margin_loss(x, ember.tensor([0, 1, 2]), weight=ember.ones(3))
    with pytest.raises(IndexError, match=r"^multi_margin_loss: target 4 is out of bounds for 4 classes "
                                         r"\(class indices run from 0 to 3\); check the number of "
                                         r"output units of the model$"):
        F.multi_margin_loss(x, ember.tensor([0, 4, 2]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds for 4 classes"):
        F.multi_margin_loss(x, ember.tensor([0, -1, 2]))


def test_multilabel_margin_errors():
    with pytest.raises(ValueError, match=r"^multilabel_margin_loss: target must have the input's shape "
                                         r"\(2, 4\) \(class indices, then -1 after the last one\), got "
                                         r"\(1, 4\)$"):
        F.multilabel_margin_loss(ember.zeros(2, 4), ember.tensor([[3, 0, -1, 1]]))
    with pytest.raises(ValueError, match=r"input's shape \(4,\) .* got \(3,\)$"):
        F.multilabel_margin_loss(ember.zeros(4), ember.tensor([3, 0, -1]))
    with pytest.raises(IndexError, match=r"^multilabel_margin_loss: target -2 is out of bounds for 4 "
                                         r"classes \(class indices run from 0 to 3, and -1 ends the "
                                         r"list\)"):
        F.multilabel_margin_loss(ember.zeros(4), ember.tensor([3, -2, -1, 1]))
    with pytest.raises(IndexError, match=r"target 4 is out of bounds"):  # even after the -1
        F.multilabel_margin_loss(ember.zeros(4), ember.tensor([3, -1, 4, 1]))
    with pytest.raises(TypeError, match=r"^multilabel_margin_loss: target must hold class indices"):
        F.multilabel_margin_loss(ember.zeros(4), ember.zeros(4))
    with pytest.raises(ValueError, match=r"^multilabel_margin_loss: input must be \(N, C\) or \(C,\)"):
        F.multilabel_margin_loss(ember.zeros(2, 3, 4), ember.zeros(2, 3, 4, dtype=ember.int64))


@pytest.mark.parametrize("name", ["triplet_margin_loss", "triplet_margin_with_distance_loss"])
def test_triplet_errors(name):
    fn, a = getattr(F, name), ember.zeros(3, 4)
    with pytest.raises(ValueError, match=rf"^{name}: margin must be greater than 0, got 0$"):
        fn(a, a, a, margin=0)
    with pytest.raises(ValueError, match=rf"^{name}: anchor, positive and negative must have the same "
                                         r"number of dimensions, got shapes \(3, 4\), \(4,\) and "
                                         r"\(3, 4\)$"):
        fn(a, ember.zeros(4), a)
    with pytest.raises(ValueError, match=rf"^{name}: anchor of shape \(3, 4\), positive of shape "
                                         r"\(2, 4\) and negative of shape \(3, 4\) don't broadcast "
                                         r"together"):
        fn(a, ember.zeros(2, 4), a)
    with pytest.raises(TypeError, match=rf"^{name}: negative must be a Tensor, got list"):
        fn(a, a, [[0.0] * 4] * 3)


def test_triplet_margin_loss_refuses_integer_embeddings():
    with pytest.raises(TypeError, match=r"^triplet_margin_loss: positive of shape \(3,\) has dtype "
                                        r"ember.int64 but must be floating point"):
        F.triplet_margin_loss(ember.zeros(3), ember.tensor([1, 2, 3]), ember.zeros(3))


def test_poisson_errors():
    with pytest.raises(ValueError, match=r"^poisson_nll_loss: input of shape \(2, 3\) and target of "
                                         r"shape \(2,\) don't broadcast together"):
        F.poisson_nll_loss(ember.zeros(2, 3), ember.ones(2))


def test_gaussian_nll_loss_errors():
    x = ember.zeros(3, 4)
    for var_shape in [(4,), (1, 1), (), (2, 4), (3, 4, 1), (3, 0)]:
        with pytest.raises(ValueError, match=rf"^gaussian_nll_loss: var of shape {re.escape(str(var_shape))} "
                                             r"doesn't fit the input of shape \(3, 4\); give var the "
                                             r"input's shape \(one variance per value\), \(3,\) \(one "
                                             r"per sample\), or the input's shape with one dimension "
                                             r"of size 1 \(shared along it\)$"):
            F.gaussian_nll_loss(x, x, ember.ones(var_shape))
    with pytest.raises(ValueError, match=r"^gaussian_nll_loss: var must be non-negative, got -0.5$"):
        F.gaussian_nll_loss(x, x, -0.5)
    with pytest.raises(ValueError, match=r"^gaussian_nll_loss: var must be non-negative, but its "
                                         r"smallest entry is -2; predict it through softplus or exp"):
        F.gaussian_nll_loss(x, x, ember.full((3, 4), -2.0))
    with pytest.raises(TypeError, match=r"^gaussian_nll_loss: var must be a Tensor or a non-negative "
                                        r"number, got list$"):
        F.gaussian_nll_loss(x, x, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^gaussian_nll_loss: var of shape \(3, 4\) has dtype "
                                        r"ember.int64 but must be floating point"):
        F.gaussian_nll_loss(x, x, ember.ones(3, 4, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"^gaussian_nll_loss: input of shape \(3, 4\), target of shape "
                                         r"\(2, 4\) and var of shape \(3, 4\) don't broadcast"):
        F.gaussian_nll_loss(x, ember.zeros(2, 4), ember.ones(3, 4))


def test_loss_module_argument_errors():
    with pytest.raises(ValueError, match=r"^MultiMarginLoss: p must be 1 or 2, got 3$"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match=r"^MultiMarginLoss: weight must be None or a 1-D tensor of "
                                         r"one value per class, got 2-D \(shape \(1, 4\)\)$"):
        nn.MultiMarginLoss(weight=ember.ones(1, 4))
    with pytest.raises(ValueError, match=r"^TripletMarginLoss: margin must be greater than 0, got 0$"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match=r"^TripletMarginWithDistanceLoss: margin must be greater than "
                                         r"0, got -1$"):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    with pytest.raises(TypeError):  # keyword-only, as in PyTorch
        nn.GaussianNLLLoss(True)


def test_docstring_examples():
    for name in ("ember.nn.functional.margin_loss", "ember.nn.functional.likelihood_loss",
                 "ember.nn.modules.distance", "ember.nn.modules.loss"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0
