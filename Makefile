# One command set for people and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PORT ?= 8000
STAMP := $(VENV)/.installed
NODE_STAMP := toolchain/node_modules/.installed
SDK_JS_STAMP := sdk-js/dist/.built
SDK_JS_SOURCES := $(shell find sdk-js/src sdk-js/scripts -type f 2>/dev/null) sdk-js/tsconfig.json

CONSOLE := platform/web/console
CONSOLE_STAMP := $(CONSOLE)/node_modules/.installed
CONSOLE_BUILT := platform/web/console_dist/index.html
CONSOLE_SOURCES := $(shell find $(CONSOLE)/src -type f 2>/dev/null) $(CONSOLE)/index.html $(CONSOLE)/vite.config.ts $(CONSOLE)/tsconfig.json

SANDBOX_WEB := sandbox/web
SANDBOX_WEB_STAMP := $(SANDBOX_WEB)/node_modules/.installed
SANDBOX_WEB_BUILT := $(SANDBOX_WEB)/dist/index.html
SANDBOX_WEB_SOURCES := $(shell find $(SANDBOX_WEB)/src $(SANDBOX_WEB)/scripts -type f 2>/dev/null) $(SANDBOX_WEB)/tsconfig.json
PROJECT ?= sandbox/examples/wallet-basics
SANDBOX_PORT ?= 8700

export CHAINLESS_TOOLCHAIN_DIR := $(CURDIR)/toolchain

.PHONY: help setup console-client run sandbox test test-sdk-js test-console test-sandbox-web test-postgres test-sqlite lint typecheck services browser lock migrate-check bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml setup.py sdk-py/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . -e sdk-py
	@touch $@

$(NODE_STAMP): toolchain/package.json toolchain/package-lock.json
	cd toolchain && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SDK_JS_STAMP): sdk-js/package.json sdk-js/package-lock.json $(SDK_JS_SOURCES)
	cd sdk-js && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	@touch $@

$(CONSOLE_STAMP): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE_BUILT): $(CONSOLE_STAMP) $(CONSOLE_SOURCES)
	cd $(CONSOLE) && npm run --silent build

$(SANDBOX_WEB_STAMP): $(SANDBOX_WEB)/package.json $(SANDBOX_WEB)/package-lock.json
	cd $(SANDBOX_WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SANDBOX_WEB_BUILT): $(SANDBOX_WEB_STAMP) $(SANDBOX_WEB_SOURCES)
	cd $(SANDBOX_WEB) && npm run --silent build

setup: $(STAMP) $(NODE_STAMP) $(SDK_JS_STAMP) $(CONSOLE_BUILT) $(SANDBOX_WEB_BUILT) ## Create the venv, install the pinned Python and node tools, build the console and the sandbox page

console-client: $(STAMP) $(CONSOLE_STAMP) ## Regenerate the console's typed API client from the OpenAPI
	$(BIN)/python scripts/console_openapi.py --schema $(CONSOLE)/src/api/schema.d.ts

run: setup ## Run the platform on its embedded default (SQLite, local anvil, local CDN); PORT=8000
	$(BIN)/chainless run --port $(PORT)

sandbox: setup ## The wallet sandbox for a project folder or URL: PROJECT=path/or/url (default: the example), SANDBOX_PORT=8700
	$(BIN)/chainless sandbox "$(PROJECT)" --port $(SANDBOX_PORT)

services: ## Make sure PostgreSQL and Redis are running (start them if not)
	@bash scripts/ensure-services.sh

browser: ## Make sure Chromium is installed for the page tests (Debian's package)
	@bash scripts/ensure-chromium.sh

test: setup services browser ## Install everything and run the whole suite on PostgreSQL + Redis, then the portable part on SQLite
	$(MAKE) --no-print-directory test-sdk-js
	$(MAKE) --no-print-directory test-console
	$(MAKE) --no-print-directory test-sandbox-web
	$(BIN)/python -m pytest -n 2 --dist loadfile
	CHAINLESS_TEST_DATABASE=sqlite $(BIN)/python -m pytest -m portable -n 2 --dist loadfile
	$(MAKE) --no-print-directory migrate-check

test-console: $(CONSOLE_BUILT) ## The console's front-end unit tests (vitest)
	cd $(CONSOLE) && npx vitest run

test-sandbox-web: $(SANDBOX_WEB_BUILT) ## The sandbox page's front-end checks: tsc --strict, vitest
	cd $(SANDBOX_WEB) && npm run --silent typecheck && npx vitest run

test-sdk-js: $(SDK_JS_STAMP) ## The JavaScript SDK: tsc --strict, vitest, the bundle-size budget, the test pages' types
	cd sdk-js && npm run --silent typecheck && npm test && npm run --silent size
	node sdk-js/node_modules/typescript/bin/tsc -p tests/sdk_js  # the browser tests' host and mini-program

test-postgres: setup services browser ## Only the PostgreSQL run
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-sqlite: setup browser ## Only the portable part, on SQLite
	CHAINLESS_TEST_DATABASE=sqlite $(BIN)/python -m pytest -m portable

migrate-check: setup services ## alembic check: the models and the migrations agree
	@bash scripts/alembic-check.sh

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@bash scripts/typecheck-tree.sh
	$(BIN)/mypy -p chainless -p chainless_sdk

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --quiet --extra dev --python-version 3.11 pyproject.toml -o requirements.lock

bench: setup services browser ## Run the benchmarks (figures go to docs/BENCHMARKS.md)
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.oauth
	$(BIN)/python -m bench.relay
	$(BIN)/python -m bench.deploy
	$(BIN)/python -m bench.sdk_bridge

clean: ## Remove the venv, node tools and local data
	rm -rf $(VENV) toolchain/node_modules $(CONSOLE)/node_modules platform/web/console_dist $(SANDBOX_WEB)/node_modules $(SANDBOX_WEB)/dist data .typecheck
