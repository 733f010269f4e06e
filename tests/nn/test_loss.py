import doctest
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
    return t.detach().numpy()


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.3}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4}),
])
def test_regression_losses_match_torch(name, kwargs, reduction):
    rng = _rng()
    a, b = rng.uniform(-2, 2, (4, 3)), rng.uniform(-2, 2, (4, 3))
    check_op(lambda x, t: getattr(F, name)(x, t, reduction=reduction, **kwargs),
             lambda x, t: getattr(_tf(), name)(x, t, reduction=reduction, **kwargs), inputs=[a, b])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_elementwise_weight_matches_torch(name, reduction):
    rng = _rng(1)
    a, b, w = rng.uniform(-2, 2, (4, 3)), rng.uniform(-2, 2, (4, 3)), rng.uniform(0.1, 1, (4, 3))
    check_op(lambda x, t, w: getattr(F, name)(x, t, reduction=reduction, weight=w),
             lambda x, t, w: getattr(_tf(), name)(x, t, reduction=reduction, weight=w),
             inputs=[a, b, w])


def test_regression_target_of_another_shape_warns_and_broadcasts_as_torch():
    x, t = ember.zeros(4, 1), ember.ones(4)
    with pytest.warns(UserWarning, match=r"mse_loss: using a target of shape \(4,\) that is "
                                         r"different to the input shape \(4, 1\)"):
        loss = F.mse_loss(x, t, reduction="none")
    assert loss.shape == (4, 4)
    with pytest.raises(ValueError, match=r"l1_loss: input of shape \(4, 3\) and target of shape "
                                          r"\(5, 3\) don't match"):
        F.l1_loss(ember.zeros(4, 3), ember.zeros(5, 3))


def test_regression_loss_argument_errors():
    x = ember.zeros(3)
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of 'mean', 'sum', 'none', "
                                         r"got 'avg'"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"huber_loss: delta must be positive, got 0"):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be non-negative, got -1"):
        F.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match=r"mse_loss: weight of shape \(2,\) must have the input's"):
        F.mse_loss(x, x, weight=ember.ones(2))
    with pytest.raises(TypeError, match=r"mse_loss: target must be a Tensor, got list"):
        F.mse_loss(x, [0.0, 0.0, 0.0])


def test_legacy_size_average_and_reduce_map_onto_reduction_with_a_warning():
    x, t = ember.tensor([1.0, 3.0]), ember.zeros(2)
    with pytest.warns(UserWarning, match="reduction='sum' instead"):
        assert F.mse_loss(x, t, size_average=False).item() == 10.0
    with pytest.warns(UserWarning, match="reduction='none' instead"):
        assert nn.L1Loss(reduce=False)(x, t).tolist() == [1.0, 3.0]


# ---------------------------------------------------------------- binary classification
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(reduction, weighted):
    rng = _rng(2)
    p, t, w = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3)), rng.uniform(0.5, 2, (3,))
    if weighted:
        check_op(lambda x, t: F.binary_cross_entropy(x, t, ember.tensor(w, device=x.device),
                                                     reduction=reduction),
                 lambda x, t: _tf().binary_cross_entropy(x, t, torch.tensor(w), reduction=reduction),
                 inputs=[p, t])
    else:
        check_op(lambda x, t: F.binary_cross_entropy(x, t, reduction=reduction),
                 lambda x, t: _tf().binary_cross_entropy(x, t, reduction=reduction), inputs=[p, t])


@needs_torch
def test_binary_cross_entropy_clamps_its_logs_as_torch():
    p = np.array([0.0, 1.0, 1e-30, 1 - 1e-7, 0.5], dtype=np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.3], dtype=np.float32)
    x, tx = ember.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    y, ty = F.binary_cross_entropy(x, ember.tensor(t), reduction="none"), \
        _tf().binary_cross_entropy(tx, torch.tensor(t), reduction="none")
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6)
    assert _np(y)[0] == 100.0 and np.isfinite(_np(y)).all()
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, "vector", "scalar"])
def test_binary_cross_entropy_with_logits_matches_torch(reduction, pos_weight):
    rng = _rng(3)
    x, t, w = rng.uniform(-4, 4, (4, 3)), rng.uniform(0, 1, (4, 3)), rng.uniform(0.5, 2, (4, 3))
    pw = {None: None, "vector": rng.uniform(0.5, 3, (3,)), "scalar": np.array(2.0)}[pos_weight]

    def make(lib, fn):
        def loss(x, t):
            kw = {} if pw is None else {"pos_weight": lib.tensor(pw, device=x.device)}
            return fn(x, t, lib.tensor(w, device=x.device), reduction=reduction, **kw)
        return loss
    check_op(make(ember, F.binary_cross_entropy_with_logits),
             make(torch, torch.nn.functional.binary_cross_entropy_with_logits) if torch else None,
             inputs=[x, t])


