# Parlons: the two set-up commands are `make run` and `make test` (see README.md).
# Needs only python3 (>= 3.11), git and make; everything else goes into .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip --quiet

# Where `make run` listens: PARLONS_HOST / PARLONS_PORT (or PORT), from the environment or the command line.
PARLONS_HOST ?= 127.0.0.1
PARLONS_PORT ?= $(or $(PORT),8000)
DEMO_TICKETS ?= 500
# `make run` plays the Meta platforms on this machine (simulated clients write; replies go to the simulator).
# SIMULATE=0 serves without it, e.g. when real channel groups are set up.
SIMULATE ?= 1
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k tokens -x"`.
PYTEST_ARGS ?=

# The embedded local run serves plain http: debug on and TLS-only cookies off, unless set otherwise.
RUN_ENV := PARLONS_DEBUG=$${PARLONS_DEBUG:-1} PARLONS_TLS=$${PARLONS_TLS:-0}

.DEFAULT_GOAL := help
.PHONY: help install install-dev run test lint clean

help:
	@echo "make run    install into $(VENV), load demo data if the database is empty, serve on http://$(PARLONS_HOST):$(PARLONS_PORT)"
	@echo "make test   install with the test tools and run the whole test suite"
	@echo "make lint   ruff check"

$(BIN)/python:
	@echo "Creating the virtual environment in $(VENV)..."
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Parlons needs Python 3.11 or later")'
	@$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "Installing Parlons into $(VENV)..."
	@$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	@echo "Installing Parlons and the test tools into $(VENV)..."
	@$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	@$(RUN_ENV) $(BIN)/parlons migrate --noinput --verbosity 0
	@$(RUN_ENV) $(BIN)/parlons demo --if-empty --tickets $(DEMO_TICKETS)
	@$(RUN_ENV) exec $(BIN)/parlons run --host $(PARLONS_HOST) --port $(PARLONS_PORT) $(if $(filter 1,$(SIMULATE)),--simulate)

test: install-dev
	@$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install-dev
	@$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
