"""``CIFAR10``: 32x32 colour images in 10 classes, read from the binary version of the data set.

The binary files (``cifar-10-binary.tar.gz`` from https://www.cs.toronto.edu/~kriz/cifar.html,
extracted) hold records of 1 label byte then 3072 pixel bytes (1024 red, 1024 green, 1024 blue,
row by row); no pickle is involved, so reading them cannot execute code.
"""

import os

import numpy as np

from ember.data.datasets.array_images import ArrayImageDataset

__all__ = ["CIFAR10"]

_RECORD = 1 + 3 * 32 * 32
_SOURCE = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"


class CIFAR10(ArrayImageDataset):
    """CIFAR-10: 50,000 training and 10,000 test images of 32x32 RGB pixels.

    ``dataset[i]`` is ``(image, target)``: a uint8 NumPy array ``(32, 32, 3)`` (HWC, as
    torchvision's ``data``; ToTensor() makes it a ``(3, 32, 32)`` float Tensor) and an int label,
    each passed through ``transform`` / ``target_transform`` when given.

    Args:
        root: the folder holding ``cifar-10-batches-bin/`` (or the ``.bin`` files themselves).
        train: the five training batches (True) or the test batch (False).
        transform, target_transform: callables applied to each image / label.
        download: not supported (ember ships no CIFAR downloader); download and extract the
            binary archive yourself.

    Example::

        >>> from ember.data.transforms import ToTensor
        >>> from ember.data.datasets import CIFAR10
        >>> test = CIFAR10("data", train=False, transform=ToTensor())  # doctest: +SKIP
    """

    base_folder = "cifar-10-batches-bin"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        if download:
            raise ValueError(f"CIFAR10: download=True is not supported; download {_SOURCE}, extract it "
                             f"into {self.root} and pass download=False")
        files = self.train_list if self.train else self.test_list
        paths = [self._locate(f) for f in files]
        missing = [f for f, path in zip(files, paths) if path is None]
        if missing:
            raise FileNotFoundError(f"CIFAR10: {', '.join(missing)} not found in "
                                    f"{os.path.join(self.root, self.base_folder)} or {self.root}; download "
                                    f"{_SOURCE} and extract it into {self.root}")
        records = np.concatenate([self._read(path) for path in paths])
        self.targets = records[:, 0].astype(np.int64)
        self.data = np.ascontiguousarray(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))

    def _locate(self, filename):
        """The path of ``filename`` in ``root/cifar-10-batches-bin`` or ``root``, or None."""
        for folder in (os.path.join(self.root, self.base_folder), self.root):
            path = os.path.join(folder, filename)
            if os.path.isfile(path):
                return path
        return None

    @staticmethod
    def _read(path):
        raw = np.fromfile(path, dtype=np.uint8)
        if raw.size % _RECORD:
            raise ValueError(f"CIFAR10: {path} holds {raw.size} bytes, not a whole number of {_RECORD}-byte "
                             "records (1 label + 3072 pixels); it is truncated or not a CIFAR-10 binary "
                             "batch: download and extract the archive again")
        records = raw.reshape(-1, _RECORD)
        if records.size and records[:, 0].max() > 9:
            raise ValueError(f"CIFAR10: {path} has label {records[:, 0].max()}, but CIFAR-10 labels are "
                             "0..9; is this the CIFAR-100 binary format?")
        return records

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        return (f"Dataset CIFAR10\n    Number of datapoints: {len(self)}\n    Root location: {self.root}\n"
                f"    Split: {'Train' if self.train else 'Test'}")