@needs_torch
def test_binary_cross_entropy_with_logits_is_stable_for_huge_logits():
    a = np.array([1e4, -1e4, 100.0, -100.0, 0.0], dtype=np.float32)
    t = np.array([0.0, 1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    pw = np.float32(3.0)
    y = F.binary_cross_entropy_with_logits(x, ember.tensor(t), pos_weight=ember.tensor(pw))
    ty = _tf().binary_cross_entropy_with_logits(tx, torch.tensor(t), pos_weight=torch.tensor(pw))
    y.backward()
    ty.backward()
    assert np.isfinite(_np(y)) and np.isfinite(_np(x.grad)).all()
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=1e-6, atol=1e-7)


def test_binary_losses_validate_their_inputs():
    p = ember.full((4,), 0.5)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(4, 1\) must have "
                                         r"the same shape as the input \(4,\)"):
        F.binary_cross_entropy(p, ember.ones(4, 1))
    with pytest.raises(ValueError, match=r"input must hold probabilities in \[0, 1\], but its values "
                                         r"range over \[-2, 3\]; for logits use "
                                         r"binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(ember.tensor([-2.0, 3.0]), ember.ones(2))
    with pytest.raises(TypeError, match=r"binary_cross_entropy: target of shape \(4,\) has dtype "
                                        r"ember.int64 but must be floating point; convert it with "
                                        r"target.to\(ember.float32\)"):
        F.binary_cross_entropy(p, ember.ones(4, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target of shape \(4, 1\)"):
        F.binary_cross_entropy_with_logits(p, ember.ones(4, 1))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) does not broadcast to the "
                                         r"input's shape \(4, 2\); give one value per class"):
        F.binary_cross_entropy_with_logits(ember.zeros(4, 2), ember.zeros(4, 2),
                                           pos_weight=ember.ones(3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: weight of shape \(3,\) does not "
                                         r"broadcast"):
        F.binary_cross_entropy(p, p, weight=ember.ones(3))


# ---------------------------------------------------------------- cross-entropy and NLL
def _class_inputs(shape, n_classes, seed=0, ignore=True):
    rng = _rng(seed)
    x = rng.standard_normal(shape)
    t = rng.integers(0, n_classes, (shape[0],) + shape[2:] if len(shape) > 1 else ())
    if ignore and t.size > 2:
        t.reshape(-1)[1] = -100
    return x, t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 2), (4,)])
def test_cross_entropy_with_indices_matches_torch(shape, smoothing, weighted, reduction):
    x, t = _class_inputs(shape, 4)
    w = _rng(9).uniform(0.5, 2, (4,)) if weighted else None

    def make(lib, fn):
        return lambda x: fn(x, lib.tensor(t, device=x.device),
                            None if w is None else lib.tensor(w, device=x.device).to(x.dtype),
                            reduction=reduction, label_smoothing=smoothing)
    check_op(make(ember, F.cross_entropy),
             make(torch, torch.nn.functional.cross_entropy) if torch else None, inputs=[x])


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_double_backward_matches_torch(reduction):
    x, t = _class_inputs((5, 3), 3)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = F.cross_entropy(ex, ember.tensor(t), reduction=reduction, label_smoothing=0.1)
    ty = _tf().cross_entropy(tx, torch.tensor(t), reduction=reduction, label_smoothing=0.1)
    g = _rng(1).standard_normal(ty.shape)
    eg, tg = ember.tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
    gx, = ember.autograd.grad(y, ex, eg, create_graph=True)
    tgx, = torch.autograd.grad(ty, tx, tg, create_graph=True)
    h = _rng(2).standard_normal(x.shape)
    a = ember.autograd.grad((gx * ember.tensor(h)).sum(), [ex, eg])
    b = torch.autograd.grad((tgx * torch.tensor(h)).sum(), [tx, tg])
    for e, tt in zip(a, b):
        np.testing.assert_allclose(_np(e), _np(tt), rtol=1e-7, atol=1e-12)


