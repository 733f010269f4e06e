"""The error of ``ember.onnx.export``."""

__all__ = ["OnnxExportError"]


class OnnxExportError(RuntimeError):
    """A model (or one of its ops) that can't be written as ONNX; the message says which op, in
    which module, and what to do."""
