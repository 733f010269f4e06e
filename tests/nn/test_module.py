"""nn.Module against torch.nn.Module: names, state dicts, modes, dtypes, hooks, repr, copies."""

import copy
import math

import numpy as np
import pytest

import ember
from ember import nn
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="the reference needs torch")
LIBS = [ember] if torch is None else [ember, torch]


def build(lib):
    """The same model in ember or torch: a shared block, a tied head, buffers, None entries."""
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.ones(2, 3))
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("cache", lib.zeros(1), persistent=False)
            self.act = lib.nn.ReLU()

        def forward(self, x):
            return self.act(x @ self.w) + self.running

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            shared = Block()
            self.features = lib.nn.Sequential(shared, lib.nn.Tanh(), shared)
            self.head = lib.nn.Linear(3, 2)
            self.tied = self.head
            self.extra = lib.nn.Parameter(lib.zeros(1))
            self.register_parameter("absent", None)
            self.register_buffer("steps", lib.zeros((), dtype=lib.int64))

        def forward(self, x):
            return self.head(self.features[0](x)) + self.extra

    return Net()


def names(pairs):
    return [name for name, _ in pairs]


# ---- names and order ----
@needs_torch
@pytest.mark.parametrize("method,kwargs", [
    ("named_parameters", {}), ("named_parameters", {"remove_duplicate": False}),
    ("named_parameters", {"prefix": "model"}), ("named_parameters", {"recurse": False}),
    ("named_buffers", {}), ("named_buffers", {"remove_duplicate": False}),
    ("named_buffers", {"recurse": False}), ("named_modules", {}),
    ("named_modules", {"remove_duplicate": False}), ("named_modules", {"prefix": "net"}),
    ("named_children", {}),
])
def test_names_and_order_match_torch(method, kwargs):
    ours = names(getattr(build(ember), method)(**kwargs))
    assert ours == names(getattr(build(torch), method)(**kwargs))
    assert len(ours) >= 1


def test_names_follow_pytorch_paths():
    model = build(ember)
    assert names(model.named_parameters()) == ["extra", "features.0.w", "head.weight", "head.bias"]
    assert names(model.named_modules()) == ["", "features", "features.0", "features.0.act",
                                            "features.1", "head"]
    assert names(model.named_children()) == ["features", "head"]  # the tied head once
    assert len(list(model.parameters())) == 4 and len(list(model.modules())) == 6
    assert [type(m).__name__ for m in model.children()] == ["Sequential", "Linear"]
    assert names(model.named_buffers()) == ["steps", "features.0.running", "features.0.cache"]
    buffers = list(model.buffers())
    assert buffers[0] is model.steps and buffers[2] is model.features[0].cache


def test_parameters_are_the_registered_objects():
    model = build(ember)
    assert next(iter(model.parameters(recurse=False))) is model.extra
    assert model.get_parameter("features.0.w") is model.features[0].w
    assert model.get_submodule("features.2") is model.features[0]
    assert model.get_submodule("") is model
    with pytest.raises(AttributeError, match=r"Sequential has no submodule '7' \(looking up "
                                             r"'features.7'\)"):
        model.get_submodule("features.7")
    with pytest.raises(AttributeError, match="Linear has no parameter 'scale'"):
        model.get_parameter("head.scale")


# ---- state_dict ----
@needs_torch
@pytest.mark.parametrize("kwargs", [{}, {"prefix": "net."}])
def test_state_dict_keys_match_torch(kwargs):
    assert list(build(ember).state_dict(**kwargs)) == list(build(torch).state_dict(**kwargs))


def test_state_dict_holds_parameters_and_persistent_buffers():
    model = build(ember)
    sd = model.state_dict()
    assert list(sd) == ["extra", "steps", "features.0.w", "features.0.running", "features.2.w",
                        "features.2.running", "head.weight", "head.bias", "tied.weight", "tied.bias"]
    assert "features.0.cache" not in sd  # non-persistent
    assert all(not v.requires_grad and v.is_leaf for v in sd.values())
    with ember.no_grad():
        model.head.weight.fill_(7.0)
    assert sd["head.weight"].tolist() == [[7.0] * 3] * 2  # shares memory, as PyTorch
    assert model.state_dict(keep_vars=True)["head.weight"] is model.head.weight


