import sys

import numpy as np
import pytest

from ember.data.datasets import ImageFolder
from ember.data.transforms import ToTensor


def _tree(root, files):
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".npy"):
            np.save(path, np.full((2, 2, 3), len(name), np.uint8))
        else:
            path.touch()
    return root


def test_classes_samples_and_custom_loader(tmp_path):
    root = _tree(tmp_path, ["dog/b.npy", "dog/sub/a.npy", "cat/z.npy", "cat/notes.txt", "bird/x.npy"])
    ds = ImageFolder(root, loader=np.load, is_valid_file=lambda p: p.endswith(".npy"),
                     transform=ToTensor(), target_transform=str)
    assert ds.classes == ["bird", "cat", "dog"] and ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    assert [(p.replace(str(root), ""), t) for p, t in ds.samples] == [
        ("/bird/x.npy", 0), ("/cat/z.npy", 1), ("/dog/b.npy", 2), ("/dog/sub/a.npy", 2)]
    assert ds.targets == [0, 1, 2, 2] and ds.imgs is ds.samples and len(ds) == 4
    image, target = ds[3]
    assert target == "2" and image.shape == (3, 2, 2)


def test_default_loader_reads_images_with_pillow(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    (tmp_path / "red").mkdir()
    (tmp_path / "gray").mkdir()
    Image.fromarray(np.full((3, 4, 3), (255, 0, 0), np.uint8)).save(tmp_path / "red" / "1.png")
    Image.fromarray(np.full((5, 2), 128, np.uint8)).save(tmp_path / "gray" / "1.PNG")
    ds = ImageFolder(tmp_path)
    gray, target = ds[0]
    assert target == 0 and gray.shape == (5, 2, 3) and (gray == 128).all()  # converted to RGB
    red, _ = ds[1]
    assert red.shape == (3, 4, 3) and red[0, 0].tolist() == [255, 0, 0]


def test_missing_pillow_is_explained(tmp_path, monkeypatch):
    _tree(tmp_path, ["a/1.png"])
    monkeypatch.setitem(sys.modules, "PIL", None)  # makes `from PIL import Image` fail
    ds = ImageFolder(tmp_path)
    with pytest.raises(ImportError, match="needs Pillow; install it with pip install pillow"):
        ds[0]


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere does not exist"):
        ImageFolder(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="found no class folders in"):
        ImageFolder(tmp_path)
    _tree(tmp_path, ["a/1.png", "b/readme.txt"])
    with pytest.raises(FileNotFoundError, match="found no valid file for the classes b in"):
        ImageFolder(tmp_path)
    assert len(ImageFolder(tmp_path, allow_empty=True)) == 1
