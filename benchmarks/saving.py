"""Saving workloads (issue: saving and loading): a 100M-parameter float32 state dict written and
read back by ``ember.save``/``ember.load`` (checksummed, fsynced, atomic) and by
``torch.save``/``torch.load``, in a temporary folder on the same disk.
"""

import atexit
import os
import shutil
import tempfile

import numpy as np

_FOLDER = tempfile.mkdtemp(prefix="ember-bench-saving-")
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)


def _functions(lib):
    if lib.__name__ == "torch":
        return lib.save, lib.load
    from ember.saving import load, save

    return save, load


def _state_dict(lib, tensors, size):
    rng = np.random.default_rng(0)
    return {f"layer{i}.weight": lib.tensor(rng.standard_normal(size, dtype=np.float32))
            for i in range(tensors)}


def save_state_dict(lib, tensors=10, size=10_000_000):
    """Write ``tensors`` float32 tensors of ``size`` values each (100M parameters, 400 MB)."""
    save, _ = _functions(lib)
    state, path = _state_dict(lib, tensors, size), os.path.join(_FOLDER, f"save-{lib.__name__}")
    return lambda: save(state, path)


def load_state_dict(lib, tensors=10, size=10_000_000):
    """Read back the file that ``save_state_dict`` writes."""
    save, load = _functions(lib)
    path = os.path.join(_FOLDER, f"load-{lib.__name__}")
    save(_state_dict(lib, tensors, size), path)
    return lambda: load(path)


WORKLOADS = {
    "save 100M-parameter state dict": (save_state_dict, {}, 1.5, None),
    "load 100M-parameter state dict": (load_state_dict, {}, 1.5, None),
}
