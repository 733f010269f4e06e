"""MNIST/FashionMNIST on small IDX files written here, downloaded from a local HTTP server."""

import functools
import gzip
import hashlib
import http.server
import struct
import threading

import numpy as np
import pytest

from ember.data.datasets import MNIST, FashionMNIST
from ember.data.datasets.mnist import read_idx
from ember.data.transforms import ToTensor

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def idx_bytes(array):
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def make_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"train-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
            "train-labels-idx1-ubyte": rng.integers(0, 10, 5, dtype=np.uint8),
            "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte": np.array([7, 2, 1], np.uint8)}


def write_files(folder, arrays, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        data = idx_bytes(array)
        (folder / (stem + ".gz" if gz else stem)).write_bytes(gzip.compress(data) if gz else data)


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``served/``; yields (base URL, folder); shut down after."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def checksums(folder):
    return {stem + ".gz": hashlib.sha256((folder / (stem + ".gz")).read_bytes()).hexdigest()
            for stem in STEMS}


def test_reads_gzipped_and_plain_idx_files(tmp_path):
    arrays = make_arrays()
    write_files(tmp_path / "MNIST" / "raw", arrays)
    train = MNIST(tmp_path)
    assert len(train) == 5 and train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    np.testing.assert_array_equal(train.data, arrays["train-images-idx3-ubyte"])
    image, target = train[1]
    assert target == arrays["train-labels-idx1-ubyte"][1] and image.shape == (28, 28)
    image[:] = 0  # a copy: the data set is untouched
    assert train.data[1].any()
    plain = tmp_path / "plain"
    write_files(plain, arrays, gz=False)  # files directly in root
    test = MNIST(plain, train=False, transform=ToTensor(), target_transform=lambda t: -t)
    image, target = test[0]
    assert target == -7 and image.shape == (1, 28, 28)
    np.testing.assert_allclose(image.numpy()[0], arrays["t10k-images-idx3-ubyte"][0] / 255, rtol=1e-6)
    assert "Split: Test" in repr(test) and test.class_to_idx["7 - seven"] == 7


def test_read_idx_other_dtypes_and_corrupt_files(tmp_path):
    values = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    (tmp_path / "f.idx").write_bytes(idx_bytes(values))
    out = read_idx(tmp_path / "f.idx")
    assert out.dtype == np.float32 and out.dtype.isnative
    np.testing.assert_array_equal(out, values)
    (tmp_path / "bad.idx").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(ValueError, match=r"bad.idx is not an IDX file \(its first bytes are 504b0304"):
        read_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(idx_bytes(values)[:-4])
    with pytest.raises(ValueError, match=r"promises shape \(2, 3\) \(24 bytes\) but the file holds 20"):
        read_idx(tmp_path / "short.idx")
    (tmp_path / "broken.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="broken.gz cannot be read .* download it again"):
        read_idx(tmp_path / "broken.gz")


def test_missing_and_mismatched_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST: train-images-idx3-ubyte .* pass download=True"):
        MNIST(tmp_path)
    arrays = make_arrays()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:4]
    write_files(tmp_path, arrays)
    with pytest.raises(ValueError, match=r"images of shape \(5, 28, 28\) .* labels of shape \(4,\)"):
        MNIST(tmp_path)


def test_download_verifies_and_writes_atomically(server, tmp_path, monkeypatch):
    url, served = server
    arrays = make_arrays(1)
    write_files(served, arrays)
    monkeypatch.setattr(FashionMNIST, "resources", checksums(served))
    ds = FashionMNIST(tmp_path / "data", download=True, url=url)
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(s + ".gz" for s in STEMS)
    np.testing.assert_array_equal(ds.data, arrays["train-images-idx3-ubyte"])
    assert ds.classes[9] == "Ankle boot"
    # a second download finds the files and fetches nothing (the server may be gone)
    FashionMNIST(tmp_path / "data", train=False, download=True, url="http://127.0.0.1:9/")


def test_download_tries_mirrors_in_order(server, tmp_path, monkeypatch):
    url, served = server
    write_files(served / "good", make_arrays())
    monkeypatch.setattr(MNIST, "resources", checksums(served / "good"))
    monkeypatch.setattr(MNIST, "mirrors", [url + "missing/", url + "good/"])
    assert len(MNIST(tmp_path, download=True)) == 5


def test_bad_checksum_leaves_no_file(server, tmp_path, monkeypatch):
    url, served = server
    write_files(served, make_arrays())
    sums = checksums(served)
    sums["t10k-images-idx3-ubyte.gz"] = "0" * 64
    monkeypatch.setattr(MNIST, "resources", sums)
    with pytest.raises(RuntimeError, match="SHA-256 of t10k-images-idx3-ubyte.gz downloaded from .* expected "
                                           "0000.*the file was not saved"):
        MNIST(tmp_path, download=True, url=url)
    raw = tmp_path / "MNIST" / "raw"
    # the two files before the bad one were saved; no partial file is left behind
    assert sorted(p.name for p in raw.iterdir()) == ["train-images-idx3-ubyte.gz",
                                                     "train-labels-idx1-ubyte.gz"]


def test_unreachable_file_names_url_and_folder(server, tmp_path, monkeypatch):
    url, _ = server
    monkeypatch.setattr(MNIST, "resources", {"train-images-idx3-ubyte.gz": None})
    with pytest.raises(RuntimeError, match=r"(?s)could not download train-images-idx3-ubyte.gz.*404.*"
                                           r"copy the file into .*raw by hand"):
        MNIST(tmp_path, download=True, url=url)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []
