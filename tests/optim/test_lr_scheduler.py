"""Learning-rate schedulers against PyTorch: 35 steps of rates (and momenta) per configuration,
state-dict round trips that resume the same sequence, and the warnings and errors."""

import copy
import math

import pytest

import ember
import ember.optim
from ember.optim import SGD, Adam
from ember.optim.lr_scheduler import (
    ConstantLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from tests.optim.helpers import needs_torch, torch

STEPS = 35


def _optimizer(lib, name="SGD"):
    """Two groups with different rates; the same for ember and torch."""
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": [params[0]], "lr": 0.1}, {"params": [params[1]], "lr": 0.05}]
    if name == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _groups_state(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _assert_same(sched, tsched, opt, topt, where):
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12, abs=1e-15), where
    for ours, theirs in zip(_groups_state(opt), _groups_state(topt)):
        assert ours[0] == pytest.approx(theirs[0], rel=1e-12, abs=1e-15), f"{where}: lr"
        if theirs[1] is not None:
            assert ours[1] == pytest.approx(theirs[1], rel=1e-12), f"{where}: momentum"
        if theirs[2] is not None:
            assert ours[2] == pytest.approx(theirs[2], rel=1e-12), f"{where}: betas"
    assert getattr(sched, "last_epoch", None) == getattr(tsched, "last_epoch", None), where


def run_pair(make, steps=STEPS, optimizer="SGD", metrics=None):
    """Build the scheduler with ember and with torch, step both, compare after every step."""
    opt, topt = _optimizer(ember, optimizer), _optimizer(torch, optimizer)
    sched, tsched = make(ember, opt), make(torch, topt)
    _assert_same(sched, tsched, opt, topt, "after construction")
    for i in range(steps):
        opt.step()
        topt.step()
        if metrics is None:
            sched.step()
            tsched.step()
        else:
            sched.step(metrics[i])
            tsched.step(metrics[i])
        _assert_same(sched, tsched, opt, topt, f"after step {i + 1}")
    return sched, opt


def _s(name):
    """A maker for ``lr_scheduler.<name>(optimizer, **kwargs)`` in either library."""
    def bind(**kwargs):
        return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    return bind


CASES = {
    "StepLR(3, 0.5)": _s("StepLR")(step_size=3, gamma=0.5),
    "StepLR(1, 0.9)": _s("StepLR")(step_size=1, gamma=0.9),
    "MultiStepLR": _s("MultiStepLR")(milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": _s("ExponentialLR")(gamma=0.9),
    "CosineAnnealingLR(10)": _s("CosineAnnealingLR")(T_max=10, eta_min=0.001),
    "CosineAnnealingLR(7)": _s("CosineAnnealingLR")(T_max=7),
    "CosineAnnealingWarmRestarts(5)": _s("CosineAnnealingWarmRestarts")(T_0=5),
    "CosineAnnealingWarmRestarts(3, 2)": _s("CosineAnnealingWarmRestarts")(T_0=3, T_mult=2, eta_min=0.01),
    "LinearLR()": _s("LinearLR")(),
    "LinearLR(0.1, 0.9, 10)": _s("LinearLR")(start_factor=0.1, end_factor=0.9, total_iters=10),
    "ConstantLR()": _s("ConstantLR")(),
    "ConstantLR(0.5, 4)": _s("ConstantLR")(factor=0.5, total_iters=4),
    "PolynomialLR(10, 2)": _s("PolynomialLR")(total_iters=10, power=2.0),
    "LambdaLR": _s("LambdaLR")(lr_lambda=lambda e: 0.95 ** e),
    "LambdaLR per group": _s("LambdaLR")(lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (1 + e)]),
    "MultiplicativeLR": _s("MultiplicativeLR")(lr_lambda=lambda e: 0.9 if e % 2 else 0.99),
    "OneCycleLR cos": _s("OneCycleLR")(max_lr=1.0, total_steps=STEPS),
    "OneCycleLR linear": _s("OneCycleLR")(max_lr=[1.0, 0.5], total_steps=STEPS, anneal_strategy="linear",
                                          pct_start=0.4),
    "OneCycleLR three_phase": _s("OneCycleLR")(max_lr=1.0, epochs=5, steps_per_epoch=7, three_phase=True,
                                               div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR three_phase linear": _s("OneCycleLR")(max_lr=0.3, total_steps=40, three_phase=True,
                                                      anneal_strategy="linear", cycle_momentum=False),
    "CyclicLR triangular": _s("CyclicLR")(base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR triangular2": _s("CyclicLR")(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                                           step_size_down=5, mode="triangular2"),
    "CyclicLR exp_range": _s("CyclicLR")(base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range",
                                         gamma=0.95, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR scale_fn": _s("CyclicLR")(base_lr=0.01, max_lr=0.1, step_size_up=3,
                                        scale_fn=lambda x: 0.97 ** x, scale_mode="iterations",
                                        cycle_momentum=False),
    "SequentialLR warmup+exp": lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=5),
              lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[5]),
    "SequentialLR three": lambda lib, opt: lib.optim.lr_scheduler.SequentialLR(
        opt, [lib.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=10),
              lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.001),
              lib.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)], milestones=[4, 15]),
    "ChainedScheduler": lambda lib, opt: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=6),
         lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)]),
}


