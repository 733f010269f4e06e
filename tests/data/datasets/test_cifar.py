import numpy as np
import pytest

from ember.data.datasets import CIFAR10
from ember.data.transforms import ToTensor


def _write_batch(path, labels, seed):
    images = np.random.default_rng(seed).integers(0, 256, (len(labels), 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([np.asarray(labels, np.uint8)[:, None], images.reshape(len(labels), -1)], 1)
    records.tofile(path)
    return images


@pytest.fixture
def cifar_root(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    train = [_write_batch(folder / f"data_batch_{i}.bin", [i, 9 - i], i) for i in range(1, 6)]
    test = _write_batch(folder / "test_batch.bin", [3, 1, 4], 0)
    return tmp_path, np.concatenate(train), test


def test_reads_the_binary_batches(cifar_root):
    root, train_images, test_images = cifar_root
    train = CIFAR10(root)
    assert len(train) == 10 and train.data.shape == (10, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.targets.tolist() == [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]
    np.testing.assert_array_equal(train.data, train_images.transpose(0, 2, 3, 1))
    test = CIFAR10(str(root), train=False, transform=ToTensor(), target_transform=lambda t: t * 10)
    image, target = test[2]
    assert target == 40 and image.shape == (3, 32, 32)
    np.testing.assert_allclose(image.numpy(), test_images[2] / 255.0, rtol=1e-6)
    assert train.class_to_idx["truck"] == 9 and "Split: Test" in repr(test)


def test_files_directly_in_root(tmp_path):
    _write_batch(tmp_path / "test_batch.bin", [7], 1)
    image, target = CIFAR10(tmp_path, train=False)[0]
    assert target == 7 and image.shape == (32, 32, 3)


def test_errors(cifar_root, tmp_path):
    root, _, _ = cifar_root
    (root / "cifar-10-batches-bin" / "data_batch_4.bin").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_4.bin not found in .* download https://"):
        CIFAR10(root)
    with pytest.raises(ValueError, match="download=True is not supported"):
        CIFAR10(root, train=False, download=True)
    with open(root / "cifar-10-batches-bin" / "test_batch.bin", "ab") as f:
        f.write(b"\x00")
    with pytest.raises(ValueError, match="not a whole number of 3073-byte records"):
        CIFAR10(root, train=False)
    bad = tmp_path / "bad"
    bad.mkdir()
    _write_batch(bad / "test_batch.bin", [42], 0)
    with pytest.raises(ValueError, match="has label 42, but CIFAR-10 labels are 0..9"):
        CIFAR10(bad, train=False)