def test_cross_entropy_is_one_fused_node():
    y = F.cross_entropy(ember.randn(4, 3, requires_grad=True), ember.tensor([0, 1, 2, 0]))
    assert y.grad_fn.name() == "CrossEntropyBackward"


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_with_probabilities_matches_torch(weighted, reduction):
    rng = _rng(4)
    x = rng.standard_normal((4, 3, 2))
    p = rng.uniform(0, 1, (4, 3, 2))
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, (3,)) if weighted else None

    def make(lib, fn):
        return lambda x, p: fn(x, p, None if w is None else lib.tensor(w, device=x.device).to(x.dtype),
                               reduction=reduction, label_smoothing=0.2)
    check_op(make(ember, F.cross_entropy), make(torch, torch.nn.functional.cross_entropy),
             inputs=[x, p])


@needs_torch
def test_cross_entropy_is_stable_for_huge_logits():
    a = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    t = np.array([1, 1, 2])
    x, tx = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.cross_entropy(x, ember.tensor(t)), _tf().cross_entropy(tx, torch.tensor(t))
    y.backward()
    ty.backward()
    assert np.isfinite(_np(y)) and np.isfinite(_np(x.grad)).all()
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), atol=1e-7)


def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient():
    x = ember.randn(3, 4, requires_grad=True)
    for loss_fn in (F.cross_entropy, lambda x, t: F.nll_loss(F.log_softmax(x, 1), t)):
        y = loss_fn(x, ember.full((3,), -100))
        y.backward()
        assert np.isnan(_np(y))
        assert (_np(x.grad) == 0).all()
        x.grad = None


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (4,)])
def test_nll_loss_matches_torch(shape, reduction):
    x, t = _class_inputs(shape, 4, seed=5)
    w = _rng(6).uniform(0.5, 2, (4,))
    check_op(lambda x: F.nll_loss(x, ember.tensor(t, device=x.device),
                                  ember.tensor(w, device=x.device).to(x.dtype), reduction=reduction),
             lambda x: _tf().nll_loss(x, torch.tensor(t), torch.tensor(w).to(x.dtype),
                                      reduction=reduction),
             inputs=[x])


