"""Back-propagation by hand: the chain rule, written out in NumPy, gives autograd's gradients.

A two-layer network ``y = W2 tanh(W1 x + b1) + b2`` with the loss ``L = mean((y - t)^2)`` is run
forward once through ember (which records the graph) and once in NumPy, keeping the
intermediate values. The backward pass is then written out layer by layer, output to input::

    dL/dy  = 2 (y - t) / (N * outputs)
    dL/dW2 = (dL/dy)^T h          dL/db2 = sum over the batch of dL/dy
    dL/dh  = dL/dy W2
    dL/dz  = dL/dh * (1 - h^2)    (tanh' = 1 - tanh^2)
    dL/dW1 = (dL/dz)^T x          dL/db1 = sum over the batch of dL/dz

and compared with what ``loss.backward()`` put in each parameter's ``.grad``. In float64 they
agree to rounding (here exactly: both do the same arithmetic). Central finite differences, the
textbook's gradient check, agree only to about 1e-10: they approximate, the chain rule does not.

    python examples/backprop_by_hand.py [--quick] [--out runs]

Figure: ``backprop_by_hand.png``: every gradient entry by hand against autograd's (all on the
diagonal), and the largest difference per parameter, by hand and by finite differences.
"""

import argparse
import os

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def gradients_by_hand(x, t, W1, b1, W2, b2):
    """The forward pass and the chain rule in NumPy; returns ``{parameter name: gradient}``."""
    z = x @ W1.T + b1          # (N, hidden)   pre-activation
    h = np.tanh(z)             # (N, hidden)
    y = h @ W2.T + b2          # (N, outputs)
    gy = 2 * (y - t) / y.size  # dL/dy of the mean squared error
    gh = gy @ W2               # back through the second layer
    gz = gh * (1 - h ** 2)     # back through tanh
    return {"0.weight": gz.T @ x, "0.bias": gz.sum(0), "2.weight": gy.T @ h, "2.bias": gy.sum(0)}


def loss_numpy(x, t, W1, b1, W2, b2):
    """The same network's loss, in NumPy."""
    return np.mean((np.tanh(x @ W1.T + b1) @ W2.T + b2 - t) ** 2)


def finite_differences(x, t, params, eps=1e-6):
    """Central differences ``(L(p + eps) - L(p - eps)) / (2 eps)``, one entry at a time."""
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + eps
            up = loss_numpy(x, t, *params)
            p[i] = saved - eps
            g[i] = (up - loss_numpy(x, t, *params)) / (2 * eps)
            p[i] = saved
        grads.append(g)
    return grads


def plot(by_hand, autograd, differences, path):
    from matplotlib.figure import Figure  # renders PNG with Agg, no display needed

    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax_scatter, ax_diff = fig.subplots(1, 2)
    for name in by_hand:
        ax_scatter.scatter(autograd[name].ravel(), by_hand[name].ravel(), s=12, label=name)
    low = min(v.min() for v in autograd.values())
    high = max(v.max() for v in autograd.values())
    ax_scatter.plot([low, high], [low, high], color="k", lw=0.8, label="y = x")
    ax_scatter.set_xlabel("gradient entry from autograd (loss.backward())")
    ax_scatter.set_ylabel("gradient entry by hand (NumPy chain rule)")
    ax_scatter.set_title("Every entry lies on the diagonal")
    ax_scatter.legend()

    names = list(autograd)
    floor = 1e-19  # a difference of exactly 0 has no place on a log axis: drawn at this floor
    positions = np.arange(len(names))
    for offset, (label, diffs), colour in zip((-0.2, 0.2), differences.items(), ("tab:green", "tab:purple")):
        heights = [max(diffs[n], floor) for n in names]
        ax_diff.bar(positions + offset, heights, width=0.4, color=colour, label=label)
        for x, d in zip(positions + offset, (diffs[n] for n in names)):
            ax_diff.annotate("0" if d == 0 else f"{d:.0e}", (x, max(d, floor)), ha="center", va="bottom",
                             fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax_diff.axhline(np.finfo(np.float64).eps, color="tab:red", ls="--", lw=1,
                    label="float64 machine epsilon")
    ax_diff.set_yscale("log")
    ax_diff.set_ylim(floor / 10, 1e-6)
    ax_diff.set_xticks(positions, names)
    ax_diff.set_xlabel("parameter")
    ax_diff.set_ylabel("max |gradient - autograd's| (log scale)")
    ax_diff.set_title("By hand: identical (0); finite differences: about 1e-10")
    ax_diff.legend(loc="upper left", fontsize=8)
    fig.savefig(path, dpi=80)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in seconds")
    parser.add_argument("--out", default="runs", help="folder for the figure (default: runs)")
    args = parser.parse_args(argv)
    batch, inputs, hidden, outputs = (8, 3, 5, 2) if args.quick else (64, 10, 32, 4)
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((batch, inputs)), rng.standard_normal((batch, outputs))

    model = nn.Sequential(nn.Linear(inputs, hidden, dtype=ember.float64), nn.Tanh(),
                          nn.Linear(hidden, outputs, dtype=ember.float64))
    F.mse_loss(model(ember.tensor(x)), ember.tensor(t)).backward()
    autograd = {name: p.grad.numpy() for name, p in model.named_parameters()}
    W1, b1, W2, b2 = (p.detach().numpy() for p in model.parameters())
    by_hand = gradients_by_hand(x, t, W1, b1, W2, b2)
    numeric = dict(zip(autograd, finite_differences(x, t, [W1.copy(), b1.copy(), W2.copy(), b2.copy()])))
    differences = {name: float(np.abs(by_hand[name] - autograd[name]).max()) for name in autograd}
    fd_differences = {name: float(np.abs(numeric[name] - autograd[name]).max()) for name in autograd}
    max_difference = max(differences.values())

    os.makedirs(args.out, exist_ok=True)
    figure = os.path.join(args.out, "backprop_by_hand.png")
    plot(by_hand, autograd, {"by hand (chain rule)": differences,
                              "central finite differences": fd_differences}, figure)
    print(f"The hand-written chain rule and ember's autograd agree on all "
          f"{sum(g.size for g in autograd.values())} gradient entries of the "
          f"{inputs}-{hidden}-{outputs} network: the largest absolute difference is "
          f"{max_difference:.2e} (float64), against {max(fd_differences.values()):.1e} for "
          f"central finite differences.")
    return {"differences": differences, "max_difference": max_difference,
            "finite_difference_error": max(fd_differences.values()), "figure": figure}


if __name__ == "__main__":
    main()
