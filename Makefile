# The two commands of the quick start: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install -q --disable-pip-version-check

.PHONY: demo test install install-dev lint bench

install:
	$(PIP) -e .

install-dev:
	$(PIP) -e ".[dev]"

demo: install
	$(PYTHON) -m ember.cli demo

test: install-dev
	$(PYTHON) -m ruff check ember tests benchmarks examples
	$(PYTHON) -m pytest

bench: install-dev
	$(PYTHON) benchmarks/run.py
