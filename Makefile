# The command catalogue. `make run` and `make test` work on a fresh machine:
# each installs what it needs from this repository's own files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-distributed test test-fast test-broker-amnesia test-kill-soak lint bench loadtest install clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) assets  ## start the embedded platform with a demo consultation
	$(BIN)/parlons serve --demo

test: $(STAMP) assets chromium  ## every test that needs no external server (Kafka runs on Tansu)
	$(BIN)/pytest -q

test-fast: $(STAMP) assets
	$(BIN)/pytest -q -m "not kafka and not slow"

test-broker-amnesia: $(STAMP)  ## the broker stopped 30 s and restarted empty (ADR 0032)
	PARLONS_TEST_BROKER_DOWN_S=30 $(BIN)/pytest -q tests/integration/test_broker_amnesia.py

test-kill-soak: $(STAMP)  ## 10 minutes of SIGKILLs every 5-20 s under writers, both topologies
	PARLONS_TEST_SOAK_S=600 $(BIN)/pytest -q -s tests/integration/test_kill_soak.py

lint: $(STAMP)  ## ruff, mypy strict, and the layering contracts (pyproject: importlinter)
	$(BIN)/ruff check services tests bench loadtests
	$(BIN)/mypy
	$(BIN)/lint-imports

run-distributed: $(STAMP) assets  ## broker + one worker process per service + HTTP front
	bash deploy/run_distributed.sh

BENCHES ?= eventlog pages
bench: $(STAMP) assets  ## each benchmark prints Parlons beside its baseline, then the ratio
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

# Bounded headless locust run of every scenario (about 4 minutes); reports in
# var/loadtest/reports. LOADTEST_HOST=http://... aims at a running platform
# instead of starting the embedded one (README, "Load tests").
LOADTEST_DAY_SECONDS ?= 45
LOADTEST_SPIKE_BEFORE ?= 15
loadtest: $(STAMP) assets  ## locust: browsing, participant, Grand Débat day, vote spike
	LOADTEST_DAY_SECONDS=$(LOADTEST_DAY_SECONDS) LOADTEST_SPIKE_BEFORE=$(LOADTEST_SPIKE_BEFORE) \
	  $(BIN)/python -m loadtests.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

include web.mk  # assets (npm -> services/web/static/vendor) and chromium for e2e
