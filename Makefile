# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DATABASE_URL ?= sqlite:///$(CURDIR)/instance/safeguard.sqlite3

.PHONY: run test install lint bench check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/safeguard db upgrade
	$(BIN)/safeguard processes load
	$(BIN)/safeguard demo
	$(BIN)/safeguard serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/safeguard check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

check: $(STAMP)
	$(BIN)/safeguard check

bench: $(STAMP)
	$(BIN)/python bench/complete_step.py

clean:
	rm -rf $(VENV) instance .pytest_cache
