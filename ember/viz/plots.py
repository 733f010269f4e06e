"""Training plots saved as PNG (matplotlib, the ``plot`` extra; no display needed).

``plot_history(history)`` draws loss and metrics per epoch, training and validation;
``plot_gradient_flow(monitor_or_report)`` draws each layer's gradient norm (the classic
gradient-flow chart: vanishing gradients show as a slope down towards the first layers).
"""

__all__ = ["plot_history", "plot_gradient_flow", "plot_decision_boundary",
           "plot_activation_histograms"]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("ember.viz plots need matplotlib: pip install 'ember[plot]'") from None
    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    return plt


def plot_history(history, path=None, title=None):
    """One panel per quantity (loss, each metric), training and ``val_`` curves per epoch.

    ``history`` is a ``History`` (from ``fit``) or its ``history`` dict. Returns the figure; with
    ``path``, also saves it as PNG there.
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    if not logs:
        raise ValueError("plot_history: the history is empty; train with fit() first")
    names = [k for k in logs if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], marker="o", label="training")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_gradient_flow(source, path=None, title="Gradient flow"):
    """Gradient norm per parameter (first layer left), log scale.

    ``source`` is a ``GradientMonitor`` (the mean norm over its recorded steps, with the spread as
    error bars) or a ``GradientReport`` (one backward pass).
    """
    import numpy as np

    plt = _pyplot()
    if hasattr(source, "history"):
        names = [n for n, v in source.history.items() if v]
        values = [np.asarray(source.history[n]) for n in names]
        means = [v.mean() for v in values]
        spread = [v.std() for v in values]
    else:
        names = [r["name"] for r in source.rows]
        means = [r["grad_norm"] for r in source.rows]
        spread = None
    if not names:
        raise ValueError("plot_gradient_flow: nothing recorded yet; run a backward pass first")
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(names)), 4))
    ax.bar(range(len(names)), means, yerr=spread, color="tab:blue", alpha=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=70, ha="right", fontsize=8)
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_xlabel("parameter (input side on the left)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_decision_boundary(model, x, y, path=None, title="Decision boundary", resolution=200):
    """The classes a 2-D classifier assigns over the plane, with the data points on top.

    ``model`` maps an ``(N, 2)`` float32 tensor to scores: one column (a logit or a probability,
    thresholded at its midpoint: 0 for logits, 0.5 for values in [0, 1]) or one column per class
    (argmax). Works for any nn.Module or Keras-style model, and for ``nn.Perceptron``.
    """
    import numpy as np

    from ember.autograd.grad_mode import no_grad
    from ember.tensor.factories import tensor

    plt = _pyplot()
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y).ravel()
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: x must have shape (N, 2), got {x.shape}")
    pad = 0.1 * (x.max(0) - x.min(0)) + 1e-3
    (x0, y0), (x1, y1) = x.min(0) - pad, x.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    with no_grad():
        scores = model(tensor(grid))
    if was_training:
        model.train()
    scores = np.asarray(scores.detach().numpy() if hasattr(scores, "detach") else scores)
    scores = scores.reshape(len(grid), -1)
    if scores.shape[1] == 1:
        s = scores[:, 0]
        cut = 0.5 if s.min() >= 0 and s.max() <= 1 else 0.0
        labels = (s > cut).astype(int)
    else:
        labels = scores.argmax(1)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.contourf(gx, gy, labels.reshape(gx.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_activation_histograms(report, path=None, title="Activations per layer", columns=4):
    """One histogram per layer of an ``ember.diagnostics.activation_report`` (input side first):
    a signal that collapses to 0 or saturates with depth shows at a glance."""
    import numpy as np

    plt = _pyplot()
    rows = getattr(report, "rows", report)
    if not rows:
        raise ValueError("plot_activation_histograms: the report is empty")
    n = len(rows)
    cols = min(columns, n)
    lines = -(-n // cols)
    fig, axes = plt.subplots(lines, cols, figsize=(3.2 * cols, 2.4 * lines), squeeze=False)
    for ax, row in zip(axes.ravel(), rows):
        counts, edges = row["histogram"]
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="tab:orange")
        ax.set_title(f"{row['name']} ({row['type']})\nstd {row['std']:.2e}", fontsize=8)
        ax.set_xlabel("activation", fontsize=7)
        ax.set_ylabel("count", fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
