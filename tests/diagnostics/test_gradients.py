import numpy as np
import pytest

import ember
from ember import nn
from ember.diagnostics import GradientMonitor, gradient_report


def _mlp():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))


def test_report_norms_ratio_and_table():
    model = _mlp()
    model(ember.randn(8, 3)).sum().backward()
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    report = gradient_report(model, opt)
    rows = {r["name"]: r for r in report.to_dicts()}
    w = model[0].weight
    g = w.grad.numpy()
    assert rows["0.weight"]["grad_norm"] == pytest.approx(np.linalg.norm(g))
    assert rows["0.weight"]["update_ratio"] == pytest.approx(
        0.1 * np.linalg.norm(g) / np.linalg.norm(w.detach().numpy()))
    assert "0.weight" in str(report) and "grad norm" in str(report)


def test_report_flags_vanishing_exploding_nonfinite_and_dead_units():
    model = _mlp()
    model(ember.randn(8, 3)).sum().backward()
    with ember.no_grad():
        model[0].weight.grad[1] = 0.0  # unit 1 of the first layer gets no gradient: dead
    model[2].weight.grad = ember.full((1, 4), 1e6)
    model[2].bias.grad = ember.tensor([float("nan")])
    model[0].bias.grad = ember.full((4,), 1e-12)
    rows = {r["name"]: r for r in gradient_report(model).rows}
    assert rows["0.weight"]["dead"] == 0.25
    assert rows["2.weight"]["exploding"] and rows["2.bias"]["nonfinite"]
    assert rows["0.bias"]["vanishing"]
    assert {r["name"] for r in gradient_report(model).flagged()} == {
        "0.weight", "2.weight", "2.bias", "0.bias"}


def test_report_before_backward_says_when_to_call_it():
    with pytest.raises(RuntimeError, match="call it after loss.backward"):
        gradient_report(_mlp())


def test_monitor_records_every_n_steps_and_warns_once_naming_the_layer():
    model = _mlp()
    monitor = GradientMonitor(model, every=2, exploding=1e-3)
    with pytest.warns(RuntimeWarning, match=r"the gradient of [0-9.a-z]+ is exploding") as caught:
        for _ in range(4):
            model(ember.randn(8, 3)).sum().backward()
    assert len(monitor.history["0.weight"]) == 2  # backward passes 1 and 3
    assert len(caught) == 4 and monitor.warned == {"0.weight", "0.bias", "2.weight", "2.bias"}
    monitor.remove()
    model(ember.randn(8, 3)).sum().backward()
    assert len(monitor.history["0.weight"]) == 2


def test_monitor_refuses_a_bad_period():
    with pytest.raises(ValueError, match="every must be a positive int"):
        GradientMonitor(_mlp(), every=0)


def test_gradient_monitor_callback_records_during_fit():
    from ember import layers

    ember.manual_seed(0)
    model = ember.models.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = ember.callbacks.GradientMonitor(every=1)
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    model.fit(x, x.sum(1, keepdims=True), batch_size=8, epochs=1, verbose=0, callbacks=[callback])
    assert all(len(v) == 4 for v in callback.history.values()) and len(callback.history) == 4
