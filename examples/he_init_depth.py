"""He initialisation keeps a 30-layer ReLU network's signal alive; Xavier's lets it collapse.

He et al. (2015, "Delving deep into rectifiers") showed that a ReLU zeroes half of its input, so
each layer must double the variance it receives: weights ~ N(0, 2 / fan_in)
(``nn.init.kaiming_normal_``). Xavier/Glorot's N(0, 2 / (fan_in + fan_out)) (``xavier_normal_``)
keeps the variance of a linear or tanh layer, so in a ReLU network the signal's standard
deviation shrinks by about 1/sqrt(2) per layer: after 30 layers it has all but vanished, the
gradients with it, and SGD cannot move the network off chance level, as in the paper's Figure 3
(given many more steps, it may eventually creep off that plateau).

    python examples/he_init_depth.py [--quick] [--out runs]

Figure: ``he_init_depth.png``: each layer's output std at initialisation (from
``ember.diagnostics.activation_report``), and the training loss of both networks.
"""

import argparse
import math
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F

INITS = {"He (kaiming_normal_)": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
         "Xavier (xavier_normal_)": nn.init.xavier_normal_}


def relu_network(depth, width, init):
    """``depth`` Linear layers with ReLUs between them (2 inputs, 2 classes), zero biases."""
    sizes = [2] + [width] * (depth - 1) + [2]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        linear = nn.Linear(fan_in, fan_out)
        init(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU on the logits


def plot(stds, losses, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_std, ax_loss = fig.subplots(1, 2)
    for name, values in stds.items():
        ax_std.plot(range(1, len(values) + 1), values, marker="o", ms=3, label=name)
        ax_loss.plot(losses[name], label=name)
    ax_std.set_yscale("log")
    ax_std.set_xlabel("layer")
    ax_std.set_ylabel("std of the layer's output at init (log scale)")
    ax_std.set_title(f"Signal through a {len(values)}-layer ReLU network")
    ax_std.grid(alpha=0.3)
    ax_std.legend()
    ax_loss.axhline(math.log(2), color="grey", ls="--", lw=1, label="chance (ln 2)")
    ax_loss.set_xlabel("SGD step (momentum 0.9, full batch)")
    ax_loss.set_ylabel("training loss (cross-entropy)")
    ax_loss.set_title("Only the He-initialised network trains")
    ax_loss.set_ylim(bottom=0)
    ax_loss.legend()
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    depth, width, steps = (30, 128, 120) if args.quick else (30, 128, 300)
    rng = np.random.default_rng(0)
    points = rng.standard_normal((256, 2)).astype(np.float32)
    x = ember.tensor(points)
    y = ember.tensor((np.sum(points ** 2, axis=1) < 1.4).astype(np.int64))  # inside a circle: half the points

    stds, losses = {}, {}
    for name, init in INITS.items():
        ember.manual_seed(0)
        model = relu_network(depth, width, init)
        report = ember.diagnostics.activation_report(model, x)
        stds[name] = [row["std"] for row in report.rows if row["type"] == "Linear"]
        optimizer = ember.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
        losses[name] = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses[name].append(loss.item())

    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "he_init_depth.png")
    plot(stds, losses, figure)
    he, xavier = INITS
    print(f"At initialisation the std of layer {depth}'s output is {stds[he][-1]:.3g} with He and "
          f"{stds[xavier][-1]:.2g} with Xavier; after {steps} SGD steps the He network's loss fell "
          f"from {losses[he][0]:.3f} to {losses[he][-1]:.3f}, the Xavier network's stayed at "
          f"{losses[xavier][-1]:.3f} (chance: {math.log(2):.3f}).")
    return {"he_std": stds[he], "xavier_std": stds[xavier], "he_loss": losses[he],
            "xavier_loss": losses[xavier], "figure": figure}


if __name__ == "__main__":
    main()
