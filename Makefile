# Two entry points for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bazi_master_test
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test lint format bench tables clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/bazi-master migrate
	$(BIN)/bazi-master serve

test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/pillars.py

# Regenerates the committed solar-term and new-moon tables (needs the `tables` extra).
tables: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,tables]'
	$(BIN)/python -m bazi_master.tablegen

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
