"""Converters from ember's primitive ops to ONNX nodes, one file per family of ops."""

from ember.onnx.converters.table import CONVERTERS  # noqa: F401
