# acsim: the two commands a user needs are `make dashboard` and `make test`.
# Each creates .venv when it is missing and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= localhost
PORT ?= 5006
TEST_WORKERS ?= 0

.PHONY: all dashboard test test-fast lint docs docs-serve bench clean

all: test

# The discovery extra (EMA Workbench, about 150 MB with scikit-learn and
# statsmodels) is optional for users; the tests need it, so that scenario
# discovery is tested too.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs,lint,discovery]"
	touch $(STAMP)

dashboard: $(STAMP)
	$(BIN)/acsim dashboard --host $(HOST) --port $(PORT)

# TEST_WORKERS=2 runs the tests in two processes (pytest-xdist); tests/conftest.py
# groups those that share a file, a browser or the cores. The default, 0, runs them
# in this process, one after another (CONTRIBUTING.md says why).
# (mkdocs 1.6 exits 0 from a strict build that aborts when --quiet is given, so it is not.)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup
	$(BIN)/mkdocs build --strict

# formatting, style, types and import layers (configured in pyproject.toml); no test runs
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup -m "not browser and not slow"

docs: $(STAMP)
	$(BIN)/python -m docs.gen_all
	$(BIN)/mkdocs build --strict

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) site build *.egg-info
