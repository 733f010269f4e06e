import pytest

import ember
from ember import nn
from ember.diagnostics import NonFiniteError, nan_guard


class Log(nn.Module):
    def forward(self, x):
        return x.log()


def test_the_module_that_makes_the_nan_is_named_with_its_inputs():
    model = nn.Sequential(nn.Linear(2, 2), Log(), nn.Linear(2, 1))
    with ember.no_grad():
        model[0].weight.fill_(-1.0)
        model[0].bias.fill_(0.0)
    with nan_guard(model), pytest.raises(NonFiniteError, match=r"nan_guard: 1 \(Log\(\)\) produced "
                                                               r"NaN/Inf .* from finite inputs"):
        model(ember.ones(3, 2))


def test_later_layers_that_only_pass_nan_along_are_not_blamed():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with nan_guard(model):
        out = model(ember.tensor([[float("nan"), 1.0]]))  # the input itself is NaN: no culprit
    assert bool(out.isnan().any())


def test_a_finite_model_passes_and_the_hooks_are_removed():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    with nan_guard(model):
        model(ember.ones(4, 2)).sum().backward()
    assert not model[0]._forward_hooks and not model._backward_hooks


def test_a_backward_that_makes_nan_is_named():
    class Sqrt(nn.Module):
        def forward(self, x):
            return x.sqrt()

    model = nn.Sequential(Sqrt())
    x = ember.zeros(2, requires_grad=True)
    with nan_guard(model), pytest.raises(NonFiniteError, match="backward pass of 0"):
        model(x).sum().backward()  # d sqrt(x)/dx at 0 is inf