def test_cross_entropy_errors_say_what_is_wrong():
    x = ember.zeros(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy: target of shape \(4, 2\) with dtype "
                                         r"ember.float32 is read as class probabilities, which must "
                                         r"have the input's shape \(4, 3\); for class indices give an "
                                         r"integer tensor of shape \(4,\)"):
        F.cross_entropy(x, ember.zeros(4, 2))
    with pytest.raises(ValueError, match=r"is read as class probabilities"):
        F.cross_entropy(x, ember.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(IndexError, match=r"cross_entropy: target 3 is out of bounds for 3 classes "
                                         r"\(class indices run from 0 to 2"):
        F.cross_entropy(x, ember.tensor([0, 1, 3, 1]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds for 3 classes"):
        F.cross_entropy(x, ember.tensor([0, 1, -1, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: expected the target's batch size \(3, shape "
                                         r"\(3,\)\) to match the input's \(4, shape \(4, 3\)\)"):
        F.cross_entropy(x, ember.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"for an input of shape \(4, 3\), class indices must have "
                                         r"shape \(4,\), got \(4, 1\)"):
        F.cross_entropy(x, ember.zeros(4, 1, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"weight must have one value per class, shape \(3,\), got "
                                         r"\(4,\)"):
        F.cross_entropy(x, ember.tensor([0, 1, 2, 1]), weight=ember.ones(4))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(x, ember.tensor([0, 1, 2, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"ignore_index=0 applies to class indices only"):
        F.cross_entropy(x, ember.zeros(4, 3), ignore_index=0)
    with pytest.raises(TypeError, match=r"cross_entropy: input of shape \(4,\) has dtype ember.int64"):
        F.cross_entropy(ember.tensor([1, 2, 3, 4]), ember.tensor(0))
    with pytest.raises(ValueError, match=r"cross_entropy: input must have a class dimension"):
        F.cross_entropy(ember.tensor(1.0), ember.tensor(0))
    with pytest.raises(TypeError, match=r"nll_loss: target must hold class indices \(an integer "
                                        r"tensor\), got dtype ember.float32"):
        F.nll_loss(x, ember.zeros(4))
    with pytest.raises(IndexError, match=r"nll_loss: target 7 is out of bounds for 3 classes"):
        F.nll_loss(x, ember.tensor([0, 1, 7, 1]))
    with pytest.raises(TypeError, match=r"cross_entropy: target must hold class indices .* got dtype "
                                        r"ember.bool"):
        F.cross_entropy(x, ember.tensor([True, False, True, True]))


# ---------------------------------------------------------------- KL, cosine embedding, ranking
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    rng = _rng(7)
    x = np.log(rng.dirichlet(np.ones(4), 3))
    t = rng.dirichlet(np.ones(4), 3)
    t = np.log(t) if log_target else t
    check_op(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
             lambda x, t: _tf().kl_div(x, t, reduction=reduction, log_target=log_target),
             inputs=[x, t])


@needs_torch
def test_kl_div_zero_target_contributes_nothing_and_keeps_gradients_finite():
    x = np.log(np.array([[0.2, 0.3, 0.5]]))
    t = np.array([[0.0, 0.4, 0.6]])
    ex, et = ember.tensor(x, requires_grad=True), ember.tensor(t, requires_grad=True)
    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    y, ty = F.kl_div(ex, et, reduction="sum"), _tf().kl_div(tx, tt, reduction="sum")
    y.backward()
    ty.backward()
    np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-12)
    np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), rtol=1e-12)
    assert np.isfinite(_np(et.grad)).all()  # PyTorch gives nan for the zero target here
    np.testing.assert_allclose(_np(et.grad)[0, 1:], _np(tt.grad)[0, 1:], rtol=1e-12)


def test_kl_div_mean_warns_as_torch():
    x = ember.zeros(2, 3)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, ember.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"kl_div: reduction must be one of 'mean', 'batchmean', "
                                         r"'sum', 'none', got 'avg'"):
        F.kl_div(x, x, reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss_matches_torch(reduction, margin):
    rng = _rng(8)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    y = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    check_op(lambda a, b: F.cosine_embedding_loss(a, b, ember.tensor(y, device=a.device), margin,
                                                  reduction=reduction),
             lambda a, b: _tf().cosine_embedding_loss(a, b, torch.tensor(y), margin,
                                                      reduction=reduction), inputs=[a, b])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss_matches_torch(reduction):
    rng = _rng(10)
    a, b = rng.standard_normal(6), rng.standard_normal(6)
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, 1.0])
    check_op(lambda a, b: F.margin_ranking_loss(a, b, ember.tensor(y, device=a.device), 0.2,
                                                reduction=reduction),
             lambda a, b: _tf().margin_ranking_loss(a, b, torch.tensor(y), 0.2, reduction=reduction),
             inputs=[a, b])


def test_pair_losses_validate_shapes():
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expects input1 and input2 of the "
                                         r"same shape \(N, D\) or \(D,\) and target of shape \(N,\) "
                                         r"or \(\), got \(4, 3\), \(4, 3\) and \(3,\)"):
        F.cosine_embedding_loss(ember.ones(4, 3), ember.ones(4, 3), ember.ones(3))
    with pytest.raises(ValueError, match=r"margin_ranking_loss: input1, input2 and target must have "
                                         r"the same number of dimensions"):
        F.margin_ranking_loss(ember.ones(4), ember.ones(4), ember.ones(4, 1))
    with pytest.raises(ValueError, match=r"margin_ranking_loss: shapes \(4,\), \(3,\) and \(4,\) "
                                         r"don't match"):
        F.margin_ranking_loss(ember.ones(4), ember.ones(3), ember.ones(4))
    with pytest.raises(ValueError, match=r"kl_div: input of shape \(2, 3\) and target of shape "
                                         r"\(2, 4\) don't broadcast"):
        F.kl_div(ember.zeros(2, 3), ember.zeros(2, 4), reduction="sum")


# ---------------------------------------------------------------- modules
@needs_torch
def test_loss_modules_match_torch_and_keep_weights_as_buffers():
    rng = _rng(11)
    w = rng.uniform(0.5, 2, 3).astype(np.float32)
    x = rng.standard_normal((6, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 1, -1, 0])
    cases = [
        ("CrossEntropyLoss", dict(weight=w, ignore_index=-1, label_smoothing=0.1), t),
        ("NLLLoss", dict(weight=w, ignore_index=-1, reduction="sum"), t),
        ("MSELoss", {}, rng.standard_normal((6, 3)).astype(np.float32)),
        ("L1Loss", dict(reduction="none"), rng.standard_normal((6, 3)).astype(np.float32)),
        ("SmoothL1Loss", dict(beta=0.5), rng.standard_normal((6, 3)).astype(np.float32)),
        ("HuberLoss", dict(delta=0.5), rng.standard_normal((6, 3)).astype(np.float32)),
        ("BCEWithLogitsLoss", dict(pos_weight=w), rng.uniform(0, 1, (6, 3)).astype(np.float32)),
        ("BCELoss", dict(weight=w), rng.uniform(0, 1, (6, 3)).astype(np.float32)),
        ("KLDivLoss", dict(reduction="batchmean"), rng.uniform(0, 1, (6, 3)).astype(np.float32)),
    ]
    for name, kwargs, target in cases:
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        ekw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        loss, t_loss = getattr(nn, name)(**ekw), getattr(torch.nn, name)(**tkw)
        assert repr(loss) == repr(t_loss)
        assert list(loss.state_dict()) == list(t_loss.state_dict())
        inp = 1 / (1 + np.exp(-x)) if name == "BCELoss" else x
        ex, tx = ember.tensor(inp, requires_grad=True), torch.tensor(inp, requires_grad=True)
        y, ty = loss(ex, ember.tensor(target)), t_loss(tx, torch.tensor(target))
        np.testing.assert_allclose(_np(y), _np(ty), rtol=1e-5, atol=1e-6, err_msg=name)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), rtol=1e-5, atol=1e-6, err_msg=name)


