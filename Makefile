# All set-up goes through `make install`; every other target depends on it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# setuptools' editable-install notices say nothing a user can act on, nor do pip's warnings
# about package indexes in the machine's pip configuration that lack a package (one line per
# package: "Location 'file:///…/simple/NAME/' is ignored"); -qq keeps pip's errors.
QUIET_PIP := PYTHONWARNINGS=ignore $(BIN)/python -m pip install -qq

.PHONY: install models lint test test-fast bench demo corpus clean

install: $(STAMP)

$(STAMP): pyproject.toml voices/manifest.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(QUIET_PIP) --upgrade pip
	$(QUIET_PIP) -e '.[test,lint]'
	$(BIN)/assistant models install
	touch $(STAMP)

# Where a network exists, a deployer can fetch larger weights; see docs/configuration.md.
models: install
	$(BIN)/assistant models install

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Everything that needs no model, browser or socket (tests/conftest.py says which): well under a
# minute. About 58 s of CPU in all, so it runs on both cores.
test-fast: install
	$(BIN)/python -m pytest -q -m "not e2e" -n 2

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

demo: install
	$(BIN)/assistant kiosk

corpus: install
	$(BIN)/assistant corpus import
	$(BIN)/assistant corpus embed

clean:
	rm -rf $(VENV) models .cache reports test-artifacts build
