"""``ember.onnx``: export a model to ONNX (``export``), for onnxruntime and other runtimes."""

from ember.onnx.errors import OnnxExportError  # noqa: F401
from ember.onnx.export import export  # noqa: F401

__all__ = ["export", "OnnxExportError"]