@needs_torch
@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_matches_torch(name):
    run_pair(CASES[name])


@needs_torch
@pytest.mark.parametrize("name", ["OneCycleLR cos", "CyclicLR triangular", "CyclicLR exp_range"])
def test_momentum_as_adams_beta1_matches_torch(name):
    run_pair(CASES[name], optimizer="Adam")


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.9, 0.9, 0.91, 0.85, 0.86, 0.87, 0.8799, 0.88, 0.7, 0.7, 0.7,
                   0.69995, 0.7, 0.71, 0.72, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.4, 0.4, 0.4, 0.4,
                   0.4, 0.4, 0.4, 0.4, 0.4, 0.4]


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.01},
    {"patience": 1, "factor": 0.5, "min_lr": [0.03, 0.001], "threshold": 0.05},
    {"patience": 1, "threshold_mode": "abs", "threshold": 0.01, "cooldown": 1},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.02, "eps": 0.01},
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    make = _s("ReduceLROnPlateau")(**kwargs)
    metrics = PLATEAU_METRICS if kwargs.get("mode") != "max" else [-m for m in PLATEAU_METRICS]
    sched, _ = run_pair(make, steps=len(metrics), metrics=metrics)
    if kwargs:  # with patience 10, 35 epochs are too few to cut the rate
        assert sched.get_last_lr() != [0.1, 0.05]


@needs_torch
def test_step_with_an_epoch_uses_the_closed_form_and_warns_as_torch():
    opt, topt = _optimizer(ember), _optimizer(torch)
    sched, tsched = StepLR(opt, step_size=3, gamma=0.5), torch.optim.lr_scheduler.StepLR(topt, 3, 0.5)
    opt.step()
    topt.step()
    with pytest.warns(UserWarning, match=r"scheduler.step\(epoch\) is deprecated"):
        sched.step(7)
    with pytest.warns(UserWarning):
        tsched.step(7)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
    assert sched.get_last_lr()[0] == pytest.approx(0.1 * 0.5 ** 2)


@needs_torch
def test_warm_restarts_with_fractional_epochs_match_torch():
    opt, topt = _optimizer(ember), _optimizer(torch)
    sched = CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.001)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=2, eta_min=0.001)
    for epoch in range(8):
        for i in range(4):
            opt.step()
            topt.step()
            sched.step(epoch + i / 4)
            tsched.step(epoch + i / 4)
            assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
            assert sched.T_cur == pytest.approx(tsched.T_cur) and sched.T_i == tsched.T_i


