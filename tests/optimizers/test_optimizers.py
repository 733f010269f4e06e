"""Keras optimizers: binding, the mapping onto ember.optim / PyTorch rules, learning-rate setting,
decoupled weight decay, clipping, configs and errors."""

import numpy as np
import pytest
import torch

import ember
from ember import optimizers

RNG = np.random.default_rng(0)
W0 = RNG.normal(size=(3, 2)).astype(np.float32)
GRADS = [RNG.normal(size=(3, 2)).astype(np.float32) for _ in range(4)]


def _run_ember(opt):
    w = ember.nn.Parameter(ember.tensor(W0))
    opt.build([w])
    for g in GRADS:
        w.grad = ember.tensor(g)
        opt.step()
    return w.detach().numpy()


def _run_torch(make):
    w = torch.nn.Parameter(torch.tensor(W0))
    opt = make([w])
    for g in GRADS:
        w.grad = torch.tensor(g)
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("keras, make_torch", [
    (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    (lambda: optimizers.SGD(0.1, weight_decay=0.1),  # decoupled: θ(1 - γλ), then the step
     lambda p: _DecoupledSGD(p, lr=0.1, wd=0.1)),
    (lambda: optimizers.Adam(0.01, amsgrad=True, weight_decay=0.05),
     lambda p: torch.optim.AdamW(p, lr=0.01, eps=1e-7, amsgrad=True, weight_decay=0.05)),
    (lambda: optimizers.AdamW(0.01),
     lambda p: torch.optim.AdamW(p, lr=0.01, eps=1e-7, weight_decay=0.004)),
    (lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-7, momentum=0.5, centered=True)),
    (lambda: optimizers.Adagrad(0.1),
     lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=1e-7)),
    (lambda: optimizers.Adamax(0.01, beta_1=0.8),
     lambda p: torch.optim.Adamax(p, lr=0.01, betas=(0.8, 0.999), eps=1e-7)),
    (lambda: optimizers.Adadelta(1.0, rho=0.9),
     lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-7)),
    (lambda: optimizers.Nadam(0.01, weight_decay=0.01),
     lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, weight_decay=0.01, decoupled_weight_decay=True)),
])
def test_updates_match_pytorch_with_keras_arguments(keras, make_torch):
    np.testing.assert_allclose(_run_ember(keras()), _run_torch(make_torch), rtol=1e-5, atol=1e-6)


class _DecoupledSGD(torch.optim.SGD):
    def __init__(self, params, lr, wd):
        super().__init__(params, lr=lr)
        self.wd = wd

    @torch.no_grad()
    def step(self):
        for p in self.param_groups[0]["params"]:
            p.mul_(1 - self.param_groups[0]["lr"] * self.wd)
        super().step()


