"""Transforms inside a DataLoader: batches, MixUp in collate_fn, the same draws whatever num_workers."""

import numpy as np

import ember
from ember.data import DataLoader, Dataset, default_collate
from ember.data.datasets import load_digits
from ember.data.transforms import Compose, CutMix, GaussianNoise, RandomAffine


class Digits(Dataset):
    def __init__(self, transform):
        self.images, self.labels = load_digits("test")
        self.transform = transform

    def __len__(self):
        return 48

    def __getitem__(self, i):
        return self.transform(self.images[i][None]), int(self.labels[i])


def _batches(num_workers):
    ember.manual_seed(0)
    augment = Compose([RandomAffine(10, translate=(0.1, 0.1)), GaussianNoise(sigma=0.05)])
    loader = DataLoader(Digits(augment), batch_size=16, shuffle=True, num_workers=num_workers)
    return [images.numpy().copy() for images, _ in loader]


def test_augmentation_draws_do_not_depend_on_num_workers():
    serial, parallel = _batches(0), _batches(2)
    assert len(serial) == 3 and serial[0].shape == (16, 1, 8, 8)
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(serial[0], _batches(0)[1])


def test_cutmix_as_collate_fn_gives_soft_labels():
    mix = CutMix(num_classes=10)
    loader = DataLoader(Digits(lambda x: x), batch_size=16,
                        collate_fn=lambda batch: mix(*default_collate(batch)))
    images, soft = next(iter(loader))
    assert isinstance(images, ember.Tensor) and images.shape == (16, 1, 8, 8)
    assert isinstance(soft, ember.Tensor) and soft.shape == (16, 10)
    np.testing.assert_allclose(soft.numpy().sum(axis=1), 1, rtol=1e-6)