def test_load_state_dict_copies_into_the_same_objects():
    source, target = build(ember), build(ember)
    with ember.no_grad():
        for p in source.parameters():
            p.normal_()
        source.features[0].running.fill_(3.0)
    weight, version = target.head.weight, target.head.weight._version_number
    result = target.load_state_dict(source.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    assert target.head.weight is weight and weight._version_number > version
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    with ember.no_grad():  # copies, not aliases
        source.head.weight.fill_(0.0)
    assert target.head.weight.abs().sum().item() > 0


def test_load_state_dict_non_strict_returns_missing_and_unexpected_keys():
    model = build(ember)
    sd = model.state_dict()
    del sd["extra"], sd["head.bias"]
    sd["bogus"] = ember.zeros(1)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["extra", "head.bias"] and result.unexpected_keys == ["bogus"]
    assert type(result).__name__ == "IncompatibleKeys"


def test_load_state_dict_strict_lists_every_key():
    model = build(ember)
    sd = model.state_dict()
    del sd["extra"], sd["head.bias"]
    sd["bogus"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Net:")
    assert "missing keys: extra, head.bias" in message and "unexpected keys: bogus" in message


def test_load_state_dict_lists_every_shape_mismatch_with_both_shapes():
    model = build(ember)
    before = model.head.weight.detach().numpy().copy()
    sd = model.state_dict()
    sd["head.weight"] = ember.zeros(5, 5)
    sd["features.0.w"] = ember.zeros(3)
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"(?s)features.0.w: the checkpoint has shape \(3,\), this "
                                               r"model has \(2, 3\).*head.weight: the checkpoint has "
                                               r"shape \(5, 5\), this model has \(2, 3\)"):
            model.load_state_dict(sd, strict=strict)
    np.testing.assert_array_equal(model.head.weight.detach().numpy(), before)  # nothing was loaded


@pytest.mark.parametrize("prefix", ["module.", "_orig_mod."])
def test_load_state_dict_strip_prefix(prefix):
    source, target = nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    wrapped = {prefix + k: v for k, v in source.state_dict().items()}
    with pytest.raises(RuntimeError, match=rf"The keys start with '{prefix}': pass "
                                           rf"strip_prefix='{prefix}'"):
        target.load_state_dict(wrapped)
    assert target.load_state_dict(wrapped, strip_prefix=prefix) == ([], [])
    np.testing.assert_array_equal(target[0].weight.detach().numpy(), source[0].weight.detach().numpy())
    assert target.load_state_dict(wrapped, strip_prefix=["module.", "_orig_mod."]) == ([], [])


def test_load_state_dict_accepts_numpy_arrays_and_casts():
    model = nn.Linear(2, 3)
    weight = np.arange(6, dtype=np.float64).reshape(3, 2)
    model.load_state_dict({"weight": weight, "bias": np.ones(3, np.float32)})
    assert model.weight.dtype == ember.float32
    np.testing.assert_array_equal(model.weight.detach().numpy(), weight)


@needs_torch
def test_load_state_dict_from_torch_gives_the_same_outputs():
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    ours.load_state_dict(ref.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_loading_makes_saved_tensors_stale():
    model = nn.Linear(2, 2)
    out = (model(ember.ones(1, 2, requires_grad=True)) ** 2).sum()
    model.load_state_dict(nn.Linear(2, 2).state_dict())
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


def test_load_state_dict_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="expected a dict-like state_dict, got list"):
        model.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match="weight: expected a tensor or array, got list"):
        model.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]]}, strict=False)


# ---- modes, apply, grads, dtypes ----
def test_train_and_eval_propagate():
    model = build(ember)
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.features.train()
    assert not model.training and model.features[0].act.training and not model.head.training
    assert model.train() is model and all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="training mode is expected to be a bool, got str"):
        model.train("yes")


@needs_torch
def test_apply_visits_children_first_like_torch():
    orders = []
    for lib in (ember, torch):
        order = []
        model = build(lib)
        assert model.apply(lambda m, order=order: order.append(type(m).__name__)) is model
        orders.append(order)
    assert orders[0] == orders[1] == ["ReLU", "Block", "Tanh", "Sequential", "Linear", "Net"]


def test_apply_initialises_weights():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)
    model.apply(init_weights)
    assert model[0].weight.sum().item() == 9 and model[2].weight.sum().item() == 3


