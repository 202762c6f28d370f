# The two set-up commands of the README: `make up` and `make test`. Both create .venv
# when it is missing and install everything the platform and its tests need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# checkov lives in a venv of its own: its many pinned dependencies must not move ours.
CHECKOV := $(VENV)/checkov/bin/checkov
# What the browser tests inject into pages (axe-core), pinned by its package lock.
BROWSER_JS := tests/e2e/browser/node_modules/.package-lock.json

.PHONY: up test lint bench down clean

$(INSTALLED): pyproject.toml shared_lib/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e ./shared_lib -e '.[test]'
	@touch $(INSTALLED)

up: $(INSTALLED)
	$(BIN)/netra up

$(CHECKOV): | $(INSTALLED)
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet 'checkov>=3.2,<4'

$(BROWSER_JS): tests/e2e/browser/package.json tests/e2e/browser/package-lock.json
	cd tests/e2e/browser && npm ci --no-audit --no-fund --silent

test: $(INSTALLED) $(CHECKOV) $(BROWSER_JS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Lint and format check (configured in pyproject.toml); `ruff format .` and `ruff check --fix .` repair.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(INSTALLED)
	$(BIN)/python -m bench

down: $(INSTALLED)
	$(BIN)/netra down

clean:
	rm -rf $(VENV) .netra .service_discovery
