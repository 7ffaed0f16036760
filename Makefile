# Two commands do all the setup:  `make run`  and  `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

# Nothing may be fetched from a model hub, ever.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run align serve test check lint install install-test chromium bench clean

## Install, align the bundled corpus, and serve it at http://$(HOST):$(PORT)/
run: install
	$(BIN)/workbench align
	$(BIN)/workbench serve --host $(HOST) --port $(PORT)

align: install
	$(BIN)/workbench align

serve: install
	$(BIN)/workbench serve --host $(HOST) --port $(PORT)

## Install everything the tests need (Chromium included) and run the whole suite
test: install-test chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## The quick loop while working: lint, then every test but the slow and browser ones (see
## docs/testing.md). `make test` stays the whole suite, the one CI runs.
check: install-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser" -q $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

chromium:
	@scripts/install-chromium

bench: install-test
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
