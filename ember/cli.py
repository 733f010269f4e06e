"""The ``ember`` command: ``ember demo``, ``ember info``.

``ember demo`` trains a small network and shows its progress; ``ember info`` prints the version,
the array backends, the BLAS library and the devices.
"""

import argparse
import platform
import sys
import time

import numpy as np

import ember


def _spirals(n_per_class=200, classes=3, seed=0):
    """The classic 2-D spirals: ``classes`` interleaved arms, not linearly separable."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, 0.2, n_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def demo(args):
    """Train a 2-64-64-3 MLP on spirals with raw tensor ops and print the loss falling."""
    ember.manual_seed(0)
    x_np, y_np = _spirals()
    x, y = ember.tensor(x_np), ember.tensor(y_np)
    sizes = [2, 64, 64, 3]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = ember.randn(fan_in, fan_out) * (2.0 / fan_in) ** 0.5  # He initialisation
        params += [w.requires_grad_(), ember.zeros(fan_out, requires_grad=True)]
    velocity = [ember.zeros_like(p) for p in params]
    print(f"ember {ember.__version__} demo: a {'-'.join(map(str, sizes))} MLP learns three "
          f"interleaved spirals ({len(x_np)} points), full-batch SGD with momentum\n")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = -h.log_softmax(1).gather(1, y.reshape(-1, 1)).mean()
        loss.backward()
        with ember.no_grad():
            for p, v in zip(params, velocity):
                v.mul_(0.9).add_(p.grad)
                p.sub_(0.2 * v)
                p.grad = None
        if epoch == 1 or epoch % max(1, args.epochs // 10) == 0:
            accuracy = (h.argmax(1) == y).float().mean().item()
            bar = "#" * int(30 * accuracy)
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}  accuracy {accuracy:6.1%}  {bar}")
    print(f"\ntrained in {time.perf_counter() - start:.1f} s")
    return 0


def info(args):
    """Print the version, Python, NumPy and its BLAS, and the devices."""
    print(f"ember {ember.__version__}")
    print(f"python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    print(f"numpy {np.__version__}")
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        print(f"blas {blas.get('name')} {blas.get('version', '')}")
    except Exception:  # show_config's layout differs across NumPy versions
        print("blas (unknown)")
    cuda = ember.cuda.is_available()
    print(f"devices: cpu{', cuda x' + str(ember.cuda.device_count()) if cuda else ''}")
    if not cuda:
        print("  (CUDA through CuPy: pip install 'ember[gpu]' on a machine with an NVIDIA GPU)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ember", description="ember: a readable deep-learning framework")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train a small network and show its progress")
    p.add_argument("--epochs", type=int, default=300)
    p.set_defaults(func=demo)
    p = sub.add_parser("info", help="version, backends, BLAS and devices")
    p.set_defaults(func=info)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
