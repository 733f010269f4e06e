"""Glorot & Bengio (2010): with naive initialisation, back-propagated gradients shrink layer by layer.

The then-common initialisation U(-1/sqrt(n), 1/sqrt(n)) has variance 1/(3n): each tanh layer
(near its linear regime) multiplies the variance of the back-propagated gradient by about
n * 1/(3n) = 1/3, so the layers near the input receive gradients thousands of times smaller than
those near the output. Glorot & Bengio's normalised ("Xavier") initialisation,
U(-sqrt(6/(fan_in + fan_out)), +...) (``nn.init.xavier_uniform_``), has variance 2/(fan_in + fan_out)
= 1/n for square layers and keeps the gradient's variance within a small factor across the layers
(the paper's Figure 7; what is lost comes from tanh's slope, below 1 away from 0).
Measured at initialisation on a deep tanh network, with ``retain_grad`` on every hidden layer's
output.

    python examples/glorot_tanh_gradients.py [--quick] [--out runs]

Figure: ``glorot_tanh_gradients.png``: the variance of dLoss/d(activation) by layer (log scale),
and the std of the activations themselves, for both initialisations.
"""

import argparse
import math
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def naive_uniform_(weight):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): the "standard" initialisation of the paper (eq. 1)."""
    bound = 1 / math.sqrt(weight.shape[1])
    return nn.init.uniform_(weight, -bound, bound)


INITS = {"naive U(-1/sqrt(n), 1/sqrt(n))": naive_uniform_,
         "Xavier (xavier_uniform_)": nn.init.xavier_uniform_}


def measure(init, x, y, depth, width):
    """One forward and backward pass of a ``depth``-hidden-layer tanh network; returns the variance
    of the gradient reaching each hidden layer's output and the std of that output."""
    hidden = [nn.Linear(x.shape[1] if i == 0 else width, width) for i in range(depth)]
    classifier = nn.Linear(width, int(y.max().item()) + 1)
    for layer in hidden + [classifier]:
        init(layer.weight)
        nn.init.zeros_(layer.bias)
    h, activations = x, []
    for layer in hidden:
        h = ember.tanh(layer(h))
        h.retain_grad()  # keep dLoss/dh of this intermediate tensor after backward
        activations.append(h)
    F.cross_entropy(classifier(h), y).backward()
    return ([float(a.grad.numpy().var()) for a in activations],
            [float(a.detach().numpy().std()) for a in activations])


def plot(grad_var, act_std, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_grad, ax_act = fig.subplots(1, 2)
    for name in grad_var:
        layers = range(1, len(grad_var[name]) + 1)
        ax_grad.plot(layers, grad_var[name], marker="o", label=name)
        ax_act.plot(layers, act_std[name], marker="o", label=name)
    ax_grad.set_yscale("log")
    ax_grad.set_xlabel("hidden layer (input side first)")
    ax_grad.set_ylabel("Var[dLoss / d activation] (log scale)")
    ax_grad.set_title("Back-propagated gradients at initialisation")
    ax_grad.grid(alpha=0.3, which="both")
    ax_grad.legend()
    ax_act.set_yscale("log")
    ax_act.set_xlabel("hidden layer (input side first)")
    ax_act.set_ylabel("std of the tanh outputs (log scale)")
    ax_act.set_title("Forward activations at initialisation")
    ax_act.grid(alpha=0.3, which="both")
    ax_act.legend()
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    depth, width, batch = (8, 128, 128) if args.quick else (8, 512, 512)
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((batch, width)).astype(np.float32))
    y = ember.tensor(rng.integers(0, 10, batch))  # 10 classes

    grad_var, act_std = {}, {}
    for name, init in INITS.items():
        ember.manual_seed(0)
        grad_var[name], act_std[name] = measure(init, x, y, depth, width)

    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "glorot_tanh_gradients.png")
    plot(grad_var, act_std, figure)
    # how much of the last hidden layer's gradient variance reaches the first
    ratios = {name: v[0] / v[-1] for name, v in grad_var.items()}
    naive, xavier = INITS
    print(f"From hidden layer {depth} back to layer 1 of a tanh network the gradient's variance shrinks "
          f"by a factor {1 / ratios[naive]:.0f} with the naive initialisation but only "
          f"{1 / ratios[xavier]:.1f} with Xavier's.")
    return {"naive_grad_var": grad_var[naive], "xavier_grad_var": grad_var[xavier],
            "naive_ratio": ratios[naive], "xavier_ratio": ratios[xavier], "figure": figure}


if __name__ == "__main__":
    main()
