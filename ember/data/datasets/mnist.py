"""``MNIST`` and ``FashionMNIST``: 28x28 grayscale images in the IDX format, downloadable with checks.

The IDX files (``train-images-idx3-ubyte`` ..., gzipped or not) are read from ``root/MNIST/raw``
(torchvision's layout, so its downloads are reused) or from ``root`` itself.
"""

import gzip
import os
import struct

import numpy as np

from ember.data.datasets._download import download_file
from ember.data.datasets.array_images import ArrayImageDataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (gzipped if its name ends in .gz) into a NumPy array of native byte order."""
    path = os.fspath(path)
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} cannot be read ({error}); delete it and download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (its first bytes are {raw[:4].hex()}, expected 0000 "
                         "then a type code and the number of dimensions); delete it and download it again")
    ndim, dtype = raw[3], np.dtype(_IDX_DTYPES[raw[2]])
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header]) if len(raw) >= header else None
    expected = None if shape is None else int(np.prod(shape)) * dtype.itemsize
    if expected != len(raw) - header:
        raise ValueError(f"{path}: the IDX header promises shape {shape} ({expected} bytes) but the file "
                         f"holds {max(len(raw) - header, 0)} bytes of data; it is truncated or corrupt: "
                         "delete it and download it again")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


class MNIST(ArrayImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels.

    ``dataset[i]`` is ``(image, target)``: a uint8 NumPy array ``(28, 28)`` (ToTensor() turns it
    into a ``(1, 28, 28)`` float Tensor; torchvision gives a PIL image here) and an int label,
    each passed through ``transform`` / ``target_transform`` when given. ``data`` (N, 28, 28)
    uint8 and ``targets`` (N,) int64 hold everything as NumPy arrays.

    Args:
        root: the folder holding the IDX files (in ``root/MNIST/raw`` or ``root``).
        train: the training set (True) or the test set (False).
        transform, target_transform: callables applied to each image / label.
        download: fetch the missing files into ``root/MNIST/raw`` first, checking each file's
            SHA-256 against ``resources``.
        url: the base URL to download from, instead of the class's ``mirrors``.

    Example::

        >>> from ember.data.transforms import ToTensor
        >>> from ember.data.datasets import MNIST
        >>> train = MNIST("data", train=True, download=True, transform=ToTensor())  # doctest: +SKIP
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = {  # file -> SHA-256
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    training_files = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    test_files = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, url=None):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.url = url
        if download:
            self.download()
        images_file, labels_file = self.training_files if self.train else self.test_files
        self.data = read_idx(self._find(images_file))
        self.targets = read_idx(self._find(labels_file)).astype(np.int64)
        if self.data.ndim != 3 or self.targets.shape != self.data.shape[:1]:
            raise ValueError(f"{self.name}: {images_file} holds images of shape {self.data.shape} and "
                             f"{labels_file} labels of shape {self.targets.shape}; expected (N, H, W) and "
                             "(N,): the files do not belong together")

    @property
    def name(self):
        return type(self).__name__

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.name, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _locate(self, stem):
        """The path of ``stem`` or ``stem.gz`` in the raw folder or the root, or None."""
        for folder in (self.raw_folder, self.root):
            for filename in (stem, stem + ".gz"):
                path = os.path.join(folder, filename)
                if os.path.isfile(path):
                    return path
        return None

    def _find(self, stem):
        path = self._locate(stem)
        if path is not None:
            return path
        raise FileNotFoundError(f"{self.name}: {stem} (or {stem}.gz) is not in {self.raw_folder} or "
                                f"{self.root}; pass download=True to fetch it, or copy the IDX file there")

    def download(self):
        """Fetch each file of ``resources`` that is not on disk yet, verifying its SHA-256."""
        bases = [self.url] if self.url is not None else list(self.mirrors)
        for filename, sha256 in self.resources.items():
            if self._locate(filename.removesuffix(".gz")) is None:
                download_file(self.name, filename, bases, self.raw_folder, sha256)

    def __repr__(self):
        return (f"Dataset {self.name}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale pictures of 10 kinds of clothing, MNIST's format.

    Same arguments and layout as ``MNIST`` (files in ``root/FashionMNIST/raw`` or ``root``).
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
