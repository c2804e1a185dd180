# The two commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := kapms

.PHONY: run test test-sqlite test-postgres test-e2e test-clock bench lint mutate clean

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

# The suite on SQLite with the clinic's clock travelled (tests/conftest.py, KAPMS_TEST_CLOCK)
# to a leap day and to the last half hour of a year: no test may depend on the day it runs.
test-clock: $(VENV)/.installed-dev
	@echo "=== Test suite on SQLite, clinic clock at 2028-02-29 09:00 ==="
	KAPMS_TEST_CLOCK=2028-02-29T09:00 $(BIN)/python -m pytest -m "not e2e" -q
	@echo "=== Test suite on SQLite, clinic clock at 2027-12-31 23:30 ==="
	KAPMS_TEST_CLOCK=2027-12-31T23:30 $(BIN)/python -m pytest -m "not e2e" -q

# make bench: every benchmark, the scale ones at 1% and 10% on SQLite and PostgreSQL;
# make bench FULL=1 adds the full-size network on PostgreSQL (see bench/SCALE.md).
bench: $(VENV)/.installed-dev
	scripts/ensure-system-deps.sh test
	$(BIN)/python -m bench $(if $(FULL),--full)

# Mutation testing of the pure rule modules ([tool.mutmut] in pyproject.toml): slow (about
# half an hour on 2 cores), so not part of `make test`. Prints each module's score and fails
# under 90%. One module: make mutate ONLY=kapms.care.path
mutate: $(VENV)/.installed-dev
	rm -rf mutants
	$(BIN)/mutmut run $(if $(ONLY),"$(ONLY).*")
	$(BIN)/python scripts/mutation_report.py $(if $(ONLY),--only $(ONLY))

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kapms tests bench

clean:
	rm -rf $(VENV) .pytest_cache mutants
