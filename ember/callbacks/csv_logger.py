"""``CSVLogger``: stream every epoch's logs to a CSV file."""

import csv
import os

import numpy as np

from ember.callbacks.callback import Callback

__all__ = ["CSVLogger"]


def _cell(value):
    if isinstance(value, np.ndarray) and value.ndim:
        return f"[{', '.join(map(str, value.tolist()))}]"
    return value


class CSVLogger(Callback):
    """Writes one row per epoch (``epoch`` then the logs' keys, sorted) to ``filename``.

    Args:
        filename (str or path): the CSV file. separator (str): the field separator.
        append (bool): add to an existing file (its header kept) instead of overwriting it.

    Example::

        >>> import ember, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> logger = ember.callbacks.CSVLogger(path)
        >>> logger.on_train_begin(); logger.on_epoch_end(0, {"loss": 0.5}); logger.on_train_end()
        >>> with open(path) as f: print(f.read().strip())
        epoch,loss
        0,0.5
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self.writer, self._file = None, None, None

    def on_train_begin(self, logs=None):
        has_rows = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._append_header = not has_rows
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys],
                                         delimiter=self.sep)
            if self._append_header:
                self.writer.writeheader()
        # an epoch without a key (no validation that epoch) gets NA, as Keras writes
        self.writer.writerow({"epoch": epoch, **{k: _cell(logs[k]) if k in logs else "NA"
                                                 for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
        self._file, self.writer = None, None
