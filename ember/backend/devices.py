"""Devices and the array module behind them: NumPy on the CPU, CuPy on NVIDIA GPUs.

This is the only place in ember that knows NumPy from CuPy. Everything above asks
``array_module(x)`` for the module that owns an array (Chainer's ``get_array_module``).
"""

import numpy as np

__all__ = ["device", "array_module", "device_of", "cupy_or_none", "cuda_is_available",
           "cuda_device_count", "to_device_array", "CPU"]

_cupy = []  # memo: [module or None]


def cupy_or_none():
    """CuPy if it is installed and sees a GPU, else None (imported on first use only)."""
    if not _cupy:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _cupy.append(cupy)
        except Exception:  # any import or driver failure means: no usable GPU
            _cupy.append(None)
    return _cupy[0]


def cuda_is_available():
    return cupy_or_none() is not None


def cuda_device_count():
    cp = cupy_or_none()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


class device:
    """Where a tensor lives: ``ember.device("cpu")``, ``ember.device("cuda")``, ``("cuda:1")``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            name = type
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise ValueError(f"invalid device string {name!r}; expected 'cpu', 'cuda' or 'cuda:N'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise ValueError(f"unknown device type {type!r}; ember knows 'cpu' and 'cuda' (through CuPy)")
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


def as_device(d):
    """Accept a device, a string, an int (a CUDA index), or None (the CPU)."""
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)


def device_of(array):
    """The device that owns ``array``."""
    if type(array) is np.ndarray or isinstance(array, (np.ndarray, np.generic)):
        return CPU
    return device("cuda", array.device.id)


def array_module(x):
    """The array module (numpy or cupy) for an array, a device, or a device string."""
    if isinstance(x, (np.ndarray, np.generic)):
        return np
    if isinstance(x, (device, str)):
        if as_device(x).type == "cpu":
            return np
    return _require_cupy()


def _require_cupy():
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(
            "CUDA is not available: ember runs on NVIDIA GPUs through CuPy. Install it with "
            "pip install 'ember[gpu]' (and a CUDA driver), or keep tensors on device='cpu'.")
    return cp


def to_device_array(array, dev):
    """Copy ``array`` to device ``dev`` (a no-op when it is already there)."""
    dev = as_device(dev)
    if dev.type == "cpu":
        if isinstance(array, (np.ndarray, np.generic)):
            return array
        return array.get()
    cp = _require_cupy()
    if dev.index is None:
        dev = device("cuda", cp.cuda.runtime.getDevice())
    if dev.index >= cp.cuda.runtime.getDeviceCount():
        raise RuntimeError(f"device {dev} does not exist: this machine has "
                           f"{cp.cuda.runtime.getDeviceCount()} CUDA device(s)")
    with cp.cuda.Device(dev.index):
        return cp.asarray(array)
