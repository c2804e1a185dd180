# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := kapms

.PHONY: run test test-sqlite test-postgres test-e2e bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# flask run is one process, so its in-memory rate limits are the real ones. The job
# queue's worker runs beside it (email, reminders); Ctrl-C stops both.
run: export KAPMS_SINGLE_PROCESS = true
run: $(VENV)/.installed-run
	scripts/ensure-system-deps.sh run
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	BIN=$(BIN) scripts/run-web-and-worker.sh

test: $(VENV)/.installed-dev
	scripts/ensure-system-deps.sh test
	$(MAKE) --no-print-directory test-sqlite test-postgres test-e2e

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	$(BIN)/python -m pytest -m "not e2e" -q

test-postgres:
	@echo "=== Test suite on PostgreSQL ==="
	$(BIN)/python -m tests.pgserver -- $(BIN)/python -m pytest -m "not e2e" -q

test-e2e:
	@echo "=== Browser tests (Playwright + Chromium) ==="
	$(BIN)/python -m pytest -m e2e -q tests/e2e

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kapms tests bench

clean:
	rm -rf $(VENV) .pytest_cache