@needs_torch
@pytest.mark.parametrize("t_mult", [1, 3])
def test_warm_restarts_jumping_to_an_epoch_match_torch(t_mult):
    opt, topt = _optimizer(ember), _optimizer(torch)
    sched = CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=t_mult)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, T_mult=t_mult)
    for epoch in [3, 9, 17.5, 2, 40]:
        opt.step()
        topt.step()
        sched.step(epoch)
        tsched.step(epoch)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


@needs_torch
def test_step_with_an_epoch_without_a_closed_form_matches_torch():
    opt, topt = _optimizer(ember), _optimizer(torch)
    sched = LambdaLR(opt, lambda e: 0.9 ** e)
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, lambda e: 0.9 ** e)
    opt.step()
    topt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    with pytest.warns(UserWarning):
        tsched.step(5)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


def test_plateau_step_with_an_epoch_warns():
    sched = ReduceLROnPlateau(_sgd(), patience=0)
    with pytest.warns(UserWarning, match=r"scheduler.step\(epoch\) is deprecated"):
        sched.step(1.0, epoch=3)
    assert sched.last_epoch == 3


# ---- state dicts ----
def _plain(value):
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


class _Decay:
    """A callable object: its attributes are saved in the scheduler's state dict."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


RESUMABLE = {name: CASES[name] for name in [
    "StepLR(3, 0.5)", "MultiStepLR", "CosineAnnealingLR(10)", "CosineAnnealingWarmRestarts(3, 2)",
    "LinearLR(0.1, 0.9, 10)", "ConstantLR(0.5, 4)", "PolynomialLR(10, 2)", "MultiplicativeLR",
    "OneCycleLR three_phase", "CyclicLR triangular2", "CyclicLR scale_fn", "SequentialLR three",
    "ChainedScheduler"]}
RESUMABLE["LambdaLR object"] = lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(opt, _Decay(0.9))
RESUMABLE["ReduceLROnPlateau"] = lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(
    opt, patience=1, cooldown=1)


@pytest.mark.parametrize("name", list(RESUMABLE))
def test_state_dict_resumes_the_same_sequence(name):
    """Save optimizer and scheduler after 12 steps, rebuild both (as from a checkpoint) and the
    remaining rates equal those of the uninterrupted run."""
    make = RESUMABLE[name]
    plateau = name == "ReduceLROnPlateau"
    opt = _optimizer(ember)
    sched = make(ember, opt)

    def advance(o, s, i):
        o.step()
        s.step(PLATEAU_METRICS[i]) if plateau else s.step()
        return list(s.get_last_lr())

    for i in range(12):
        advance(opt, sched, i)
    saved_sched, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
    assert _plain(saved_sched), saved_sched
    if name == "LambdaLR object":
        assert saved_sched["lr_lambdas"] == [{"rate": 0.9}, {"rate": 0.9}]
    uninterrupted = [advance(opt, sched, i) for i in range(12, 30)]

    opt2 = _optimizer(ember)
    sched2 = make(ember, opt2)
    if name == "LambdaLR object":
        sched2.lr_lambdas[0].rate = 0.5  # the loaded state restores the callable's attributes
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    resumed = [advance(opt2, sched2, i) for i in range(12, 30)]
    assert sum(resumed, []) == pytest.approx(sum(uninterrupted, []), rel=1e-12)


class _Shrink:
    def __init__(self, rate):
        self.rate = rate

    def __call__(self, cycle):
        return self.rate ** cycle


def test_cyclic_saves_the_attributes_of_a_callable_scale_fn():
    opt = _sgd()
    sched = CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=_Shrink(0.5))
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5} and _plain(state)
    other = CyclicLR(_sgd(), 0.01, 0.1, step_size_up=2, scale_fn=_Shrink(0.9))
    other.load_state_dict(state)
    assert other._scale_fn_custom.rate == 0.5


def test_multistep_milestones_survive_json_style_keys():
    opt = _optimizer(ember)
    sched = MultiStepLR(opt, milestones=[3, 3, 6], gamma=0.5)
    state = sched.state_dict()
    state["milestones"] = {str(k): v for k, v in state["milestones"].items()}  # as JSON gives it back
    sched.load_state_dict(state)
    for _ in range(6):
        opt.step()
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.1 * 0.5 ** 3)


def test_resuming_with_last_epoch_needs_initial_lr():
    opt = SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'.*last_epoch=4"):
        StepLR(opt, step_size=2, last_epoch=4)
    opt.param_groups[0]["initial_lr"] = 1.0
    sched = StepLR(opt, step_size=2, gamma=0.5, last_epoch=4)
    assert sched.base_lrs == [1.0] and sched.last_epoch == 5


def test_a_tensor_learning_rate_is_updated_in_place():
    lr = ember.tensor(0.1)
    opt = Adam([ember.zeros(2, requires_grad=True)], lr=lr)
    sched = ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)
    assert isinstance(sched.get_last_lr()[0], ember.Tensor) and sched.get_last_lr()[0] is not lr


# ---- warnings and errors ----
def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt = SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
    sched = StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"StepLR.step\(\) was called before optimizer.step\(\)"):
        sched.step()


def test_calling_get_lr_directly_warns():
    opt = SGD([ember.zeros(2, requires_grad=True)], lr=0.1)
    sched = ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match=r"use get_last_lr\(\)"):
        sched.get_lr()


def test_a_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="StepLR: expected an ember.optim Optimizer, got list"):
        StepLR([], step_size=2)
    with pytest.raises(TypeError, match="ReduceLROnPlateau: expected an ember.optim Optimizer"):
        ReduceLROnPlateau("sgd")


def test_onecycle_refuses_steps_past_total_steps():
    opt = SGD([ember.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="stepped 4 times, but total_steps is 3"):
        sched.step()


def _sgd(momentum=0.9):
    return SGD([ember.zeros(2, requires_grad=True)], lr=0.1, momentum=momentum)


@pytest.mark.parametrize("build, error, match", [
    (lambda: StepLR(_sgd(), step_size=0), ValueError, "StepLR: step_size must be a positive integer, got 0"),
    (lambda: ConstantLR(_sgd(), factor=1.5), ValueError,
     "ConstantLR: factor must be between 0 and 1, got 1.5"),
    (lambda: LinearLR(_sgd(), start_factor=0), ValueError,
     r"LinearLR: start_factor must be in \(0, 1\], got 0"),
    (lambda: LinearLR(_sgd(), end_factor=2), ValueError, r"LinearLR: end_factor must be in \[0, 1\], got 2"),
    (lambda: CosineAnnealingWarmRestarts(_sgd(), T_0=0), ValueError, "T_0 must be a positive integer, got 0"),
    (lambda: CosineAnnealingWarmRestarts(_sgd(), T_0=2, T_mult=0), ValueError,
     "T_mult must be an integer >= 1, got 0"),
    (lambda: CosineAnnealingWarmRestarts(_sgd(), T_0=2, eta_min="0"), ValueError,
     "eta_min must be a float or int, got '0' of type str"),
    (lambda: LambdaLR(_sgd(), [lambda e: 1.0, lambda e: 1.0]), ValueError,
     r"LambdaLR: expected 1 lr_lambdas \(one per parameter group\), got 2"),
    (lambda: LambdaLR(_sgd(), 0.5), TypeError,
     "LambdaLR: lr_lambda must be a function of the epoch, got float"),
    (lambda: CyclicLR(_sgd(), 0.01, 0.1, mode="square"), ValueError,
     "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range'"),
    (lambda: CyclicLR(_sgd(), [0.01, 0.02], 0.1), ValueError,
     r"base_lr must have one value per parameter group: got 2 values for 1 group\(s\)"),
    (lambda: CyclicLR(ember.optim.Adagrad([ember.zeros(2, requires_grad=True)]), 0.01, 0.1), ValueError,
     "CyclicLR: cycle_momentum=True needs an optimizer with a momentum or betas option, and Adagrad"),
    (lambda: OneCycleLR(_sgd(), 1.0), ValueError, "OneCycleLR: give either total_steps, or both epochs"),
    (lambda: OneCycleLR(_sgd(), 1.0, total_steps=0), ValueError,
     "total_steps must be a positive integer, got 0"),
    (lambda: OneCycleLR(_sgd(), 1.0, epochs=0, steps_per_epoch=2), ValueError,
     "epochs must be a positive integer, got 0"),
    (lambda: OneCycleLR(_sgd(), 1.0, epochs=2, steps_per_epoch=-1), ValueError,
     "steps_per_epoch must be a positive integer, got -1"),
    (lambda: OneCycleLR(_sgd(), 1.0, total_steps=5, pct_start=2.0), ValueError,
     "pct_start must be a float between 0 and 1, got 2.0"),
    (lambda: OneCycleLR(_sgd(), 1.0, total_steps=5, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be 'cos' or 'linear', got 'exp'"),
    (lambda: ReduceLROnPlateau(_sgd(), factor=1.0), ValueError, "factor must be < 1.0"),
    (lambda: ReduceLROnPlateau(_sgd(), mode="up"), ValueError, "mode must be 'min' or 'max', got 'up'"),
    (lambda: ReduceLROnPlateau(_sgd(), threshold_mode="pct"), ValueError,
     "threshold_mode must be 'rel' or 'abs', got 'pct'"),
    (lambda: ReduceLROnPlateau(_sgd(), min_lr=[0.1, 0.2]), ValueError,
     r"min_lr has 2 values but the optimizer has 1 parameter group\(s\)"),
])
def test_bad_arguments_are_refused(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_plateau_min_lr_list_must_follow_added_groups():
    opt = _sgd()
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="now has 2 parameter groups but min_lr was given for 1"):
        sched.step(2.0)


def test_plateau_scalar_min_lr_follows_added_groups():
    opt = _sgd()
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=0.05)
    opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)], "lr": 1.0})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == pytest.approx([0.05, 0.1])


def test_warm_restarts_refuse_a_negative_epoch():
    sched = CosineAnnealingWarmRestarts(_sgd(), T_0=2)
    with pytest.raises(ValueError, match="epoch must be non-negative, got -1"):
        sched.step(-1)


@pytest.mark.parametrize("build, error, match", [
    (lambda o: SequentialLR(o, [], milestones=[]), ValueError, "SequentialLR expects at least one scheduler"),
    (lambda o: SequentialLR(o, [ExponentialLR(o, 0.9)], milestones=[2]), ValueError,
     "expects one milestone fewer than schedulers, got 1 schedulers and 1 milestones"),
    (lambda o: SequentialLR(o, [ExponentialLR(o, 0.9), ReduceLROnPlateau(o)], milestones=[2]), ValueError,
     r"does not support ReduceLROnPlateau \(at index 1\)"),
    (lambda o: SequentialLR(o, [ExponentialLR(_sgd(), 0.9)], milestones=[]), ValueError,
     "the ExponentialLR at index 0 has another one"),
    (lambda o: SequentialLR(o, [object()], milestones=[]), TypeError,
     "the scheduler at index 0 .* has no optimizer"),
    (lambda o: ember.optim.lr_scheduler.ChainedScheduler([]), ValueError,
     "ChainedScheduler expects at least one scheduler"),
])
def test_combined_schedulers_check_their_parts(build, error, match):
    with pytest.raises(error, match=match):
        build(_sgd())


def test_get_lr_of_the_base_class_is_not_implemented():
    class Broken(ember.optim.lr_scheduler.LRScheduler):
        pass

    with pytest.raises(NotImplementedError, match="Broken does not implement get_lr"):
        Broken(_sgd())


def test_cosine_annealing_reaches_eta_min_at_t_max():
    opt = _sgd()
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    for _ in range(6):
        opt.step()
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.01)
    assert math.isclose(opt.param_groups[0]["initial_lr"], 0.1)
