"""``ember.cuda``: whether a CUDA GPU is usable (through CuPy), and how many."""

from ember.backend.devices import cuda_device_count, cuda_is_available

__all__ = ["is_available", "device_count"]


def is_available():
    """True when CuPy is installed and sees at least one NVIDIA GPU."""
    return cuda_is_available()


def device_count():
    return cuda_device_count()
