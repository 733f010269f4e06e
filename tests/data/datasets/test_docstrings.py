"""The examples in the data sets' docstrings run and print what they say."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["digits", "synthetic", "mnist", "cifar", "folder"])
def test_docstring_examples(name):
    module = importlib.import_module(f"ember.data.datasets.{name}")
    assert doctest.testmod(module).failed == 0
