import copy

import numpy as np
import pytest

import ember
from ember.optim import LBFGS
from tests.optim.helpers import assert_state_equal, needs_torch, torch


def _lib(t):
    return ember if isinstance(t, ember.Tensor) else torch


def rosenbrock(x, y):
    """The Rosenbrock valley on a (2,) and a (3,) parameter: minimum 0 at all ones."""
    return ((1 - x) ** 2).sum() + 100 * ((y[:2] - x ** 2) ** 2).sum() + ((y[2] - 1) ** 2) * 3


def quadratic(x, y):
    """A convex quadratic with coupled coordinates; minimum at x = (1, -2), y = 0.5."""
    lib = _lib(x)
    target, scale = lib.tensor([1.0, -2.0], dtype=x.dtype), lib.tensor([1.0, 10.0], dtype=x.dtype)
    return ((x - target) ** 2 * scale).sum() + (x[0] * x[1] + 2) ** 2 + ((y - 0.5) ** 2).sum() * 4


def _pair(values, dtype):
    ours = [ember.tensor(np.array(v, dtype=dtype), requires_grad=True) for v in values]
    theirs = [torch.tensor(np.array(v, dtype=dtype), requires_grad=True) for v in values]
    return ours, theirs


def _closure(opt, fn, params):
    def closure():
        opt.zero_grad()
        loss = fn(*params[:2])
        loss.backward()
        return loss
    return closure


# Rosenbrock's valley amplifies rounding (NumPy's and PyTorch's dot products sum in different
# orders) from 1e-16 to about 1e-7 over 40 iterations; the quadratic keeps it at rounding level.
@needs_torch
@pytest.mark.parametrize("fn, start, steps, rtol", [
    (rosenbrock, [[-1.2, 1.0], [1.5, -0.5, 2.0]], 2, 1e-6),
    (quadratic, [[3.0, 1.0], [0.0, 2.0, -1.0]], 4, 1e-10),
])
@pytest.mark.parametrize("kwargs", [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"lr": 0.5, "max_iter": 5, "history_size": 3},
    {"max_iter": 7, "history_size": 2, "line_search_fn": "strong_wolfe"},
    {"max_iter": 30, "max_eval": 12, "tolerance_change": 1e-6, "line_search_fn": "strong_wolfe"},
])
def test_matches_torch_step_for_step(fn, start, steps, rtol, kwargs):
    start = start + [[0.25]]  # a third parameter that the loss doesn't use: its grad stays None
    ours, theirs = _pair(start, np.float64)
    opt, topt = LBFGS(ours, **kwargs), torch.optim.LBFGS(theirs, **kwargs)
    for step in range(steps):
        loss = opt.step(_closure(opt, fn, ours))
        tloss = topt.step(_closure(topt, fn, theirs))
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=rtol, atol=1e-12)
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=rtol, atol=1e-12,
                                       err_msg=f"after step {step + 1}")
        state, tstate = dict(opt.state[ours[0]]), dict(topt.state[theirs[0]])
        # 'al' is the two-loop recursion's scratch space: its length is state, its values are not.
        assert len(state.pop("al", ())) == len(tstate.pop("al", ()))
        assert_state_equal(state, tstate, rtol * 100, 1e-10, f"state after step {step + 1}")


@needs_torch
def test_float32_matches_torch():
    ours, theirs = _pair([[-1.2, 1.0], [1.5, -0.5, 2.0]], np.float32)
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 10}
    opt, topt = LBFGS(ours, **kwargs), torch.optim.LBFGS(theirs, **kwargs)
    for _ in range(2):
        opt.step(_closure(opt, rosenbrock, ours))
        topt.step(_closure(topt, rosenbrock, theirs))
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_finds_the_rosenbrock_minimum():
    ours = [ember.tensor(np.array(v), requires_grad=True) for v in ([-1.2, 1.0], [1.5, -0.5, 2.0])]
    opt = LBFGS(ours, line_search_fn="strong_wolfe", max_iter=100)
    first = opt.step(_closure(opt, rosenbrock, ours))
    opt.step(_closure(opt, rosenbrock, ours))
    assert first.item() == pytest.approx(233.2)  # step returns the loss before its iterations
    assert rosenbrock(*ours).item() < 1e-9
    np.testing.assert_allclose(ours[0].detach().numpy(), [1.0, 1.0], atol=1e-4)
    np.testing.assert_allclose(ours[1].detach().numpy(), [1.0, 1.0, 1.0], atol=1e-4)


def test_stops_at_once_when_the_gradient_is_already_zero():
    x = ember.tensor([1.0, 1.0], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([1.0, 1.0, 1.0], dtype=ember.float64, requires_grad=True)
    opt = LBFGS([x, y])
    loss = opt.step(_closure(opt, rosenbrock, [x, y]))
    assert loss.item() == 0.0
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0


def test_state_dict_resumes_the_same_trajectory():
    start = [[-1.2, 1.0], [1.5, -0.5, 2.0]]
    ours = [ember.tensor(np.array(v), requires_grad=True) for v in start]
    opt = LBFGS(ours, max_iter=4, history_size=3)
    opt.step(_closure(opt, rosenbrock, ours))
    saved = copy.deepcopy(opt.state_dict())
    for value in saved["state"][0].values():  # flat vectors as tensors, scalars as numbers
        assert not isinstance(value, np.ndarray)
    copies = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ours]
    resumed = LBFGS(copies, max_iter=4, history_size=3)
    resumed.load_state_dict(saved)
    for _ in range(2):
        opt.step(_closure(opt, rosenbrock, ours))
        resumed.step(_closure(resumed, rosenbrock, copies))
    for p, q in zip(ours, copies):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_needs_a_closure_that_returns_the_loss():
    x = ember.zeros(2, requires_grad=True)
    opt = LBFGS([x])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step(None)
    with pytest.raises(TypeError, match="the closure returned None; it must return the loss"):
        opt.step(lambda: None)


def test_parameter_groups_are_refused():
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter "
                                         r"groups\): it treats all parameters as one vector"):
        LBFGS([{"params": [a]}, {"params": [b]}])
    opt = LBFGS([a])
    with pytest.raises(ValueError, match="give them all in one list"):
        opt.add_param_group({"params": [b]})


def test_an_unknown_line_search_is_refused():
    with pytest.raises(ValueError, match="LBFGS: invalid line_search_fn: 'wolfe'; expected None or "
                                         "'strong_wolfe'"):
        LBFGS([ember.zeros(2, requires_grad=True)], line_search_fn="wolfe")
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate lr: -1"):
        LBFGS([ember.zeros(2, requires_grad=True)], lr=-1)
