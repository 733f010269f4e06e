"""``ember.saving``: safe files for tensors and checkpoints (``save``, ``load``, ``inspect_file``) and
the registry of classes a saved architecture may name (``register_serializable``)."""

from ember.saving.format import FORMAT_VERSION, FileFormatError  # noqa: F401
from ember.saving.inspect import inspect_file  # noqa: F401
from ember.saving.load import load  # noqa: F401
from ember.saving.registry import (  # noqa: F401
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_serializable,
)
from ember.saving.save import save  # noqa: F401

__all__ = ["save", "load", "inspect_file", "FileFormatError", "FORMAT_VERSION", "register_serializable",
           "get_registered_name", "get_registered_object", "custom_object_scope"]