def test_zero_grad():
    model = build(ember)
    model(ember.ones(4, 2)).sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None for g in grads)
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_without_none_clears_nan_in_place():
    model = nn.Linear(3, 1)
    model.weight.grad = ember.tensor([[math.nan, math.inf, 1.0]])
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and model.weight.grad.tolist() == [[0.0, 0.0, 0.0]]


def test_requires_grad_():
    model = build(ember)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.head.requires_grad_()
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]


def test_to_dtype_converts_in_place():
    model = build(ember)
    params = list(model.parameters())
    model(ember.ones(1, 2)).sum().backward()
    assert model.to(ember.float64) is model
    assert all(a is b for a, b in zip(params, model.parameters()))  # the same objects
    assert all(p.dtype == ember.float64 and p.grad.dtype == ember.float64 for p in params)
    assert model.features[0].running.dtype == ember.float64
    assert model.features[0].cache.dtype == ember.float64
    assert model.steps.dtype == ember.int64  # integer buffers keep their dtype
    assert model(ember.ones(1, 2, dtype=ember.float64)).dtype == ember.float64
    assert model.float() is model and model.head.weight.dtype == ember.float32
    assert model.half().head.weight.dtype == ember.float16
    model.to(dtype=ember.float64)
    assert model.extra.dtype == ember.float64
    model.to(ember.zeros(1, dtype=ember.float32))
    assert model.extra.dtype == ember.float32
    assert model.to("cpu") is model and model.cpu() is model
    with pytest.raises(TypeError, match="Module.to only accepts floating point dtypes, got "
                                        "ember.int32"):
        model.to(ember.int32)
    with pytest.raises(TypeError, match=r"to\(\) got unexpected arguments \['copy'\]"):
        model.to(ember.float64, copy=True)


def test_an_optimizer_built_before_to_keeps_working():
    optim = pytest.importorskip("ember.optim")
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.double()
    before = model.weight.detach().numpy().copy()
    model(ember.ones(2, 3, dtype=ember.float64)).sum().backward()
    opt.step()
    assert model.weight.dtype == ember.float64
    np.testing.assert_allclose(model.weight.detach().numpy(), before - 0.1 * 2)


# ---- forward hooks ----
def test_forward_hooks_modify_input_and_output_and_are_removed():
    model = nn.Linear(3, 2)
    x = ember.ones(1, 3)
    plain = model(x).detach().numpy()
    pre = model.register_forward_pre_hook(lambda m, args: args[0] * 2)  # one value: the new input
    post = model.register_forward_hook(lambda m, args, out: out + 100)
    expected = model.forward(x * 2).detach().numpy() + 100
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-6)
    pre.remove()
    np.testing.assert_allclose(model(x).detach().numpy(), plain + 100, rtol=1e-6)
    post.remove()
    post.remove()  # removing twice is harmless
    np.testing.assert_array_equal(model(x).detach().numpy(), plain)


def test_forward_hook_order_prepend_kwargs_and_context_manager():
    model = nn.Identity()
    log = []
    model.register_forward_hook(lambda m, a, o: log.append("post"))
    model.register_forward_hook(lambda m, a, o: log.append("post-first"), prepend=True)
    model.register_forward_pre_hook(lambda m, a: log.append(("pre", len(a))))

    def pre_kwargs(m, args, kwargs):
        log.append(("pre-kwargs", kwargs))
        return args, {}
    model.register_forward_pre_hook(pre_kwargs, with_kwargs=True)
    model.register_forward_hook(lambda m, a, k, o: log.append(("post-kwargs", k)), with_kwargs=True)
    with model.register_forward_hook(lambda m, a, o: log.append("temporary")):
        model(ember.ones(1))
    model(ember.ones(1))
    assert log[:6] == [("pre", 1), ("pre-kwargs", {}), "post-first", "post", ("post-kwargs", {}),
                       "temporary"]
    assert "temporary" not in log[6:] and len(log) == 11


# ---- full backward hooks ----
def two_in_two_out(lib):
    class Mul(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.tensor([1.0, 2.0, 3.0]))

        def forward(self, x, y):
            return x * self.w + y * y, (x * 2).sum()
    return Mul()


