"""Which classes a saved architecture may name: ``register_serializable`` and ``custom_object_scope``.

A model file names each layer's class as text; loading turns the text back into a class only by
looking it up: in ``custom_objects=``, in an active ``custom_object_scope``, in this registry, or
among ember's built-in classes. Nothing is imported or executed by name, so a file can never make
ember run code the user did not already define.

>>> import ember
>>> @ember.saving.register_serializable(package="demo")
... class Twice(ember.layers.Layer):
...     def call(self, x):
...         return 2 * x
>>> ember.saving.get_registered_name(Twice)
'demo>Twice'
>>> ember.saving.get_registered_object("demo>Twice") is Twice
True
"""

import contextlib
import threading

__all__ = ["register_serializable", "get_registered_name", "get_registered_object",
           "custom_object_scope"]

_REGISTRY = {}  # "package>Name" -> class
_NAMES = {}  # class -> "package>Name"
_scopes = threading.local()


def register_serializable(package="Custom", name=None):
    """A class decorator that lets ``load_model``/``model_from_json`` rebuild the class by name,
    as Keras' ``register_keras_serializable``: the class is filed as ``"package>name"``
    (``name`` defaults to the class's name). Defining the same class again (a re-run notebook
    cell) replaces it; another class under the same name is refused."""
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable: package must be a string without '>'; received "
                         f"package={package!r}")

    def decorator(cls):
        if not isinstance(cls, type):
            raise TypeError(f"register_serializable decorates classes; received {cls!r}")
        key = f"{package}>{name or cls.__name__}"
        old = _REGISTRY.get(key)
        redefined = old is not None and (old.__module__, old.__qualname__) == (cls.__module__,
                                                                               cls.__qualname__)
        if old is not None and old is not cls and not redefined:  # a re-run cell may redefine
            raise ValueError(f"register_serializable: {key!r} is already registered to "
                             f"{_REGISTRY[key].__module__}.{_REGISTRY[key].__qualname__}; pass "
                             "package= or name= to file this class under another name")
        _REGISTRY[key] = cls
        _NAMES[cls] = key
        return cls

    return decorator


def get_registered_name(cls):
    """``"package>Name"`` for a registered class, else the class's own name."""
    return _NAMES.get(cls, cls.__name__)


def get_registered_object(name, custom_objects=None):
    """The class for ``name`` (a registered ``"package>Name"`` or a plain class name): from
    ``custom_objects``, then the innermost ``custom_object_scope``, then the registry; None if
    none knows it."""
    short = name.split(">")[-1]
    for table in [custom_objects or {}, *reversed(getattr(_scopes, "stack", []))]:
        for key in (name, short):
            if key in table:
                return table[key]
    return _REGISTRY.get(name)


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes these classes known to every
    load inside the block, as if passed as ``custom_objects=``."""
    if not isinstance(custom_objects, dict):
        raise TypeError(f"custom_object_scope expects a dict {{name: class}}; received "
                        f"{type(custom_objects).__name__}")
    stack = _scopes.__dict__.setdefault("stack", [])
    stack.append(dict(custom_objects))
    try:
        yield
    finally:
        stack.pop()
