"""Data-pipeline workloads (issue: ember.data), written once for both libraries.

An MNIST-sized set (60,000 samples of 28x28 float32) read through each library's DataLoader with
per-sample augmentation: a random crop (padding 2, cropped back to 28x28) and a random horizontal
flip. ember's dataset draws with ember's generator and crops in NumPy; torch's draws with torch's
generator and crops with torch ops on torch tensors. Both pad the whole set once up front (the
crop then slices), shuffle, batch 128 with the default collate, and keep their workers alive
between steps (``persistent_workers``), so a step measures loading, not starting processes.
"""

import numpy as np

_N, _SIDE, _PAD = 60_000, 28, 2


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((_N, _SIDE, _SIDE), dtype=np.float32)
    padded = np.pad(images, ((0, 0), (_PAD, _PAD), (_PAD, _PAD)))
    return padded, rng.integers(0, 10, _N)


def _ember_dataset():
    import ember
    import ember.utils.data  # noqa: F401  (``import ember`` alone doesn't load the data package)
    from ember.backend.random import numpy_generator

    class CropFlip(ember.data.Dataset):
        def __init__(self, padded, labels):
            self.padded, self.labels = padded, labels

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            rng = numpy_generator()
            dy, dx = rng.integers(2 * _PAD + 1), rng.integers(2 * _PAD + 1)
            crop = self.padded[i, dy:dy + _SIDE, dx:dx + _SIDE]
            return ember.from_numpy(crop[:, ::-1] if rng.random() < 0.5 else crop), int(self.labels[i])

    return CropFlip(*_arrays())


def _torch_dataset():
    import torch

    class CropFlip(torch.utils.data.Dataset):
        def __init__(self, padded, labels):
            self.padded, self.labels = torch.from_numpy(padded), torch.from_numpy(labels)

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            dy, dx = torch.randint(0, 2 * _PAD + 1, (2,)).tolist()
            crop = self.padded[i, dy:dy + _SIDE, dx:dx + _SIDE]
            if torch.rand(()) < 0.5:
                crop = crop.flip(-1)
            return crop, int(self.labels[i])

    return CropFlip(*_arrays())


def loader_steps(lib, num_workers, batches=100, batch_size=128):
    """``batches`` shuffled batches of ``batch_size`` augmented samples from a fresh epoch."""
    dataset = _ember_dataset() if lib.__name__ == "ember" else _torch_dataset()
    extra = {"persistent_workers": True} if num_workers else {}
    loader = lib.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                       num_workers=num_workers, **extra)

    def step():
        it = iter(loader)
        for _ in range(batches):
            next(it)
    return step


# name: (make(lib, **kwargs), kwargs, target ratio ember/torch, hand-written NumPy reference or None)
WORKLOADS = {
    "DataLoader 60k 28x28, crop+flip, batch 128, 0 workers": (loader_steps, {"num_workers": 0}, 0.8, None),
    "DataLoader 60k 28x28, crop+flip, batch 128, 2 workers": (loader_steps, {"num_workers": 2}, 1.0, None),
}
