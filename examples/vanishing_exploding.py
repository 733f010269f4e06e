"""Vanishing gradients in a deep sigmoid network, and exploding ones cured by gradient clipping.

Vanishing: back-propagation multiplies the gradient by every layer's Jacobian. A sigmoid's slope
is at most 1/4, so in a 20-layer sigmoid network (even with Glorot's initialisation) the gradient
reaching the first layers is many orders of magnitude smaller than at the last: they barely learn.
ReLUs (slope 1 where active) with He initialisation pass it through at a steady size.
``ember.diagnostics.gradient_report`` measures each parameter's gradient norm after one backward
pass and flags the vanishing ones; ``ember.viz.plot_gradient_flow`` draws them.

Exploding: in a deep network a step that is too large makes the weights, and with them the next
gradient, larger, which makes the next step larger still: within two or three steps the gradient
norm grows a thousand-fold and the loss overflows to inf (or NaN). ``nn.utils.clip_grad_norm_``
rescales the gradient whenever its norm exceeds ``max_norm``, which bounds every step; with the
same learning rate the network then trains (Pascanu et al., 2013).

    python examples/vanishing_exploding.py [--quick] [--out runs]

Figures: ``vanishing_exploding.png`` (the typical weight gradient of each layer in both networks;
loss and gradient norm per step with and without clipping) and ``gradient_flow_sigmoid.png``
(``ember.viz.plot_gradient_flow``'s chart of the sigmoid network, every parameter).
"""

import argparse
import math
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def he_normal_(weight):
    return nn.init.kaiming_normal_(weight, nonlinearity="relu")


def mlp(depth, width, activation, init):
    """``depth`` Linear layers (2 inputs, 1 output) with ``activation`` between, zero biases."""
    sizes = [2] + [width] * (depth - 1) + [1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        linear = nn.Linear(fan_in, fan_out)
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
    return nn.Sequential(*layers[:-1])


def train(model, x, y, lr, steps, max_norm=None):
    """Full-batch SGD; returns the loss and the gradient norm (before clipping) of every step,
    stopping at the first non-finite loss."""
    optimizer = ember.optim.SGD(model.parameters(), lr=lr)
    losses, norms = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        # clip_grad_norm_ returns the total norm before clipping; max_norm=inf only measures it
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm or math.inf)
        losses.append(loss.item())
        norms.append(float(norm.item()))
        if not math.isfinite(losses[-1]):
            break
        optimizer.step()
    return losses, norms


