"""Saxe et al. (2014): orthogonal initialisation makes a deep linear network learn at a
depth-independent speed.

A deep linear network ``y = W_L ... W_2 W_1 x`` computes a linear map, yet learns in a nonlinear
way, like a deep nonlinear network. With every W_i orthogonal (``nn.init.orthogonal_``) the
end-to-end map is orthogonal too: all its singular values are exactly 1, so every direction of the
input reaches the output, and the gradients reach every layer, undistorted ("dynamical
isometry"). With scaled Gaussian weights N(0, 1/n) the product's singular values spread over many
orders of magnitude as depth grows: most directions are squashed towards 0.

Both are trained by full-batch SGD to fit a random linear map (singular values 0.5 to 2), with the
learning rate divided by the depth (Saxe et al.'s scaling, so that the end-to-end map moves at the
same rate at any depth). The steps needed to reach a relative loss of 0.1 stay flat with depth
for orthogonal starts and grow, until they run out, for Gaussian ones. Float64 throughout, so
that the singular values are exact to rounding.

    python examples/saxe_orthogonal.py [--quick] [--out runs]

Figure: ``saxe_orthogonal.png``: the singular values of the end-to-end map at initialisation, and
the steps to reach the loss threshold against depth.
"""

import argparse
import math
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F

INITS = {"orthogonal": nn.init.orthogonal_,
         "Gaussian N(0, 1/n)": lambda w: nn.init.normal_(w, 0.0, 1 / math.sqrt(w.shape[1]))}
THRESHOLD = 0.1  # relative loss: mean squared error / mean squared target


def deep_linear(depth, width, init):
    """``depth`` bias-free ``width x width`` linear layers, float64."""
    layers = [nn.Linear(width, width, bias=False, dtype=ember.float64) for _ in range(depth)]
    for layer in layers:
        init(layer.weight)
    return nn.Sequential(*layers)


def end_to_end_singular_values(model, width):
    """The singular values of the map ``W_L ... W_1``, read off the model's output on the identity."""
    with ember.no_grad():
        product = model(ember.eye(width, dtype=ember.float64)).numpy()  # rows: W x for each unit x
    return np.linalg.svd(product, compute_uv=False)


def steps_to_threshold(model, x, y, lr, max_steps):
    """Full-batch SGD steps until the relative loss is below THRESHOLD (None if never)."""
    optimizer = ember.optim.SGD(model.parameters(), lr=lr)
    scale = float((y ** 2).mean().item())
    for step in range(1, max_steps + 1):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y) / scale
        loss.backward()
        if loss.item() < THRESHOLD:
            return step
        if not math.isfinite(loss.item()):
            return None  # diverged
        optimizer.step()
    return None


def plot(singular_values, steps, depths, max_steps, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_sv, ax_steps = fig.subplots(1, 2)
    for (name, by_depth), colour in zip(singular_values.items(), ("tab:blue", "tab:orange")):
        for (depth, values), style in zip(by_depth.items(), ("-", "--", ":")):
            ax_sv.plot(range(1, len(values) + 1), values, style, color=colour, label=f"{name}, depth {depth}")
    ax_sv.set_yscale("log")
    ax_sv.set_xlabel("singular value index (largest first)")
    ax_sv.set_ylabel("singular value of W_L ... W_1 (log scale)")
    ax_sv.set_title("End-to-end map at initialisation")
    ax_sv.grid(alpha=0.3, which="both")
    ax_sv.legend(fontsize=8)
    for (name, values), colour in zip(steps.items(), ("tab:blue", "tab:orange")):
        reached = [(d, s) for d, s in zip(depths, values) if s is not None]
        failed = [d for d, s in zip(depths, values) if s is None]
        ax_steps.plot(*zip(*reached), marker="o", color=colour, label=name)
        if failed:
            ax_steps.scatter(failed, [max_steps] * len(failed), marker="x", s=80, color=colour,
                             label=f"{name}: not reached in {max_steps} steps")
    ax_steps.set_xscale("log", base=2)
    ax_steps.set_xticks(depths, [str(d) for d in depths])
    ax_steps.set_yscale("log")
    ax_steps.set_xlabel("depth (number of linear layers)")
    ax_steps.set_ylabel(f"SGD steps to relative loss {THRESHOLD} (log scale)")
    ax_steps.set_title("Learning time against depth (lr = lr0 / depth)")
    ax_steps.grid(alpha=0.3, which="both")
    ax_steps.legend(fontsize=8)
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    width, depths, max_steps = (16, [1, 2, 4, 8, 16, 32], 300) if args.quick else \
        (32, [1, 2, 4, 8, 16, 32, 64], 2000)
    rng = np.random.default_rng(0)
    # the target: a random linear map with singular values spread evenly over [0.5, 2]
    q1, _ = np.linalg.qr(rng.standard_normal((width, width)))
    q2, _ = np.linalg.qr(rng.standard_normal((width, width)))
    target = (q1 * np.linspace(0.5, 2.0, width)) @ q2.T
    inputs = rng.standard_normal((256, width))
    x, y = ember.tensor(inputs), ember.tensor(inputs @ target.T)

    singular_values = {name: {} for name in INITS}
    steps = {name: [] for name in INITS}
    for name, init in INITS.items():
        for depth in depths:
            ember.manual_seed(0)
            model = deep_linear(depth, width, init)
            if depth in (4, depths[-1]):
                singular_values[name][depth] = end_to_end_singular_values(model, width)
            with np.errstate(over="ignore", invalid="ignore"):  # a deep Gaussian start may overflow
                steps[name].append(steps_to_threshold(model, x, y, lr=1.0 / depth, max_steps=max_steps))

    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "saxe_orthogonal.png")
    plot(singular_values, steps, depths, max_steps, figure)
    orthogonal, gaussian = INITS
    deepest = depths[-1]
    so, sg = singular_values[orthogonal][deepest], singular_values[gaussian][deepest]

    def show(values):
        return ", ".join("-" if s is None else str(s) for s in values)

    print(f"At depth {deepest} the end-to-end map's singular values are all 1 (to {np.abs(so - 1).max():.0e}"
          f") with orthogonal weights and spread over [{sg.min():.0e}, {sg.max():.1f}] with Gaussian ones. "
          f"SGD steps to relative loss {THRESHOLD} at depths {depths}: orthogonal {show(steps[orthogonal])}; "
          f"Gaussian {show(steps[gaussian])} ('-': not within {max_steps} steps).")
    return {"depths": depths, "orthogonal_singular_values": so, "gaussian_singular_values": sg,
            "orthogonal_steps": steps[orthogonal], "gaussian_steps": steps[gaussian],
            "max_steps": max_steps, "figure": figure}


if __name__ == "__main__":
    main()
