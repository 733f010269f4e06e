"""Data augmentation on single samples in CHW layout (torchvision v2's names and arguments), and
batch-level ``MixUp``/``CutMix``."""

from ember.data.transforms.color import ColorJitter  # noqa: F401
from ember.data.transforms.compose import Compose, Lambda  # noqa: F401
from ember.data.transforms.crop import RandomCrop, RandomResizedCrop  # noqa: F401
from ember.data.transforms.erasing import RandomErasing  # noqa: F401
from ember.data.transforms.flip import RandomHorizontalFlip, RandomVerticalFlip  # noqa: F401
from ember.data.transforms.geometry import RandomAffine, RandomRotation  # noqa: F401
from ember.data.transforms.mix import CutMix, MixUp  # noqa: F401
from ember.data.transforms.noise import GaussianNoise  # noqa: F401
from ember.data.transforms.tensor import Normalize, ToTensor  # noqa: F401
from ember.data.transforms.transform import Transform  # noqa: F401

__all__ = ["Compose", "Lambda", "ToTensor", "Normalize", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomCrop", "RandomResizedCrop", "RandomRotation", "RandomAffine", "ColorJitter",
           "GaussianNoise", "RandomErasing", "MixUp", "CutMix", "Transform"]
