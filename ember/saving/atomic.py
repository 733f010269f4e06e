"""Writing a file atomically: into a temporary file beside it, flushed to disk, then renamed."""

import os
import secrets

__all__ = ["write_atomically"]


def write_atomically(path, write):
    """Call ``write(tmp_path)`` to write a fresh file beside ``path``, flush it to disk, then
    rename it over ``path``: a crash or an error leaves the previous file intact (and no
    temporary file behind).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_atomically(path, lambda tmp: pathlib.Path(tmp).write_text("hello"))
    >>> path.read_text()
    'hello'
    """
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # Created by us with mode 0o666 so that the umask applies, as for any new file.
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:  # any failure, Ctrl-C included: leave the old file, remove the partial one
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
