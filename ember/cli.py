"""The ``ember`` command: ``ember demo``, ``ember info``, ``ember inspect FILE``.

``ember demo`` trains a small convolutional network on the handwritten digits shipped inside
the package and shows its progress; ``ember info`` prints the version, the array backends, the
BLAS library and the devices.
"""

import argparse
import platform
import sys
import time

import numpy as np

import ember
from ember import nn
from ember.data import DataLoader, TensorDataset
from ember.data.datasets import load_digits
from ember.nn import functional as F


class DigitsCNN(nn.Module):
    """A small convolutional network for 8x8 digits: two 3x3 convolutions, pooling, two layers."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
                                        nn.Dropout(0.2), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def _accuracy(model, images, labels):
    model.eval()
    with ember.no_grad():
        predicted = model(images).argmax(1)
    model.train()
    return (predicted == labels).float().mean().item()


def demo(args):
    """Train a small CNN on the digits shipped with ember, with a progress bar per epoch."""
    from tqdm import tqdm

    ember.manual_seed(0)
    x_train, y_train = load_digits(split="train")
    x_test, y_test = load_digits(split="test")
    train = TensorDataset(ember.tensor(x_train[:, None]), ember.tensor(y_train))
    loader = DataLoader(train, batch_size=32, shuffle=True)
    x_test, y_test = ember.tensor(x_test[:, None]), ember.tensor(y_test)
    model = DigitsCNN()
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"ember {ember.__version__} demo: a {n_params:,}-parameter CNN learns the 8x8 handwritten "
          f"digits shipped with ember ({len(train)} training, {len(y_test)} test images)\n")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        # A live bar in a terminal; in a log file or pipe only the per-epoch line below.
        bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
                   file=sys.stdout, dynamic_ncols=True, disable=not sys.stdout.isatty())
        total, seen = 0.0, 0
        for images, labels in bar:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            seen += len(labels)
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        bar.close()
        print(f"epoch {epoch}/{args.epochs}  loss {total / seen:.4f}  "
              f"test accuracy {_accuracy(model, x_test, y_test):.2%}")
    accuracy = _accuracy(model, x_test, y_test)
    print(f"\ntrained in {time.perf_counter() - start:.1f} s: test accuracy {accuracy:.2%}")
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


def inspect(args):
    """Print the structure, tensor names, shapes and dtypes of a saved file, executing nothing."""
    try:
        print(ember.saving.inspect_file(args.file))
    except (ember.saving.FileFormatError, FileNotFoundError) as error:
        print(f"ember inspect: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ember", description="ember: a readable deep-learning framework")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train a small network and show its progress")
    p.add_argument("--epochs", type=int, default=8)
    p.set_defaults(func=demo)
    p = sub.add_parser("info", help="version, backends, BLAS and devices")
    p.set_defaults(func=info)
    p = sub.add_parser("inspect", help="what a saved tensor file or checkpoint holds (runs no code)")
    p.add_argument("file")
    p.set_defaults(func=inspect)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
