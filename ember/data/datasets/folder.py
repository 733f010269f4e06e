"""``ImageFolder``: a data set of image files sorted into one folder per class."""

import os

import numpy as np

from ember.data.dataset import Dataset

__all__ = ["ImageFolder", "IMG_EXTENSIONS", "pil_loader"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path):
    """Read an image file with Pillow as an RGB uint8 NumPy array ``(H, W, 3)``."""
    try:
        from PIL import Image  # optional: only ImageFolder's default loader needs it
    except ImportError:
        raise ImportError("ImageFolder: reading image files needs Pillow; install it with "
                          "pip install pillow, or pass loader= a function from a path to an array") from None
    with open(path, "rb") as f, Image.open(f) as image:
        return np.asarray(image.convert("RGB"))


class ImageFolder(Dataset):
    """Images arranged as ``root/<class>/<...>/<image>``; classes are the sorted folder names.

    ``dataset[i]`` is ``(image, class_index)``: the default loader gives an RGB uint8 array
    ``(H, W, 3)`` (ToTensor() makes it a ``(3, H, W)`` float Tensor; torchvision gives a PIL
    image), each passed through ``transform`` / ``target_transform`` when given.

    Args:
        root: the folder of class folders.
        transform, target_transform: callables applied to each image / class index.
        loader: a function ``path -> sample``; by default Pillow reads the file (imported only then).
        is_valid_file: a function ``path -> bool`` choosing the files; by default files whose
            extension is in ``IMG_EXTENSIONS``.
        allow_empty: accept class folders without any valid file.

    Attributes: ``classes`` (sorted names), ``class_to_idx`` (name -> index), ``samples`` (a list
    of ``(path, class_index)`` in sorted order), ``targets`` (the class indices), ``imgs`` (=
    ``samples``).

    Example::

        >>> from ember.data.transforms import ToTensor
        >>> from ember.data.datasets import ImageFolder
        >>> pets = ImageFolder("pets/train", transform=ToTensor())  # doctest: +SKIP
        >>> pets.classes  # doctest: +SKIP
        ['cat', 'dog']
    """

    def __init__(self, root, transform=None, target_transform=None, loader=None, is_valid_file=None,
                 allow_empty=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.transform = transform
        self.target_transform = target_transform
        self.loader = pil_loader if loader is None else loader
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self._make_samples(is_valid_file, allow_empty)
        self.targets = [target for _, target in self.samples]
        self.imgs = self.samples

    @staticmethod
    def find_classes(directory):
        """The sorted class folder names in ``directory`` and their indices."""
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"ImageFolder: the folder {directory} does not exist")
        classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
        if not classes:
            raise FileNotFoundError(f"ImageFolder: found no class folders in {directory}; expected "
                                    "root/<class>/<image> (e.g. root/cat/1.png, root/dog/2.png)")
        return classes, {name: i for i, name in enumerate(classes)}

    def _make_samples(self, is_valid_file, allow_empty):
        if is_valid_file is None:
            is_valid_file = lambda path: path.lower().endswith(IMG_EXTENSIONS)
        samples, empty = [], []
        for name in self.classes:
            start = len(samples)
            for folder, _, filenames in sorted(os.walk(os.path.join(self.root, name), followlinks=True)):
                for filename in sorted(filenames):
                    path = os.path.join(folder, filename)
                    if is_valid_file(path):
                        samples.append((path, self.class_to_idx[name]))
            if len(samples) == start:
                empty.append(name)
        if empty and not allow_empty:
            raise FileNotFoundError(f"ImageFolder: found no valid file for the classes {', '.join(empty)} in "
                                    f"{self.root}; supported extensions are {', '.join(IMG_EXTENSIONS)} "
                                    "(pass is_valid_file= to choose files, or allow_empty=True)")
        return samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __repr__(self):
        return f"Dataset ImageFolder\n    Number of datapoints: {len(self)}\n    Root location: {self.root}"
