# Game Market Pipeline — every user-facing command. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The Snowflake emulator (fakesnow) pins another duckdb, so it lives in a venv of its own.
SF_VENV := .venv-snowflake
DATE ?= 2024-05-01
ENDPOINTS ?= games genres platforms stores tags

.DEFAULT_GOAL := help

.PHONY: help setup setup-snowflake test lint format demo sandbox bench ci clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/gmp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/gmp ## Create .venv and install the project with its pinned dependencies

$(SF_VENV)/bin/fakesnow: requirements-snowflake.txt
	$(PYTHON) -m venv $(SF_VENV)
	$(SF_VENV)/bin/pip install --quiet --upgrade pip
	$(SF_VENV)/bin/pip install --quiet -r requirements-snowflake.txt
	@touch $@

setup-snowflake: $(SF_VENV)/bin/fakesnow ## Create .venv-snowflake with the Snowflake emulator the tests start

test: setup setup-snowflake ## Run the test suite (starts its own SeaweedFS and RAWG stand-in)
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: setup ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: setup ## Offline demo: start the sandbox, extract every daily endpoint for DATE (default 2024-05-01)
	$(BIN)/gmp sandbox -- bash -c 'set -e; \
	  for e in $(ENDPOINTS); do $(BIN)/gmp extract $$e --run-date $(DATE); done; \
	  $(BIN)/gmp status --run-date $(DATE) --endpoints $$(echo $(ENDPOINTS) | tr " " ,)'

sandbox: setup ## Start the offline stack in the foreground and print its env (Ctrl-C stops it)
	$(BIN)/gmp sandbox

bench: setup ## Run the extractor benchmark (installs the bench extras, writes bench/results/)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_extract.py

ci: ## What CI runs: setup from scratch, then the tests
	bash .ci/run

clean: ## Remove the venv and caches
	rm -rf $(VENV) $(SF_VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
