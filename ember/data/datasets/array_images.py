"""The sample access shared by the datasets that hold their images in one NumPy array."""

from ember.data.dataset import Dataset

__all__ = ["ArrayImageDataset"]


class ArrayImageDataset(Dataset):
    """``data`` (N, ...) uint8 images and ``targets`` (N,) labels; ``dataset[i]`` is
    ``(transform(image), target_transform(label))``."""

    data = targets = transform = target_transform = None

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        image, target = self.data[index].copy(), int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target
