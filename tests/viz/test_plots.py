import pytest

import ember
from ember import nn

matplotlib = pytest.importorskip("matplotlib")


def test_plot_history_draws_training_and_validation_per_quantity(tmp_path):
    history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6],
               "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.8]}
    path = tmp_path / "history.png"
    fig = ember.viz.plot_history(history, path)
    assert path.stat().st_size > 1000
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["training", "validation"]


def test_plot_gradient_flow_from_a_monitor_and_a_report(tmp_path):
    ember.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(5) for m in (nn.Linear(16, 16), nn.Sigmoid())])
    monitor = ember.diagnostics.GradientMonitor(model, warn=False)
    for _ in range(3):
        model(ember.randn(8, 16)).sum().backward()
    fig = ember.viz.plot_gradient_flow(monitor, tmp_path / "flow.png")
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert len(heights) == 10 and heights[0] < heights[-2]  # sigmoid: gradients vanish towards the input
    report = ember.diagnostics.gradient_report(model)
    assert len(ember.viz.plot_gradient_flow(report).axes[0].patches) == 10
    assert (tmp_path / "flow.png").stat().st_size > 1000


def test_plots_refuse_empty_inputs():
    with pytest.raises(ValueError, match="the history is empty"):
        ember.viz.plot_history({})
    monitor = ember.diagnostics.GradientMonitor(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="nothing recorded yet"):
        ember.viz.plot_gradient_flow(monitor)
    assert monitor.history == {"weight": [], "bias": []}


def test_history_plot_and_decision_boundary_of_a_trained_mlp(tmp_path):
    from ember.data.datasets import make_moons

    x, y = make_moons(n_samples=200, noise=0.1, seed=0)
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = ember.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(150):
        loss = nn.functional.cross_entropy(model(ember.tensor(x)), ember.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    fig = ember.viz.plot_decision_boundary(model, x, y, tmp_path / "moons.png")
    assert (tmp_path / "moons.png").stat().st_size > 1000 and fig.axes[0].get_title()
    history = ember.callbacks.History()
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 0.7})
    history.on_epoch_end(1, {"loss": 0.4})
    assert history.plot(tmp_path / "h.png").axes[0].get_title() == "loss"
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        ember.viz.plot_decision_boundary(model, x[:, :1], y)


def test_activation_histograms_one_panel_per_layer(tmp_path):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    report = ember.diagnostics.activation_report(model, ember.randn(32, 8))
    fig = ember.viz.plot_activation_histograms(report, tmp_path / "acts.png")
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 5 and "Tanh" in titled[1].get_title()
    assert (tmp_path / "acts.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="the report is empty"):
        ember.viz.plot_activation_histograms([])
