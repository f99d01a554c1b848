"""Names of every Argo and Kubernetes object the workflows use: the contract with the Helm chart.

| object | name |
|---|---|
| WorkflowTemplate, daily: entry DAG `daily` | `game-market-daily` |
| WorkflowTemplate, backfill: entry DAG `backfill` | `game-market-backfill` |
| CronWorkflow (runs the daily template for yesterday) | `game-market-daily` |
| image: validate, extract, dates, exit handler | `game-market-pipeline/extractor:<VERSION>` |
| image: transform | `game-market-pipeline/dbt:<VERSION>` |
| service account of every pod | `game-market-pipeline-workflow` |
| Secret; keys named like the env vars (`SECRET_KEYS`) | `game-market-pipeline-secrets` |
| ConfigMap for `envFrom` (non-secret settings) | `game-market-pipeline-config` |
| ConfigMap of semaphores, key `rawg-extractors` | `game-market-pipeline-sync` |
| mutex: one transform at a time (DuckDB) | `game-market-pipeline-dev-warehouse` |
| mutex: one extract per partition | `game-market-pipeline-extract-<endpoint>-<run_date>` |
| rendered YAML, written by `gmp render` | `helm/game-market-pipeline/files/` |

The daily DAG takes inputs `run_date`, `endpoints` (a JSON list or comma-separated names; the
fan-out reads `validate`'s normalised JSON list), `transform` (`"true"`; the backfill passes
`"false"` and builds the range once at the end) and `allow_over_quota` (`"false"`: `validate`
runs the quota guard; the backfill passes `"true"`, its `dates` step guarded the range). The
ConfigMap carries LAKE_BUCKET, LAKE_PREFIX, S3_ENDPOINT, RAWG_BASE_URL, DBT_TARGET, DUCKDB_PATH,
SNOWFLAKE_* and GMP_*. Per environment, Helm rewrites image registries/tags and may set the
backfill template's `parallelism`, the CronWorkflow's `schedules`/`timezone`/`suspend`,
resources and the namespace.
"""

from __future__ import annotations

from pathlib import Path

from gmp import __version__
from gmp.errors import AuthRefused, Refused, UsageError

PART_OF = "game-market-pipeline"
# pyproject.toml's version: the images' tag in the rendered YAML (the chart's appVersion matches).
VERSION = __version__

DAILY_TEMPLATE = "game-market-daily"
DAILY_ENTRY = "daily"
BACKFILL_TEMPLATE = "game-market-backfill"
BACKFILL_ENTRY = "backfill"
# The backfill's fan-out over days (its `parallelism`: days in flight), and the DAG it runs per
# day: a gate on the stop marker, the daily DAG, and the marker's writer when the day failed
# (see workflows.backfill: no template-level failFast over DAG children, which hangs on Argo).
BACKFILL_DAYS = "days"
BACKFILL_DAY = "backfill-day"
# No single Workflow covers more days than this (its node status must stay far below Argo's
# 1 MiB limit, workflow/packer/packer.go); longer ranges run as consecutive workflows.
MAX_WORKFLOW_DAYS = 366
CRON_WORKFLOW = "game-market-daily"

EXTRACTOR_IMAGE = f"game-market-pipeline/extractor:{VERSION}"
DBT_IMAGE = f"game-market-pipeline/dbt:{VERSION}"

SERVICE_ACCOUNT = "game-market-pipeline-workflow"
SECRET = "game-market-pipeline-secrets"  # noqa: S105 - a name, not a value
CONFIG_MAP = "game-market-pipeline-config"
SYNC_CONFIG_MAP = "game-market-pipeline-sync"
EXTRACTOR_SEMAPHORE_KEY = "rawg-extractors"
# What `gmp run` allows when there is no ConfigMap to read it from (the chart's default too).
EXTRACTOR_SEMAPHORE_DEFAULT = 4
WAREHOUSE_MUTEX = "game-market-pipeline-dev-warehouse"
# Per partition: Argo substitutes the template's inputs into lock names (ProcessArgs runs before
# TryAcquire, workflow/controller/operator.go `executeTemplate`). No `/` in it: lock keys are
# `<namespace>/Mutex/<name>` (workflow/sync/lock_name.go).
EXTRACT_MUTEX = "game-market-pipeline-extract-{endpoint}-{run_date}"

# Secret keys, named exactly like the env vars they become; optional ones may be absent
# (e.g. S3 credentials when the pod has an IAM role, Snowflake in dev).
EXTRACT_SECRETS: dict[str, bool] = {
    # Optional, so a Secret without it starts the pod and `gmp extract` exits 2 at once, saying so
    # (a required key would leave the pod in CreateContainerConfigError until its deadline).
    "RAWG_API_KEY": True,
    "AWS_ACCESS_KEY_ID": True,
    "AWS_SECRET_ACCESS_KEY": True,
}
TRANSFORM_SECRETS: dict[str, bool] = {
    "AWS_ACCESS_KEY_ID": True,
    "AWS_SECRET_ACCESS_KEY": True,
    "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": True,
}
# The exit handler POSTs failure alerts there when the key is set (gmp outcome); absent, no alert.
OUTCOME_SECRETS: dict[str, bool] = {"GMP_ALERT_WEBHOOK": True}
# The daily run's exit handler reads the lake for the drift summary (`gmp outcome`).
LAKE_SECRETS: dict[str, bool] = {"AWS_ACCESS_KEY_ID": True, "AWS_SECRET_ACCESS_KEY": True}
SECRET_KEYS = tuple(dict.fromkeys([*EXTRACT_SECRETS, *TRANSFORM_SECRETS, *OUTCOME_SECRETS]))

# Exit codes a retry cannot fix (CLI contract): bad input, a refused key, a refusal before spending.
NO_RETRY_EXIT_CODES: tuple[int, ...] = (
    UsageError.exit_code,
    AuthRefused.exit_code,
    Refused.exit_code,
)

CHART_DIR = Path(__file__).resolve().parent.parent / "helm" / "game-market-pipeline"
FILES_DIR = CHART_DIR / "files"
RENDERED_FILES = {
    "daily": "workflowtemplate-daily.yaml",
    "backfill": "workflowtemplate-backfill.yaml",
    "cron": "cronworkflow-daily.yaml",
}
