# zhifa — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export ZHIFA_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# Plain load scheduling, not worksteal: a stolen item can run after a transactional test that
# flushed the worker's database (the calendar rows a migration seeds included); pytest-django
# orders those tests last, and load scheduling keeps that order in each worker.
PYTEST_ARGS ?= -n 2
# Python may keep the bytecode it compiles (a shell may say otherwise): every process of the gate
# after the first reads tests and sources compiled, and pytest's rewritten test modules, instead of
# compiling them again (~4 s of CPU per pytest process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-deep lint typecheck migrations-check security pytest pytest-sqlite pytest-postgres bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-compile: pip would compile every module of every package (~13 s of CPU before anything else
# can start); each module is compiled instead when it is first imported, once.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-compile -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, load the Baishan demo, serve on http://$(HOST):$(PORT) with gunicorn.
run: $(STAMP)
	$(BIN)/zhifa migrate --no-input
	$(BIN)/zhifa collectstatic --no-input --verbosity 0
	$(BIN)/zhifa tick
	$(BIN)/zhifa demo load
	$(BIN)/zhifa tick
	@echo "zhifa: http://$(HOST):$(PORT)/  (staff: http://$(HOST):$(PORT)/staff/)  data: $(ZHIFA_DATA_DIR)"
	@# `zhifa tick` every minute beside the server, as cron does on a real server.
	( while sleep 60; do $(BIN)/zhifa tick > /dev/null || true; done ) & ticker=$$!; \
	trap 'kill $$ticker 2>/dev/null' EXIT INT TERM; \
	ZHIFA_HTTPS=0 $(BIN)/gunicorn zhifa.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --forwarded-allow-ips 127.0.0.1

## make test: the whole gate. The checks run side by side with pytest on SQLite (mypy, bandit and
## makemigrations are single-threaded: the two cores are shared, not left idle), then pytest on
## PostgreSQL runs alone: beside a second pytest run the SIGKILL crash test's uploads could not
## finish between kills. Each part's output is printed in one piece when it ends.
test: $(STAMP)
	$(MAKE) --no-print-directory --output-sync=target -j 5 \
		lint typecheck migrations-check security pytest-sqlite
	$(MAKE) --no-print-directory pytest-postgres

## make test-deep: the gate with the randomised and long tests at full size (ZHIFA_DEEP=1): the state
## machine, the API fuzz and the SIGKILL crash test. See docs/CONTRIBUTING.md for when.
test-deep: export ZHIFA_DEEP = 1
test-deep: test

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	ZHIFA_DATA_DIR=$$(mktemp -d) $(BIN)/mypy

migrations-check: $(STAMP)
	ZHIFA_DATA_DIR=$$(mktemp -d) DATABASE_URL= $(BIN)/zhifa makemigrations --check --dry-run

security: $(STAMP)
	$(BIN)/bandit -q -r src -c pyproject.toml

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: $(STAMP)
	ZHIFA_DATA_DIR=$$(mktemp -d) DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

# PostgreSQL runs when DATABASE_URL names one; .ci/run sets it and requires it.
pytest-postgres: $(STAMP)
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "pytest on PostgreSQL ($${DATABASE_URL%%@*}@…)"; \
		ZHIFA_DATA_DIR=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "pytest on PostgreSQL: not run (DATABASE_URL is not set)"; \
	fi

## make bench: every benchmark in bench/ (not part of the gate). BENCH_ARGS=--quick for a smoke run.
bench: $(STAMP)
	@set -e; for script in bench/*.py; do \
		echo "== $$script"; ZHIFA_DATA_DIR=$$(mktemp -d) $(BIN)/python $$script $(BENCH_ARGS); \
	done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
