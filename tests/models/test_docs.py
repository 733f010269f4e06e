"""The examples in ember.models' docstrings run."""

import doctest
import importlib

import numpy as np
import pytest

import ember


@pytest.mark.parametrize("name", ["node", "model", "sequential", "functional", "data_adapter",
                                  "compile_utils", "summary"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"ember.models.{name}")
    result = doctest.testmod(module, extraglobs={"ember": ember, "np": np})
    assert result.failed == 0