def run_backward_hook(lib, x_grad=True, hook_result=None):
    model = two_in_two_out(lib)
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append(([None if g is None else g.detach().numpy().tolist() for g in grad_input],
                     [None if g is None else g.detach().numpy().tolist() for g in grad_output]))
        return hook_result(grad_input) if hook_result else None
    handle = model.register_full_backward_hook(hook)
    x = lib.tensor([1.0, -1.0, 2.0], requires_grad=x_grad)
    y = lib.tensor([0.5, 0.5, 0.5], requires_grad=True)
    a, s = model(x, y)
    (a * lib.tensor([1.0, 10.0, 100.0])).sum().add(s * 3 if x_grad else 0).backward()
    handle.remove()
    a, s = model(x, y)
    a.sum().backward()  # removed: not called again
    return seen, x.grad, y.grad


@needs_torch
def test_full_backward_hook_values_match_torch():
    seen, x_grad, y_grad = run_backward_hook(ember)
    ref_seen, ref_x, ref_y = run_backward_hook(torch)
    assert seen == ref_seen == [([[7.0, 26.0, 306.0], [1.0, 10.0, 100.0]], [[1.0, 10.0, 100.0], 3.0])]
    np.testing.assert_array_equal(x_grad.numpy(), ref_x.numpy())


@needs_torch
def test_full_backward_hook_can_replace_grad_input():
    def times_ten(grad_input):
        return tuple(None if g is None else g * 10 for g in grad_input)
    _, x_grad, y_grad = run_backward_hook(ember, hook_result=times_ten)
    _, ref_x, ref_y = run_backward_hook(torch, hook_result=times_ten)
    np.testing.assert_array_equal(x_grad.numpy(), ref_x.numpy())
    np.testing.assert_array_equal(y_grad.numpy(), ref_y.numpy())
    # 10 * (1, 10, 100) through the hook, then + 2y = 1 from the backward after its removal
    assert y_grad.tolist() == [11.0, 101.0, 1001.0]


@needs_torch
def test_full_backward_hook_has_one_entry_per_tensor_argument():
    seen, _, _ = run_backward_hook(ember, x_grad=False)
    ref_seen, _, _ = run_backward_hook(torch, x_grad=False)
    assert seen == ref_seen


# ---- repr ----
def described(lib):
    class Scale(lib.nn.Module):
        def __init__(self, factor, lines=1):
            super().__init__()
            self.factor, self.lines = factor, lines

        def extra_repr(self):
            return "\n".join(f"factor={self.factor}, line={i}" for i in range(self.lines))

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), Scale(0.5))
            self.heads = lib.nn.ModuleDict({"a": lib.nn.Linear(8, 1), "b": Scale(2.0, lines=2)})
            self.empty = lib.nn.Sequential()
            self.scale = Scale(3)

        def extra_repr(self):
            return "a model with a note"
    return Net()


@needs_torch
def test_repr_matches_torch():
    assert repr(described(ember)) == repr(described(torch))
    assert repr(described(ember)).splitlines()[:4] == [
        "Net(", "  a model with a note", "  (encoder): Sequential(",
        "    (0): Linear(in_features=4, out_features=8, bias=True)"]


# ---- attribute handling and errors ----
def test_attribute_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        _ = model.wieght
    with pytest.raises(TypeError, match=r"cannot assign a Tensor as parameter 'weight' of Linear: wrap "
                                        r"it with nn.Parameter\(...\) or assign None"):
        model.weight = ember.zeros(2, 2)
    model.weight = None
    assert model.weight is None and names(model.named_parameters()) == ["bias"]
    outer = nn.Sequential(model)
    with pytest.raises(TypeError, match="cannot assign a int as child module '0' of Sequential: "
                                        "expected a Module or None"):
        setattr(outer, "0", 3)


def test_registration_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="parameter name can.{1,2}t be empty or contain"):
        model.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="buffer name can.{1,2}t be empty"):
        model.register_buffer("", ember.zeros(1))
    with pytest.raises(KeyError, match="attribute 'weight' already exists on Linear"):
        model.register_buffer("weight", ember.zeros(1))
    with pytest.raises(KeyError, match="attribute 'forward' already exists on Linear"):
        model.register_parameter("forward", None)
    with pytest.raises(TypeError, match="parameter name should be a string, got int"):
        model.register_parameter(1, None)
    with pytest.raises(TypeError, match=r"cannot assign a Tensor as parameter 'p': wrap it with "
                                        r"nn.Parameter\(...\)"):
        model.register_parameter("p", ember.zeros(1))
    with pytest.raises(TypeError, match="cannot assign a list as buffer 'b': expected a Tensor or None"):
        model.register_buffer("b", [1.0])
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        model.add_module("child", 3)
    with pytest.raises(ValueError, match="cannot assign non-leaf tensor 'p' as a parameter"):
        model.register_parameter("p", _non_leaf_parameter())
    with pytest.raises(TypeError, match="Module.__init__ takes none"):
        nn.Module(3)


