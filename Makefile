# Quick start: `make demo` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs bench clean postgresql java stress thorough

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m dunning demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

# The runner's tests start a PostgreSQL server of their own (pytest-postgresql over pg_ctl);
# install the Debian package when the machine lacks it.
postgresql:
	@if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		echo "installing PostgreSQL for the runner's tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

# The Spark tests start a local Spark, which needs a Java 17+ runtime; install the Debian
# package when the machine has no `java`.
java:
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing a Java runtime for the Spark tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

pytest: $(STAMP) postgresql java
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -n auto --cov --cov-report=term-missing

test: lint typecheck pytest

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.runner

# Every property with ten times the examples of `make test`, on fresh random cases.
thorough: $(STAMP) postgresql
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest -n auto --no-cov tests/property tests/fuzz

# The kill test with 1,000 SIGKILLs instead of the 100 of `make test`.
stress: $(STAMP)
	DUNNING_KILLS=1000 $(BIN)/pytest tests/runner/test_runner_kill.py -q --no-cov -p no:cacheprovider

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
