# Proofsheet: `make run` serves the platform, `make test` runs the whole suite.
# Everything is installed into this checkout (.venv, node_modules, var/); nothing by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := .venv
BIN        := $(VENV)/bin
PY         := $(BIN)/python
RUNTIME    := $(VENV)/.runtime-installed
DEVTOOLS   := $(VENV)/.dev-installed
NODE_STAMP := node_modules/.installed
BUNDLE     := frontend/dist/proofsheet.js
STATIC     := var/static/.collected
PIP        := $(PY) -m pip --disable-pip-version-check -q

.PHONY: help run setup test bench lock lint format clean

help:
	@echo "make run    install what is missing, migrate, and serve on http://127.0.0.1:8000 (\$$PORT)"
	@echo "make test   lint, layer contract, types (mypy), migrations check, and the whole suite (SQLite + PostgreSQL)"
	@echo "make bench  benchmarks (results in bench-results/)"
	@echo "make lock   re-resolve the Python lockfiles from pyproject.toml"

$(VENV)/.created:
	@PYBIN=$$(scripts/find-python) && echo "Creating $(VENV) with $$PYBIN" && "$$PYBIN" -m venv $(VENV)
	@touch $@

$(RUNTIME): $(VENV)/.created requirements.lock pyproject.toml
	@echo "Installing Python dependencies (requirements.lock)…"
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	@touch $@

$(DEVTOOLS): $(RUNTIME) requirements-dev.lock
	@echo "Installing test tools (requirements-dev.lock)…"
	$(PIP) install --require-hashes -r requirements-dev.lock
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "Installing front-end packages (package-lock.json)…"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(BUNDLE): $(NODE_STAMP) frontend/build.mjs $(wildcard frontend/src/*)
	npm run --silent build

$(STATIC): $(RUNTIME) $(BUNDLE) $(wildcard frontend/public/*)
	@mkdir -p var/static
	$(BIN)/proofsheet manage collectstatic --noinput -v 0
	@touch $@

setup: $(RUNTIME) $(STATIC)
	$(BIN)/proofsheet manage migrate --noinput -v 0

run: setup
	$(BIN)/proofsheet serve

test: $(DEVTOOLS) $(BUNDLE)
	scripts/test.sh

bench: $(DEVTOOLS) $(BUNDLE)
	$(PY) -m bench

lint: $(DEVTOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(DEVTOOLS)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.12 --generate-hashes -o requirements.lock -q
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.12 --generate-hashes -o requirements-dev.lock -q

clean:
	rm -rf $(VENV) node_modules frontend/dist var/static
