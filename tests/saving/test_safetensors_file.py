import numpy as np
from safetensors.numpy import load_file

import ember
from ember.saving.safetensors_file import DTYPE_CODES, read_tensors, write_safetensors


def test_every_dtype_round_trips_and_safetensors_reads_the_file(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {name: (rng.standard_normal((3, 5)) * 100).astype(name) for name in DTYPE_CODES}
    arrays["empty"] = np.zeros((0, 4), np.float32)
    arrays["scalar"] = np.array(2.5, np.float64)
    path = tmp_path / "t.safetensors"
    write_safetensors(path, arrays, {"note": "hello"})
    theirs = load_file(path)
    for key, array in arrays.items():
        np.testing.assert_array_equal(theirs[key], array)
        assert theirs[key].dtype == array.dtype
    ours = dict(zip(arrays, read_tensors(path, list(arrays))))
    for key, array in arrays.items():
        np.testing.assert_array_equal(ours[key][0], array)
        assert ours[key][1] == ember.saving.format.crc32(array)


def test_tensors_are_laid_out_largest_item_first_so_each_stays_aligned(tmp_path):
    import json
    import struct

    arrays = {"a_bool": np.ones(3, bool), "b_f64": np.ones(5), "c_f32": np.ones(7, np.float32)}
    path = tmp_path / "t.safetensors"
    write_safetensors(path, arrays, {})
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    assert n % 8 == 0
    for key, array in arrays.items():
        begin, end = header[key]["data_offsets"]
        assert begin % array.dtype.itemsize == 0 and end - begin == array.nbytes
    assert header["b_f64"]["data_offsets"][0] == 0
