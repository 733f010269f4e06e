"""The Optimizer contract: parameter groups, state, zero_grad, closures, state dicts, repr."""

import copy

import numpy as np
import pytest

import ember
import ember.optim
from ember.optim import SGD, Adam, Optimizer, required
from tests.optim.helpers import SHAPES, make_params, needs_torch, torch


def _leaf(*shape):
    return ember.zeros(*shape, requires_grad=True)


# ---- parameter groups ----
def test_groups_take_their_options_or_the_defaults():
    a, b = _leaf(2), _leaf(3)
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["params"] == [a] or opt.param_groups[0]["params"][0] is a
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["params"][0] is b  # a lone tensor becomes a list
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9


def test_params_can_be_any_iterable_such_as_a_generator():
    a, b = _leaf(2), _leaf(3)
    opt = SGD((p for p in [a, b]), lr=0.1)
    assert [p is q for p, q in zip(opt.param_groups[0]["params"], [a, b])] == [True, True]


def test_named_parameters_give_param_names():
    a, b = _leaf(2), _leaf(3)
    opt = SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.param_groups[0]["params"][1] is b
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_names_on_some_parameters_only_are_refused():
    with pytest.raises(ValueError, match="give every parameter of a group with its name"):
        SGD([("w", _leaf(2)), _leaf(3)], lr=0.1)


def test_groups_with_and_without_names_cannot_mix():
    opt = SGD([("w", _leaf(2))], lr=0.1)
    with pytest.raises(ValueError, match="all parameter groups must be given with names or all without"):
        opt.add_param_group({"params": [_leaf(3)]})


def test_a_set_of_parameters_is_refused():
    with pytest.raises(TypeError, match="params was given as a set, whose order changes"):
        SGD({_leaf(2)}, lr=0.1)
    with pytest.raises(TypeError, match="the parameters of a group were given as a set"):
        SGD([{"params": {_leaf(2)}}], lr=0.1)


def test_a_single_tensor_is_refused():
    with pytest.raises(TypeError, match=r"got a single Tensor of shape \(2,\); pass \[tensor\]"):
        SGD(_leaf(2), lr=0.1)


def test_an_empty_parameter_list_is_refused():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        Adam([])


def test_a_non_tensor_is_refused():
    with pytest.raises(TypeError, match="can only optimize Tensors, but parameter 1 of the group is a float"):
        SGD([_leaf(2), 1.0], lr=0.1)


def test_a_non_leaf_is_refused_unless_it_retains_grad():
    x = _leaf(2)
    y = x * 2
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor \(parameter 0, shape \(2,\)"):
        SGD([y], lr=0.1)
    y.retain_grad()
    SGD([y], lr=0.1)  # as PyTorch: a non-leaf that retains its grad can be optimized


def test_a_tensor_that_does_not_require_grad_is_accepted_and_left_alone():
    frozen = ember.ones(2)
    opt = SGD([frozen], lr=0.1)
    opt.step()  # it never gets a gradient, so it is skipped
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 1.0])


def test_a_parameter_in_two_groups_is_refused():
    a = _leaf(2)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    opt = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a], "lr": 0.5})


def test_a_parameter_twice_in_a_group_warns_as_pytorch():
    a = _leaf(2)
    with pytest.warns(UserWarning, match="contains the same parameter twice"):
        SGD([a, a], lr=0.1)


def test_add_param_group_checks_its_argument():
    opt = SGD([_leaf(2)], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict with a 'params' entry, got list"):
        opt.add_param_group([_leaf(2)])
    with pytest.raises(ValueError, match="param_group has no 'params' entry"):
        opt.add_param_group({"lr": 0.1})


def test_add_param_group_fills_defaults():
    opt = SGD([_leaf(2)], lr=0.1, momentum=0.9)
    b = _leaf(3)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9


class _Plain(Optimizer):
    """A minimal optimizer with a required option, to test the base class directly."""

    def __init__(self, params, lr=required):
        super().__init__(params, {"lr": lr})


def test_a_required_option_must_be_given_by_every_group():
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        _Plain([_leaf(2)])
    opt = _Plain([{"params": [_leaf(2)], "lr": 0.3}])
    assert opt.param_groups[0]["lr"] == 0.3
    assert repr(required) == "<required parameter>"


def test_the_base_step_is_not_implemented():
    opt = _Plain([{"params": [_leaf(2)], "lr": 0.3}])
    with pytest.raises(NotImplementedError, match="_Plain does not implement step"):
        opt.step()


# ---- zero_grad, step, closure ----
def test_zero_grad_sets_to_none_by_default_or_zeros():
    a = _leaf(2)
    opt = SGD([a], lr=0.1)
    a.grad = ember.ones(2)
    opt.zero_grad()
    assert a.grad is None
    a.grad = ember.ones(2)
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


def test_zero_grad_detaches_a_gradient_with_a_graph():
    a = _leaf(2)
    opt = SGD([a], lr=0.1)
    (a * a).sum().backward(create_graph=True)
    assert a.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert a.grad.grad_fn is None and not a.grad.requires_grad
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.0])


def test_step_returns_the_closure_loss_computed_with_grad_enabled():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])


def test_step_records_no_graph_and_bumps_the_version_counter():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()  # saves w for backward
    w.grad = ember.ones(2)
    version = w._version_number
    SGD([w], lr=0.1).step()
    assert w.grad_fn is None and w.is_leaf
    assert w._version_number == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation|SGD.step"):
        y.backward()


def test_a_gradient_of_the_wrong_shape_is_refused():
    w = _leaf(3)
    w.grad = ember.ones(1)
    with pytest.raises(RuntimeError,
                       match=r"Adam.step: a parameter of shape \(3,\) has a .grad of shape \(1,\)"):
        Adam([w]).step()


def test_a_gradient_that_is_not_a_tensor_is_refused():
    w = _leaf(3)
    w.grad = np.ones(3)
    with pytest.raises(TypeError, match=r"SGD.step: the .grad of a parameter of shape \(3,\) is a ndarray"):
        SGD([w], lr=0.1).step()


def test_a_gradient_of_another_dtype_is_refused():
    w = _leaf(3)
    w.grad = ember.ones(3, dtype=ember.float64)
    with pytest.raises(TypeError, match=r"SGD.step: a parameter of shape \(3,\) and dtype ember.float32 "
                                        r"has a .grad of dtype ember.float64; .* p.grad.to\(p.dtype\)"):
        SGD([w], lr=0.1).step()


def test_the_update_does_not_modify_the_gradient():
    w = _leaf(3)
    g = ember.tensor([1.0, -2.0, 3.0])
    w.grad = g
    for opt in (SGD([w], lr=0.1, momentum=0.9, nesterov=True, maximize=True),
                Adam([w], lr=0.1, weight_decay=0.1, maximize=True)):
        opt.step()
        opt.step()
    np.testing.assert_array_equal(g.numpy(), [1.0, -2.0, 3.0])


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.1}), ("RMSprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"weight_decay": 0.1}), ("Adadelta", {"weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"weight_decay": 0.1}), ("RAdam", {"betas": (0.5, 0.5)}),
])
def test_a_0d_parameter_keeps_arrays_in_its_state(name, kwargs):
    w = ember.tensor(1.5, requires_grad=True)
    opt = getattr(ember.optim, name)([w], **kwargs)
    for _ in range(3):
        w.grad = ember.tensor(0.5)
        opt.step()
    assert isinstance(w._data, np.ndarray) and w.shape == ()
    for key, value in opt.state[w].items():
        assert isinstance(value, ember.Tensor) and isinstance(value._data, np.ndarray), key


# ---- repr ----
@needs_torch
def test_repr_is_pytorchs_format():
    a, b = _leaf(2), _leaf(3)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                            {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.5}],
                           lr=0.1, momentum=0.9)
    # PyTorch also lists its foreach/fused/differentiable switches, which ember doesn't have.
    theirs = [line for line in repr(topt).splitlines()
              if line.split(":")[0].strip() not in ("foreach", "fused", "differentiable")]
    assert repr(opt).splitlines() == theirs
    assert repr(opt).startswith("SGD (\nParameter Group 0\n    dampening: 0\n")


# ---- state dict ----
def _walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)


def _stepped(name="Adam", n=3, **kwargs):
    params, _ = make_params()
    opt = getattr(ember.optim, name)(params, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(n):
        for p in params:
            p.grad = ember.tensor(rng.standard_normal(p.shape))
        opt.step()
    return opt, params


def test_state_dict_packs_state_by_parameter_index():
    a, b, c = _leaf(2), _leaf(3), _leaf(4)
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}])
    for p in (a, c):  # b gets no gradient and so no state
        p.grad = ember.ones(p.shape)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.1
    assert sd["state"][2]["exp_avg"] is opt.state[c]["exp_avg"]
    assert opt.param_groups[0]["params"][0] is a  # packing did not touch the groups


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam"])
def test_state_dict_holds_only_tensors_numbers_strings_lists_and_dicts(name):
    kwargs = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    opt, _ = _stepped(name, **kwargs)
    for value in _walk(opt.state_dict()):
        assert not isinstance(value, np.ndarray), "a NumPy array in the state dict"
        assert isinstance(value, (ember.Tensor, int, float, str, bool, list, tuple, dict, type(None)))


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.1}), ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1}), ("Adadelta", {}), ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}),
])
def test_a_loaded_state_dict_resumes_the_same_trajectory(name, kwargs):
    """Checkpoint after 3 steps, load into a fresh optimizer on copied parameters, and both
    continue identically."""
    opt, params = _stepped(name, **kwargs)
    saved = copy.deepcopy(opt.state_dict())
    copies = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = getattr(ember.optim, name)(copies, **kwargs)
    resumed.load_state_dict(saved)
    rng = np.random.default_rng(7)
    for _ in range(3):
        for p, q in zip(params, copies):
            g = rng.standard_normal(p.shape)
            p.grad, q.grad = ember.tensor(g), ember.tensor(g.copy())
        opt.step()
        resumed.step()
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_load_state_dict_copies_instead_of_sharing_buffers():
    opt, params = _stepped("Adam")
    other = Adam([ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params])
    sd = opt.state_dict()
    other.load_state_dict(sd)
    ours = other.state[other.param_groups[0]["params"][0]]["exp_avg"]
    assert ours is not sd["state"][0]["exp_avg"]
    assert not np.shares_memory(ours._data, sd["state"][0]["exp_avg"]._data)