def plot(rms, runs, max_norm, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(16, 4.4), layout="constrained")
    ax_flow, ax_loss, ax_norm = fig.subplots(1, 3)
    for name, values in rms.items():
        ax_flow.plot(range(1, len(values) + 1), values, marker="o", ms=4, label=name)
    ax_flow.set_yscale("log")
    ax_flow.set_xlabel("layer (input side first)")
    ax_flow.set_ylabel("RMS gradient of the layer's weights (log scale)")
    ax_flow.set_title(f"Vanishing gradients: {len(values)}-layer networks at initialisation")
    ax_flow.grid(alpha=0.3, which="both")
    ax_flow.legend(fontsize=8)
    ax_flow.set_xticks([1, 5, 10, 15, 20])
    for (name, (losses, norms)), colour in zip(runs.items(), ("tab:red", "tab:green")):
        steps = range(1, len(losses) + 1)
        for ax, values in ((ax_loss, losses), (ax_norm, norms)):
            ax.plot(steps, values, color=colour, marker="o" if len(values) < 10 else None, label=name)
        if not math.isfinite(losses[-1]):  # mark where it broke down
            for ax in (ax_loss, ax_norm):
                ax.axvline(len(losses), color=colour, ls=":", lw=1.5,
                           label=f"{name}: loss {losses[-1]} after {len(losses) - 1} updates")
    ax_norm.axhline(max_norm, color="k", ls="--", lw=1, label=f"max_norm = {max_norm}")
    for ax, what in ((ax_loss, "training loss (MSE)"), (ax_norm, "gradient norm before clipping")):
        ax.set_xscale("log")  # the run without clipping lasts only a few steps
        ax.set_yscale("log")
        ax.set_xlabel("SGD step (log scale)")
        ax.set_ylabel(f"{what} (log scale)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    ax_loss.set_title("Exploding gradients: same learning rate, with and without clipping")
    ax_norm.set_title("The gradient norm explodes unless clipped")
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figures (default: runs)")
    args = parser.parse_args(argv)
    depth, width, steps = (20, 64, 100) if args.quick else (20, 64, 300)
    lr, max_norm = 0.2, 1.0
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (256, 2)).astype(np.float32)
    x = ember.tensor(points)
    y = ember.tensor(np.sin(3 * points[:, :1]) * np.cos(2 * points[:, 1:]))
    os.makedirs(args.out, exist_ok=True)

    # Vanishing: one backward pass through each network, read by gradient_report.
    networks = {"sigmoid, Xavier init": (nn.Sigmoid, nn.init.xavier_normal_),
                "ReLU, He init": (nn.ReLU, he_normal_)}
    reports, rms, vanishing = {}, {}, {}
    for name, (activation, init) in networks.items():
        ember.manual_seed(0)
        model = mlp(depth, width, activation, init)
        F.mse_loss(model(x), y).backward()
        reports[name] = ember.diagnostics.gradient_report(model)
        weights = [row for row in reports[name].rows if row["name"].endswith("weight")]
        # norm / sqrt(entries): the typical gradient of one weight, comparable between the first
        # layer (2 inputs) and the others (64)
        rms[name] = [row["grad_norm"] / math.sqrt(math.prod(row["shape"])) for row in weights]
        vanishing[name] = sum(row["vanishing"] for row in weights)
    sigmoid, relu = networks
    import matplotlib.pyplot as plt  # ember.viz draws with pyplot: its figure is closed when saved

    flow_figure = os.path.join(args.out, "gradient_flow_sigmoid.png")
    plt.close(ember.viz.plot_gradient_flow(reports[sigmoid], path=flow_figure,
                                           title=f"Gradient flow of a {depth}-layer sigmoid network"))

    # Exploding: the same He-initialised ReLU network and learning rate, without and with clipping.
    runs = {}
    for name, clip in (("no clipping", None), (f"clip_grad_norm_(max_norm={max_norm})", max_norm)):
        ember.manual_seed(0)
        model = mlp(depth, width, nn.ReLU, he_normal_)
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point here
            runs[name] = train(model, x, y, lr, steps, clip)

    figure = os.path.join(args.out, "vanishing_exploding.png")
    plot(rms, runs, max_norm, figure)
    (plain_loss, plain_norm), (clipped_loss, _) = runs.values()
    ratio = {name: values[0] / values[-1] for name, values in rms.items()}
    print(f"In a {depth}-layer sigmoid network the first layer's gradients are {ratio[sigmoid]:.1e} times "
          f"the output layer's ({vanishing[sigmoid]} of {depth} weight gradients flagged vanishing by "
          f"gradient_report), against {ratio[relu]:.2f} times with ReLU and He init. At lr={lr}, without "
          f"clipping the gradient norm grows from {plain_norm[0]:.3g} to {max(plain_norm):.3g} and the loss "
          f"is {plain_loss[-1]} after {len(plain_loss) - 1} steps; with clip_grad_norm_(max_norm={max_norm}) "
          f"it falls from {clipped_loss[0]:.3f} to {clipped_loss[-1]:.3f} in {steps} steps.")
    return {"sigmoid_grad_rms": rms[sigmoid], "relu_grad_rms": rms[relu],
            "sigmoid_vanishing": vanishing[sigmoid], "relu_vanishing": vanishing[relu],
            "unclipped_loss": plain_loss, "unclipped_grad_norm": plain_norm,
            "clipped_loss": clipped_loss, "figure": figure, "flow_figure": flow_figure}


if __name__ == "__main__":
    main()
