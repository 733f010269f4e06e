"""``IdentityTable``: values kept for objects by identity, each entry gone when its object is freed.

``weakref.WeakKeyDictionary`` cannot hold Tensors: finding a key compares weak references, which
compares their Tensors with ``==``, elementwise. This table keys on ``id()`` and checks identity.
"""

import weakref

__all__ = ["IdentityTable"]


class IdentityTable:
    """``table[obj] = value``, ``table.get(obj)``, ``table.pop(obj)``; ``obj`` must be weak-referable."""

    def __init__(self):
        self._entries = {}  # id(obj) -> (weak reference to obj, value)

    def _forget(self, key, ref):
        entry = self._entries.get(key)
        if entry is not None and entry[0] is ref:
            del self._entries[key]

    def __setitem__(self, obj, value):
        key = id(obj)
        self._entries[key] = (weakref.ref(obj, lambda ref, key=key: self._forget(key, ref)), value)

    def get(self, obj, default=None):
        entry = self._entries.get(id(obj))
        return entry[1] if entry is not None and entry[0]() is obj else default

    def pop(self, obj, default=None):
        value = self.get(obj, default)
        self._entries.pop(id(obj), None)
        return value

    def __len__(self):
        return len(self._entries)
