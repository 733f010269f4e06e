"""Zero or constant initialisation never breaks symmetry; random initialisation does.

If every hidden unit of a layer starts with the same weights, every unit computes the same output,
receives the same gradient and takes the same step, forever: the layer behaves as one unit, however
wide it is. A ``2 -> 8 -> 1`` tanh network is trained to tell the points inside a circle from those
outside, from three starts: all zeros, all 0.5, and PyTorch's default random uniform.

    python examples/zero_init_symmetry.py [--quick] [--out runs]

Figure: ``zero_init_symmetry.png``: the training loss of each start, and where each hidden unit's
incoming weights end up (the 8 units of a constant start stay on one point).
"""

import argparse
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F

STARTS = {"zeros": 0.0, "constant 0.5": 0.5, "random (default)": None}


def train(x, y, fill, hidden, steps):
    """Train a ``2 -> hidden -> 1`` tanh classifier by SGD; ``fill`` is the constant start (or
    None for the default random one). Returns the model and its loss per step."""
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    if fill is not None:
        for p in model.parameters():
            nn.init.constant_(p, fill)
    optimizer = ember.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses


def plot(losses, unit_weights, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax_loss, ax_units = fig.subplots(1, 2)
    for (name, curve), marker, size in zip(losses.items(), "osD", (160, 160, 50)):
        ax_loss.plot(curve, label=name)
        w = unit_weights[name]
        distinct = len(np.unique(w, axis=0))
        ax_units.scatter(w[:, 0], w[:, 1], marker=marker, s=size, alpha=0.8, edgecolors="k",
                         zorder=3 - size / 100,  # the big markers of the constant starts on top
                         label=f"{name}: {distinct} distinct unit{'s' * (distinct > 1)}")
        if distinct == 1:
            ax_units.annotate(f"all {len(w)} units", w[0], xytext=(10, 6), textcoords="offset points")
    ax_loss.set_xlabel("SGD step")
    ax_loss.set_ylabel("training loss (binary cross-entropy)")
    ax_loss.set_title("Only the random start learns the circle")
    ax_loss.set_ylim(0, 0.8)  # the constant start begins higher, off the top
    ax_loss.legend()
    ax_units.axhline(0, color="grey", lw=0.5)
    ax_units.axvline(0, color="grey", lw=0.5)
    ax_units.set_xlabel("weight from input x1")
    ax_units.set_ylabel("weight from input x2")
    ax_units.set_title(f"Each hidden unit's weights after training ({len(w)} units per start)")
    ax_units.legend(fontsize=8)
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    hidden, steps = 8, 300 if args.quick else 2000
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (256, 2)).astype(np.float32)
    inside = (np.sum(points ** 2, axis=1) < 0.5).astype(np.float32)[:, None]
    x, y = ember.tensor(points), ember.tensor(inside)

    results, losses, unit_weights = {}, {}, {}
    for name, fill in STARTS.items():
        ember.manual_seed(0)
        model, losses[name] = train(x, y, fill, hidden, steps)
        w = unit_weights[name] = model[0].weight.detach().numpy()
        results[name] = {"final_loss": losses[name][-1],
                         # the largest difference between any hidden unit's weights and unit 0's
                         "unit_spread": float(np.abs(w - w[0]).max()),
                         "distinct_units": len(np.unique(w, axis=0))}

    os.makedirs(args.out, exist_ok=True)
    results["figure"] = os.path.join(args.out, "zero_init_symmetry.png")
    plot(losses, unit_weights, results["figure"])
    zero, const, rand = (results[name] for name in STARTS)
    print(f"After {steps} SGD steps the {hidden} hidden units of the zero and constant starts are still "
          f"identical (largest weight difference between two units: {zero['unit_spread']:g} and "
          f"{const['unit_spread']:g}; loss {zero['final_loss']:.3f} and {const['final_loss']:.3f}), while "
          f"the random start has {rand['distinct_units']} distinct units (spread {rand['unit_spread']:.2f}) "
          f"and reaches loss {rand['final_loss']:.3f}.")
    return results


if __name__ == "__main__":
    main()
