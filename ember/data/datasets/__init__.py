"""Data sets: the digits shipped with ember, MNIST/FashionMNIST, CIFAR-10, image folders, toy data."""

from ember.data.datasets.cifar import CIFAR10  # noqa: F401
from ember.data.datasets.digits import load_digits  # noqa: F401
from ember.data.datasets.folder import ImageFolder  # noqa: F401
from ember.data.datasets.mnist import MNIST, FashionMNIST  # noqa: F401
from ember.data.datasets.synthetic import (  # noqa: F401
    make_circles,
    make_moons,
    make_regression,
    make_spirals,
    make_xor,
)

__all__ = ["load_digits", "MNIST", "FashionMNIST", "CIFAR10", "ImageFolder", "make_xor", "make_moons",
           "make_circles", "make_spirals", "make_regression"]
