"""The examples in ember.models' docstrings run."""

import doctest
import importlib

import numpy as np
import pytest

import ember


@pytest.mark.parametrize("name", ["layers.node", "models.model", "models.sequential",
                                  "models.functional", "models.data_adapter",
                                  "models.compile_utils", "models.summary"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"ember.{name}")
    result = doctest.testmod(module, extraglobs={"ember": ember, "np": np})
    assert result.failed == 0
