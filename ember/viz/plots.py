"""Training plots saved as PNG (matplotlib, the ``plot`` extra; no display needed).

``plot_history(history)`` draws loss and metrics per epoch, training and validation;
``plot_gradient_flow(monitor_or_report)`` draws each layer's gradient norm (the classic
gradient-flow chart: vanishing gradients show as a slope down towards the first layers).
"""

__all__ = ["plot_history", "plot_gradient_flow"]


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
