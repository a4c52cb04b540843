# The command catalogue. `make run` and `make test` work on a fresh machine:
# each installs what it needs from this repository's own files.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-distributed test test-fast test-broker-amnesia test-kill-soak test-routing-pairs fuzz \
	accessibility-audit lint bench loadtest install clean image k8s k8s-generate sbom

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) assets  ## start the embedded platform with a demo consultation
	$(BIN)/parlons serve --demo

# The quick tests (in-process, tmp folders) on TEST_WORKERS processes, then the
# process, broker and browser tests (marked slow or kafka) one at a time: they time
# kills, restarts and page loads, and start many processes each (ADR 0076). Both
# runs go to the end; the slowest tests are named so a CI log shows where time goes.
TEST_WORKERS ?= 2
test: $(STAMP) assets chromium  ## every test that needs no external server (Kafka runs on Tansu)
	@$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not slow and not kafka" --durations=10; quick=$$?; \
	$(BIN)/pytest -q -m "slow or kafka" --durations=25; slow=$$?; \
	echo "make test: quick tests exit $$quick, slow tests exit $$slow"; \
	test $$quick -eq 0 -a $$slow -eq 0

test-fast: $(STAMP) assets
	$(BIN)/pytest -q -m "not kafka and not slow"

test-broker-amnesia: $(STAMP)  ## the broker stopped 30 s and restarted empty (ADR 0032)
	PARLONS_TEST_BROKER_DOWN_S=30 $(BIN)/pytest -q tests/integration/test_broker_amnesia.py

test-routing-pairs: $(STAMP)  ## 40 identical ballots through two fronts, for 100 pairs
	PARLONS_ROUTING_PAIRS=100 $(BIN)/pytest -q tests/integration/test_command_routing_kafka.py \
		-k identical_ballots

test-kill-soak: $(STAMP)  ## 10 minutes of SIGKILLs every 5-20 s under writers, both topologies
	PARLONS_TEST_SOAK_S=600 $(BIN)/pytest -q -s tests/integration/test_kill_soak.py

FUZZ_SECONDS ?= 600
fuzz: $(STAMP)  ## every fuzz target FUZZ_SECONDS each (make test runs 3 s each)
	PARLONS_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest -q tests/fuzz

accessibility-audit: $(STAMP) assets chromium  ## the browser tests' axe-core results -> /accessibilite
	rm -rf var/axe && mkdir -p var/axe
	PARLONS_AXE_RECORD=$(CURDIR)/var/axe $(BIN)/pytest -q tests/e2e
	$(BIN)/python -m services.web.public.audit_summary var/axe \
	  > services/web/public/data/accessibility_audit.json

lint: $(STAMP)  ## ruff, mypy strict, the layering contracts (pyproject: importlinter), bandit, hadolint
	$(BIN)/ruff check services tests bench k8s loadtests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r services --severity-level medium  # ADR 0048: every finding fixed or justified inline
	$(BIN)/hadolint deploy/Dockerfile
	$(BIN)/python k8s/generate.py --check

# The SBOM of what ships: the runtime dependencies of pyproject.toml installed
# alone in a throwaway virtualenv (no test or lint tool), described by
# cyclonedx-py (CycloneDX JSON, reproducible: no timestamp, no serial number).
SBOM_VENV := .sbom-venv
SBOM ?= sbom.cdx.json
sbom: $(STAMP)  ## CycloneDX SBOM of the runtime dependencies -> $(SBOM) (ADR 0048)
	rm -rf $(SBOM_VENV)
	$(PY) -m venv $(SBOM_VENV)
	$(SBOM_VENV)/bin/pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > $(SBOM_VENV)/requirements.txt
	$(SBOM_VENV)/bin/pip install --quiet -r $(SBOM_VENV)/requirements.txt
	$(BIN)/cyclonedx-py environment --pyproject pyproject.toml --mc-type application \
	    --output-reproducible --output-format JSON -o $(SBOM) $(SBOM_VENV)
	rm -rf $(SBOM_VENV)
	@echo "$(SBOM): $$($(PY) -c "import json; print(len(json.load(open('$(SBOM)'))['components']))") components"

FRONTS ?= 1
REPLICAS ?= 1
run-distributed: $(STAMP) assets  ## broker + REPLICAS worker processes per service + FRONTS HTTP fronts
	FRONTS=$(FRONTS) REPLICAS=$(REPLICAS) bash deploy/run_distributed.sh

# The container image (deploy/Dockerfile; needs a container engine, which CI and
# the development machines do not have: docs/operations.md).
IMAGE ?= parlons:0.1.0
image:  ## build the one image of every role: docker (or podman) build
	$${CONTAINER_ENGINE:-docker} build -f deploy/Dockerfile -t $(IMAGE) .

OVERLAY ?= dev
k8s: $(STAMP)  ## print the manifests of k8s/overlays/$(OVERLAY) (kubectl kustomize)
	$(BIN)/kubectl kustomize k8s/overlays/$(OVERLAY)

k8s-generate: $(STAMP)  ## rewrite the generated manifests (topics, workers, jobs, autoscaling)
	$(BIN)/python k8s/generate.py

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(SBOM_VENV)

include web.mk  # assets (npm -> services/web/static/vendor) and chromium for e2e