@needs_torch
def test_pair_loss_modules_match_torch():
    rng = _rng(12)
    a, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32)
    y = np.array([1.0, -1.0, -1.0, 1.0], dtype=np.float32)
    for name, args in [("CosineEmbeddingLoss", (a, b, y)), ("MarginRankingLoss", (a[:, 0], b[:, 0], y))]:
        loss, t_loss = getattr(nn, name)(margin=0.1), getattr(torch.nn, name)(margin=0.1)
        out = loss(*[ember.tensor(v) for v in args])
        t_out = t_loss(*[torch.tensor(v) for v in args])
        np.testing.assert_allclose(_np(out), _np(t_out), rtol=1e-6)


def test_loss_module_weight_follows_to():
    loss = nn.CrossEntropyLoss(weight=ember.tensor([1.0, 2.0]))
    loss.double()
    assert loss.weight.dtype == ember.float64
    assert "weight" not in nn.CrossEntropyLoss().state_dict()


def test_cross_entropy_trains_a_classifier():
    ember.manual_seed(0)
    x = ember.randn(60, 2)
    labels = (x[:, 0] + x[:, 1] > 0).long()
    model = nn.Linear(2, 2)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(100):
        loss = loss_fn(model(x), labels)
        model.zero_grad()
        loss.backward()
        with ember.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    accuracy = (model(x).argmax(1) == labels).float().mean().item()
    assert loss.item() < 0.2 and accuracy > 0.95


def test_docstring_examples():
    for name in ("ember.nn.functional.loss", "ember.nn.modules.loss"):
        result = doctest.testmod(sys.modules[name], extraglobs={"ember": ember, "nn": nn, "F": F})
        assert result.failed == 0 and result.attempted > 0

