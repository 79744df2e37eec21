# DevBot: every target bootstraps what it needs on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

.PHONY: demo test run lint migrate services tools check-deploy clean help

help:
	@echo "make demo   - chat with the full bot in this terminal (no token needed)"
	@echo "make test   - lint, type-check and run the whole test suite"
	@echo "make run    - run the real bot (needs BOT_TOKEN; see .env.example)"
	@echo "make lint   - ruff, mypy, hadolint and actionlint"
	@echo "make check-deploy - promtool, amtool and the metrics, dashboard and alert checks"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/python -m bot demo

run: $(STAMP)
	$(VENV)/bin/python -m bot run

migrate: $(STAMP)
	$(VENV)/bin/python -m bot migrate

lint: $(STAMP)
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/actionlint

services:
	@bash scripts/ensure-services.sh

# promtool and amtool for the deploy checks (tests/unit/test_deploy_*.py, also run by `test`).
tools:
	@bash scripts/ensure-tools.sh

check-deploy: $(STAMP) tools
	$(VENV)/bin/python -m pytest -q tests/unit/test_deploy_*.py

test: $(STAMP) services tools lint
	$(VENV)/bin/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf $(TOOLS) $(VENV) .pytest_cache .mypy_cache .ruff_cache
