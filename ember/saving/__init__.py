"""``ember.saving``: safe files for tensors and checkpoints (``save``, ``load``, ``inspect_file``)."""

from ember.saving.format import FORMAT_VERSION, FileFormatError  # noqa: F401
from ember.saving.inspect import inspect_file  # noqa: F401
from ember.saving.load import load  # noqa: F401
from ember.saving.save import save  # noqa: F401

__all__ = ["save", "load", "inspect_file", "FileFormatError", "FORMAT_VERSION"]
