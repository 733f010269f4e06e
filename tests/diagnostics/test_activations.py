import pytest

import ember
from ember import nn
from ember.diagnostics import activation_report


def _deep(init, depth=30, width=256, activation=nn.ReLU):
    ember.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width, bias=False)
        init(linear.weight)
        layers += [linear, activation()]
    return nn.Sequential(*layers)


def test_he_init_keeps_the_signal_and_xavier_lets_it_collapse_in_a_deep_relu_net():
    x = ember.randn(256, 256)
    he = activation_report(_deep(ember.nn.init.kaiming_normal_), x)
    xavier = activation_report(_deep(ember.nn.init.xavier_normal_), x)
    he_last = [r for r in he.rows if r["type"] == "Linear"][-1]["std"]
    xavier_last = [r for r in xavier.rows if r["type"] == "Linear"][-1]["std"]
    assert 0.3 < he_last < 3.0  # He et al. 2015: the std stays near 1 over 30 layers
    assert xavier_last < 1e-3  # Xavier halves the variance at every ReLU layer


def test_report_counts_dead_and_saturated_units_and_prints():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Sigmoid())
    with ember.no_grad():
        model[2].weight.mul_(1000.0)  # huge pre-activations: the sigmoid saturates
    report = activation_report(model, ember.randn(64, 4))
    rows = {r["type"]: r for r in report.rows}
    relu = rows["ReLU"]["dead"]
    assert 0.2 < relu < 0.8 and rows["Sigmoid"]["saturated"] > 0.9
    assert rows["Linear"]["saturated"] is None
    counts, edges = rows["ReLU"]["histogram"]
    assert counts.sum() == 64 * 8 and len(edges) == 31
    assert "Sigmoid" in str(report) and "saturated" in str(report)


def test_report_removes_its_hooks_even_when_forward_fails():
    model = nn.Sequential(nn.Linear(4, 2))
    with pytest.raises(RuntimeError, match="Linear"):
        activation_report(model, ember.randn(3, 5))
    assert not model[0]._forward_hooks


def test_report_needs_tensor_outputs():
    class Nothing(nn.Module):
        def forward(self, x):
            return None

    with pytest.raises(RuntimeError, match="no layer produced a tensor output"):
        activation_report(Nothing(), ember.ones(1))
