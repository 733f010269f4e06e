"""Rebuild ``digits.npz`` from scikit-learn's copy of the UCI digits (run once; not imported by ember).

    pip download scikit-learn --no-deps -d /tmp/skl
    python ember/data/datasets/_data/make_digits.py /tmp/skl/scikit_learn-*.whl

The file holds ``images`` (1797, 8, 8) uint8 in 0..16, ``labels`` (1797,) uint8 and ``train``
(1797,) bool: a fixed 80/20 split drawn once with NumPy's PCG64 seeded 0 and stored, so that it
never changes with the NumPy version.
"""

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np


def main(wheel):
    with zipfile.ZipFile(wheel) as archive:
        raw = gzip.decompress(archive.read("sklearn/datasets/data/digits.csv.gz"))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",").astype(np.uint8)
    images, labels = table[:, :64].reshape(-1, 8, 8), table[:, 64]
    order = np.random.default_rng(0).permutation(len(labels))
    train = np.zeros(len(labels), dtype=bool)
    train[order[: round(0.8 * len(labels))]] = True
    np.savez_compressed(Path(__file__).with_name("digits.npz"), images=images, labels=labels, train=train)


if __name__ == "__main__":
    main(sys.argv[1])