def test_load_state_dict_restores_group_options():
    opt, params = _stepped("SGD", lr=0.1, momentum=0.9)
    opt.param_groups[0]["lr"] = 0.02
    other = SGD(params, lr=0.5)
    other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.02 and other.param_groups[0]["momentum"] == 0.9
    assert other.param_groups[0]["params"][0] is params[0]


def test_load_state_dict_casts_state_to_the_parameters_dtype_but_not_step():
    opt, params = _stepped("Adam")  # float64 parameters
    singles = [ember.tensor(p.detach().numpy().astype(np.float32), requires_grad=True) for p in params]
    other = Adam(singles)
    other.load_state_dict(opt.state_dict())
    state = other.state[singles[0]]
    assert state["exp_avg"].dtype == ember.float32 and state["exp_avg_sq"].dtype == ember.float32
    assert state["step"].dtype == ember.float32 and state["step"].item() == 3.0


def test_load_state_dict_accepts_string_indices_and_a_numeric_step():
    """As a JSON file would give them back."""
    opt, params = _stepped("Adam")
    sd = opt.state_dict()
    as_json = {"state": {str(k): {**v, "step": float(v["step"])} for k, v in sd["state"].items()},
               "param_groups": sd["param_groups"]}
    other = Adam(params)
    other.load_state_dict(as_json)
    step = other.state[params[2]]["step"]
    assert isinstance(step, ember.Tensor) and step.item() == 3.0


def test_load_state_dict_keeps_names_and_state_of_unknown_keys_as_pytorch():
    a, b = _leaf(2), _leaf(3)
    opt = SGD([("w", a), ("b", b)], lr=0.1, momentum=0.9)
    sd = opt.state_dict()
    del sd["param_groups"][0]["param_names"]
    sd["state"]["extra"] = {"note": 1}
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state["extra"] == {"note": 1}


def test_load_state_dict_refuses_a_different_number_of_groups():
    opt, params = _stepped("SGD", lr=0.1)
    other = SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.1)
    with pytest.raises(ValueError,
                       match=r"the state dict has 1 parameter group\(s\) but this optimizer has 2"):
        other.load_state_dict(opt.state_dict())


def test_load_state_dict_refuses_a_group_of_another_size():
    opt, params = _stepped("SGD", lr=0.1)
    other = SGD(params[:3], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter group 0 of the state dict has 4 parameter\(s\) but "
                                         r"this optimizer's group 0 has 3"):
        other.load_state_dict(opt.state_dict())


def test_load_state_dict_refuses_state_of_another_shape():
    opt, params = _stepped("Adam")
    swapped = [params[1], params[0]] + params[2:]  # shapes (5,) and (3, 4) swapped
    other = Adam([ember.tensor(p.detach().numpy(), requires_grad=True) for p in swapped])
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 has shape \(3, 4\) but the "
                                         r"parameter has shape \(5,\)"):
        other.load_state_dict(opt.state_dict())


def test_load_state_dict_refuses_something_else():
    opt = SGD([_leaf(2)], lr=0.1)
    with pytest.raises(ValueError,
                       match=r"expected a dict with 'state' and 'param_groups' entries.*got \['x'\]"):
        opt.load_state_dict({"x": 1})
    with pytest.raises(ValueError, match=r"expected a dict .* got list"):
        opt.load_state_dict([])


@needs_torch
def test_state_dict_layout_matches_pytorch():
    params, tparams = make_params()
    opt, topt = Adam(params, amsgrad=True), torch.optim.Adam(tparams, amsgrad=True)
    for p, tp in zip(params, tparams):
        p.grad, tp.grad = ember.ones(p.shape, dtype=ember.float64), torch.ones(tp.shape, dtype=torch.float64)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys() == set(range(len(SHAPES)))
    for k in sd["state"]:
        assert sd["state"][k].keys() == tsd["state"][k].keys()
        assert sd["state"][k]["step"].dtype == ember.float32  # torch's step: float32 too
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