def _non_leaf_parameter():
    p = nn.Parameter(ember.ones(1), requires_grad=False)
    p.mul_(ember.ones(1, requires_grad=True))  # recorded: p now has a grad_fn
    assert p.grad_fn is not None
    return p


def test_assignment_before_init_and_missing_forward():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign 'w' before Module.__init__\(\) call"):
        Early()
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward"'):
        nn.Module()(ember.ones(1))


def test_buffers_and_deletion():
    model = nn.Module()
    model.register_buffer("stat", ember.zeros(2))
    model.stat = ember.ones(2)  # reassigning a buffer keeps it a buffer
    assert names(model.named_buffers()) == ["stat"] and model.stat.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="cannot assign a float as buffer 'stat' of Module"):
        model.stat = 1.0
    model.b = nn.Buffer(ember.ones(1), persistent=False)
    assert names(model.named_buffers()) == ["stat", "b"] and list(model.state_dict()) == ["stat"]
    model.w = nn.Parameter(ember.ones(1))
    model.child = nn.Linear(1, 1)
    del model.w, model.child, model.stat
    assert names(model.named_parameters()) == [] and names(model.named_buffers()) == ["b"]
    assert "b" in dir(model) and not hasattr(model, "w")


# ---- copies ----
def test_deepcopy():
    model = build(ember)
    model.features.eval()
    clone = copy.deepcopy(model)
    assert clone.features[0] is clone.features[2] and clone.head is clone.tied  # structure kept
    assert clone.head.weight is not model.head.weight
    assert isinstance(clone.head.weight, nn.Parameter) and clone.head.weight.requires_grad
    for (name, a), b in zip(model.state_dict().items(), clone.state_dict().values()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    with ember.no_grad():
        clone.head.weight.add_(1.0)
        clone.features[0].running.add_(1.0)
    assert not np.array_equal(clone.head.weight.detach().numpy(), model.head.weight.detach().numpy())
    assert model.features[0].running.sum().item() == 0
    assert not clone.features.training and clone.training
    out = clone(ember.ones(1, 2)).sum()
    out.backward()
    assert clone.head.weight.grad is not None and model.head.weight.grad is None


@needs_torch
def test_deepcopy_drops_gradients_as_torch():
    model = nn.Linear(2, 1)
    model.weight.grad = ember.ones(1, 2)
    ref = torch.nn.Linear(2, 1)
    ref.weight.grad = torch.ones(1, 2)
    assert (copy.deepcopy(model).weight.grad is None) == (copy.deepcopy(ref).weight.grad is None)


# ---- with real layers ----
def cnn(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3, padding=1), lib.nn.BatchNorm2d(4), lib.nn.ReLU(),
                             lib.nn.Dropout(0.5), lib.nn.Flatten(), lib.nn.Linear(4 * 4 * 4, 10))


@needs_torch
def test_layer_state_dicts_match_torch():
    ours, ref = cnn(ember), cnn(torch)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == [
        tuple(v.shape) for v in ref.state_dict().values()]
    ours.load_state_dict(ref.state_dict())
    ours.eval()
    ref.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_train_and_eval_change_what_layers_do():
    model = cnn(ember)
    x = ember.randn(8, 1, 4, 4)
    model.eval()
    with ember.no_grad():
        first, second = model(x), model(x)
    np.testing.assert_array_equal(first.numpy(), second.numpy())  # no dropout, fixed statistics
    assert model[1].num_batches_tracked.item() == 0
    model.train()
    with ember.no_grad():
        third = model(x)
    assert not np.allclose(first.numpy(), third.numpy())
    assert model[1].num_batches_tracked.item() == 1


def test_to_dtype_keeps_integer_buffers_of_layers():
    model = cnn(ember).double()
    assert model[1].running_mean.dtype == ember.float64 and model[0].weight.dtype == ember.float64
    assert model[1].num_batches_tracked.dtype == ember.int64
