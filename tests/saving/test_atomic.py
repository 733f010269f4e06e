"""write_atomically: the new file appears whole or not at all, and no temporary file stays."""

import os
import pathlib

import pytest

from ember.saving.atomic import write_atomically


def test_writes_the_file_and_nothing_else(tmp_path):
    path = tmp_path / "out.bin"
    write_atomically(path, lambda tmp: pathlib.Path(tmp).write_bytes(b"new"))
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failed_write_keeps_the_previous_file_and_removes_the_partial_one(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def fail(tmp):
        pathlib.Path(tmp).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, fail)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]
