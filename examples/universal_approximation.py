"""One hidden layer approximates a continuous function, and a step, better as it grows wider.

The universal approximation theorem (Cybenko 1989; Hornik 1991) says one hidden layer of enough
sigmoid-like units can approximate any continuous function on a compact set as closely as wanted.
Here ``1 -> width -> 1`` tanh networks are trained (Adam, cosine-annealed learning rate) on
sin(x) and on a unit step over [-2 pi, 2 pi]; the error on a fine test grid falls as the width
grows. The step is not continuous: its error falls fast up to a few units, then slowly, as the
fit near the jump can only steepen as fast as training grows the weights.

    python examples/universal_approximation.py [--quick] [--out runs]

Figure: ``universal_approximation.png``: test error against width for both targets, and the fits.
"""

import argparse
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F

TARGETS = {"sin(x)": np.sin, "step(x)": lambda x: (x > 0).astype(x.dtype)}


def fit(width, x, y, steps):
    """Train a ``1 -> width -> 1`` tanh network on ``(x, y)`` by full-batch Adam; return it."""
    model = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    optimizer = ember.optim.Adam(model.parameters(), lr=0.03)
    schedule = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    x, y = ember.tensor(x), ember.tensor(y)
    for _ in range(steps):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
        schedule.step()
    return model


def plot(widths, errors, fits, x_test, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(15, 4.2), layout="constrained")
    ax_err, *ax_fits = fig.subplots(1, 3)
    for (name, errs), marker in zip(errors.items(), "os"):
        ax_err.plot(widths, errs, marker=marker, label=name)
    ax_err.set_xscale("log", base=2)
    ax_err.set_yscale("log")
    ax_err.set_xticks(widths, [str(w) for w in widths])
    ax_err.set_xlabel("hidden units (width)")
    ax_err.set_ylabel("test mean squared error (log scale)")
    ax_err.set_title("Error falls as the hidden layer widens")
    ax_err.grid(alpha=0.3, which="both")
    ax_err.legend()
    for ax, (name, target) in zip(ax_fits, TARGETS.items()):
        ax.plot(x_test, target(x_test), color="k", lw=3, alpha=0.3, label="target")
        for width, prediction in fits[name].items():
            ax.plot(x_test, prediction, lw=1.3, label=f"width {width}")
        ax.set_xlabel("x")
        ax.set_ylabel("network output")
        ax.set_title(f"Fits of {name}")
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    widths = [1, 2, 4, 8, 16] if args.quick else [1, 2, 4, 8, 16, 32, 64]
    steps = 400 if args.quick else 1500
    x_train = np.linspace(-2 * np.pi, 2 * np.pi, 256, dtype=np.float32)[:, None]
    x_test = np.linspace(-2 * np.pi, 2 * np.pi, 1001, dtype=np.float32)[:, None]

    errors, fits = {}, {}
    for name, target in TARGETS.items():
        errors[name], fits[name] = [], {}
        for width in widths:
            ember.manual_seed(0)
            model = fit(width, x_train, target(x_train), steps)
            with ember.no_grad():
                prediction = model(ember.tensor(x_test)).numpy()
            errors[name].append(float(np.mean((prediction - target(x_test)) ** 2)))
            if width in (1, 2, 4, widths[-1]):
                fits[name][width] = prediction

    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "universal_approximation.png")
    plot(widths, errors, fits, x_test, figure)
    sin, step = errors["sin(x)"], errors["step(x)"]
    print(f"Widening the hidden layer from {widths[0]} to {widths[-1]} units lowers the test error on "
          f"sin(x) from {sin[0]:.3g} to {sin[-1]:.3g} and on the step from {step[0]:.3g} to {step[-1]:.3g}.")
    return {"widths": widths, "sin_error": sin, "step_error": step, "figure": figure}


if __name__ == "__main__":
    main()
