"""The ``ember`` command: ``ember demo``, ``ember info``, ``ember inspect FILE``.

``ember demo`` trains a small convolutional network on the handwritten digits shipped inside
the package and shows its progress; ``ember info`` prints the version, the array backends, the
BLAS library and the devices.
"""

import argparse
import importlib.metadata
import os
import platform
import sys
import time

import numpy as np

import ember
from ember.data.datasets import load_digits


def digits_cnn():
    """A small Keras-style CNN for 8x8 digits, channels last: two 3x3 convolutions, pooling,
    two dense layers."""
    from ember import layers
    from ember.models import Input, Sequential

    return Sequential([
        Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def demo(args):
    """Train a small CNN on the digits shipped with ember with compile/fit, then save it."""
    ember.manual_seed(0)
    x_train, y_train = load_digits(split="train")
    x_test, y_test = load_digits(split="test")
    x_train, x_test = x_train[..., None], x_test[..., None]  # (N, 8, 8, 1): channels last
    model = digits_cnn()
    print(f"ember {ember.__version__} demo: a {model.count_params():,}-parameter CNN learns the 8x8 "
          f"handwritten digits shipped with ember ({len(x_train)} training, {len(x_test)} test "
          "images)\n")
    model.compile(ember.optimizers.Adam(learning_rate=3e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    # verbose='auto': a live bar in a terminal, one line per epoch in a log file or pipe
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, validation_split=0.1,
              verbose="auto")
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_cnn.ember")
    model.save(path)  # architecture, weights, compile settings: ember.models.load_model(path)
    print(f"\ntrained in {time.perf_counter() - start:.1f} s; model saved to {path}")
    print(f"test loss {loss:.4f}  test accuracy {accuracy:.2%}")
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
    try:  # the version only: importing mpi4py.MPI would start MPI
        print(f"distributed: MPI through mpi4py {importlib.metadata.version('mpi4py')}")
    except importlib.metadata.PackageNotFoundError:
        print("distributed: not installed (pip install 'ember[distributed]' mpich)")
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
    p.add_argument("--out", default="runs", help="folder for the trained weights (default: runs)")
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
