# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export DATABASE_URL ?= sqlite:///$(CURDIR)/instance/safeguard.sqlite3
# Browser tests drive Debian's Chromium, never a downloaded browser.
export CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install lint bench check clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The modeller and viewer bundles (issue 6), rebuilt when their sources change.
ASSETS_STAMP := web/static/build/.built
$(ASSETS_STAMP): $(NODE_STAMP) .bpmnlintrc web/static/build.mjs $(wildcard web/static/src/*) \
		$(wildcard web/static/src/*/*.js web/static/src/*/*/*.js)
	node web/static/build.mjs
	touch $@

# The DfE's SSDA903 validator in an environment of its own (issue 13): it needs
# Python <= 3.11 and pins pandas < 2, so it cannot share the app's. The app runs it as a
# subprocess (engine/returns/validator.py).
VALIDATOR_VENV := .venv-903
VALIDATOR_STAMP := $(VALIDATOR_VENV)/.installed
VALIDATOR_PYTHON ?= $(shell for p in python3.11 python3.10 python3.9; do \
  command -v $$p >/dev/null && { echo $$p; break; }; done)
$(VALIDATOR_STAMP): requirements-903.txt
	test -x $(VALIDATOR_VENV)/bin/python || $(VALIDATOR_PYTHON) -m venv $(VALIDATOR_VENV)
	$(VALIDATOR_VENV)/bin/pip install --quiet -r requirements-903.txt
	touch $(VALIDATOR_STAMP)

install: $(STAMP) $(NODE_STAMP) $(ASSETS_STAMP) $(VALIDATOR_STAMP)

# Debian's Chromium for the browser tests; installed only where apt-get can (as root).
browser:
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "Chromium is not installed: browser tests will be skipped"

run: install
	$(BIN)/safeguard db upgrade
	$(BIN)/safeguard processes load
	$(BIN)/safeguard demo
	@# The timer worker runs beside the web server and is stopped when the server stops.
	$(BIN)/safeguard worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/safeguard serve --host 127.0.0.1 --port 5000

test: install browser
	$(BIN)/ruff check .
	$(BIN)/safeguard check
	$(BIN)/safeguard rules > /dev/null
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

check: $(STAMP)
	$(BIN)/safeguard check

# Every row of issue 16's table, each beside its anchor measured in the same run. The
# PostgreSQL rows use BENCH_PG (its schema is dropped: never point it at real data).
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/safeguard_bench
bench: install
	$(BIN)/python bench/complete_step.py
	$(BIN)/python bench/two_tasks.py
	$(BIN)/python bench/http_complete.py
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/throughput.py
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/inbox.py
	BENCH_DATABASE_URL=$(BENCH_PG) BENCH_OPEN=100000 BENCH_RUNS=100 $(BIN)/python bench/inbox.py
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/timers.py
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/storage.py
	$(BIN)/python bench/record_episode.py
	$(BIN)/python bench/process_page.py
	BENCH_DATABASE_URL=$(BENCH_PG) $(BIN)/python bench/dashboard.py --with-returns

clean:
	rm -rf $(VENV) $(VALIDATOR_VENV) node_modules instance .pytest_cache
