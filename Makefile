# All set-up goes through `make install`; every other target depends on it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install models test bench demo corpus clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml voices/manifest.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/assistant models install
	touch $(STAMP)

# Where a network exists, a deployer can fetch larger weights; see README "Models".
models: install
	$(BIN)/assistant models install

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

demo: install
	$(BIN)/python -m kiosk

corpus: install
	$(BIN)/assistant corpus import
	$(BIN)/assistant corpus embed

clean:
	rm -rf $(VENV) models .cache reports test-artifacts