def test_keras_defaults():
    assert optimizers.SGD().learning_rate == 0.01
    adam = optimizers.get("adam")
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    rms = optimizers.get("RMSprop")
    assert (rms.learning_rate, rms.rho, rms.epsilon, rms.momentum) == (0.001, 0.9, 1e-7, 0.0)
    assert optimizers.get("adagrad").initial_accumulator_value == 0.1
    assert optimizers.get("adamw").weight_decay == 0.004
    assert isinstance(optimizers.get("nadam"), optimizers.Nadam)
    adamax, adadelta = optimizers.get("adamax"), optimizers.get("adadelta")
    assert (adamax.learning_rate, adamax.beta_1, adamax.beta_2, adamax.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    assert (adadelta.learning_rate, adadelta.rho, adadelta.epsilon) == (0.001, 0.95, 1e-7)
    assert isinstance(optimizers.get(optimizers.SGD), optimizers.SGD)


def test_learning_rate_setting_reaches_the_bound_optimizer():
    opt = optimizers.SGD(learning_rate=0.5)
    opt.learning_rate = 0.1  # before build: kept for it
    w = ember.nn.Parameter(ember.tensor([1.0]))
    opt.build([w])
    assert opt.optimizer.param_groups[0]["lr"] == 0.1
    opt.learning_rate = np.float32(0.25)
    assert opt.optimizer.param_groups[0]["lr"] == 0.25 and opt.lr == 0.25
    w.grad = ember.tensor([2.0])
    opt.apply_gradients()
    assert w.item() == pytest.approx(0.5) and opt.iterations == 1
    opt.apply_gradients([(ember.tensor([1.0]), w)])
    assert w.item() == pytest.approx(0.25) and opt.iterations == 2
    opt.zero_grad()
    assert w.grad is None


def test_clipping():
    w1, w2 = ember.nn.Parameter(ember.tensor([0.0, 0.0])), ember.nn.Parameter(ember.tensor([0.0]))
    opt = optimizers.SGD(1.0, clipnorm=1.0).build([w1, w2])
    w1.grad, w2.grad = ember.tensor([3.0, 4.0]), ember.tensor([0.5])
    opt.step()
    np.testing.assert_allclose(w1.detach().numpy(), [-0.6, -0.8], rtol=1e-6)
    assert w2.item() == pytest.approx(-0.5)
    opt = optimizers.SGD(1.0, global_clipnorm=1.0).build([w1, w2])
    w1.grad, w2.grad = ember.tensor([3.0, 0.0]), ember.tensor([4.0])
    opt.step()
    np.testing.assert_allclose(w2.detach().numpy(), [-0.5 - 0.8], rtol=1e-6)
    opt = optimizers.SGD(1.0, clipvalue=0.1).build([w2])
    w2.grad = ember.tensor([-4.0])
    opt.step()
    assert w2.item() == pytest.approx(-1.3 + 0.1)


def test_config_round_trip_state_dict_and_rebuild():
    adam = optimizers.Adam(learning_rate=0.02, beta_1=0.8, amsgrad=True, weight_decay=0.1)
    again = optimizers.get({"class_name": "Adam", "config": adam.get_config()})
    assert again.get_config() == adam.get_config()
    assert optimizers.Nadam.from_config(optimizers.Nadam().get_config()).get_config() == \
        optimizers.Nadam().get_config()
    w = ember.nn.Parameter(ember.tensor([1.0]))
    adam.build([w])
    w.grad = ember.tensor([1.0])
    adam.step()
    state = adam.state_dict()
    other = optimizers.Adam().build([ember.nn.Parameter(ember.tensor([1.0]))])
    other.load_state_dict(state)
    assert other.iterations == 1 and other.learning_rate == 0.02
    assert other.optimizer.param_groups[0]["lr"] == 0.02
    assert "bound" in repr(adam) and "not built" in repr(optimizers.SGD())


@pytest.mark.parametrize("call, match", [
    (lambda: optimizers.get("adamm"),
     "Unknown optimizer 'adamm'. Valid names: adadelta, adagrad, adam, adamax, adamw"),
    (lambda: optimizers.get({"class_name": "Foo"}), "Unknown optimizer 'Foo'"),
    (lambda: optimizers.get(ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], lr=0.1)),
     "(?s)Could not interpret optimizer identifier.*bound to parameters already"),
    (lambda: optimizers.SGD(learning_rate=-1), "SGD: learning_rate must be a number >= 0"),
    (lambda: optimizers.SGD(momentum=2), r"SGD: momentum must be a float in \[0, 1\]"),
    (lambda: optimizers.SGD(nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda: optimizers.Adam(beta_1=1.0), r"Adam: beta_1 must lie in \[0, 1\)"),
    (lambda: optimizers.Adam(epsilon=-1), "epsilon must be a number >= 0"),
    (lambda: optimizers.AdamW(weight_decay=None), "AdamW: weight_decay must be a number >= 0"),
    (lambda: optimizers.RMSprop(rho=1.5), r"RMSprop: rho must lie in \[0, 1\)"),
    (lambda: optimizers.Adagrad(initial_accumulator_value=-0.1), "initial_accumulator_value must"),
    (lambda: optimizers.SGD(weight_decay="x"), "weight_decay must be a number"),
    (lambda: optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0), "at most one of clipnorm"),
    (lambda: optimizers.SGD().build([]), "SGD.build: received no trainable parameters"),
    (lambda: optimizers.SGD().step(), "SGD.step: the optimizer is not bound.*build"),
    (lambda: optimizers.Adam().apply_gradients(), "Adam.apply_gradients: the optimizer is not bound"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match):
        call()
