"""The examples in the transforms' docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["transform", "compose", "tensor", "flip", "crop", "geometry", "color", "noise", "erasing", "mix"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"ember.data.transforms.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
