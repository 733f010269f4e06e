"""``load_digits``: the UCI 8x8 handwritten digits, shipped inside ember (no network needed).

1797 images of the digits 0-9, each an 8x8 grid of counts (0..16) of "on" pixels in 4x4 blocks of
a 32x32 bitmap. Source: E. Alpaydin and C. Kaynak (1998), "Optical Recognition of Handwritten
Digits", UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed under
CC BY 4.0; taken from the copy scikit-learn bundles (``_data/make_digits.py`` rebuilds the file).
"""

from pathlib import Path

import numpy as np

__all__ = ["load_digits"]

DIGITS_FILE = Path(__file__).parent / "_data" / "digits.npz"


def load_digits(split=None):
    """The digits as ``(images, labels)`` NumPy arrays.

    Args:
        split: None for all 1797 samples; ``"train"`` (1438) or ``"test"`` (359) for a fixed 80/20
            split (drawn once with seed 0 and stored with the data, so it never changes).

    Returns:
        images: float32 ``(N, 8, 8)`` in [0, 1]; labels: int64 ``(N,)`` in 0..9.

    Example::

        >>> from ember.data.datasets import load_digits
        >>> images, labels = load_digits()
        >>> images.shape, images.dtype, labels[:5].tolist()
        ((1797, 8, 8), dtype('float32'), [0, 1, 2, 3, 4])
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"load_digits: split must be None, 'train' or 'test', got {split!r}")
    if not DIGITS_FILE.is_file():
        raise FileNotFoundError(f"load_digits: the data file {DIGITS_FILE} is missing from this ember "
                                "installation; reinstall ember (the file ships as package data)")
    with np.load(DIGITS_FILE) as data:
        images, labels, train = data["images"], data["labels"], data["train"]
    if split is not None:
        keep = train if split == "train" else ~train
        images, labels = images[keep], labels[keep]
    return images.astype(np.float32) / np.float32(16), labels.astype(np.int64)
