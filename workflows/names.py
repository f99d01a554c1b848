"""Names of every Argo and Kubernetes object the workflows use: the contract with the Helm chart.

| object | name |
|---|---|
| WorkflowTemplate, daily: entry DAG `daily` | `game-market-daily` |
| WorkflowTemplate, backfill: entry DAG `backfill` | `game-market-backfill` |
| CronWorkflow (runs the daily template for yesterday) | `game-market-daily` |
| image: validate, extract, dates, exit handler | `game-market-pipeline/extractor:0.1.0` |
| image: transform | `game-market-pipeline/dbt:0.1.0` |
| service account of every pod | `game-market-pipeline-workflow` |
| Secret; keys named like the env vars (`SECRET_KEYS`) | `game-market-pipeline-secrets` |
| ConfigMap for `envFrom` (non-secret settings) | `game-market-pipeline-config` |
| ConfigMap of semaphores, key `rawg-extractors` | `game-market-pipeline-sync` |
| mutex: one transform at a time (DuckDB) | `game-market-pipeline-dev-warehouse` |
| rendered YAML, written by `gmp render` | `helm/game-market-pipeline/files/` |

The daily DAG takes inputs `run_date`, `endpoints` (a JSON list) and `transform` (`"true"`; the
backfill passes `"false"` and builds the range once at the end). The ConfigMap carries
LAKE_BUCKET, LAKE_PREFIX, S3_ENDPOINT, RAWG_BASE_URL, DBT_TARGET, DUCKDB_PATH, SNOWFLAKE_* and
GMP_*. Per environment, Helm rewrites image registries/tags and may set the backfill template's
`parallelism`, the CronWorkflow's `schedules`/`timezone`/`suspend`, resources and the namespace.
"""

from __future__ import annotations

from pathlib import Path

from extractor.errors import AuthRefused, Refused, UsageError

PART_OF = "game-market-pipeline"
VERSION = "0.1.0"

DAILY_TEMPLATE = "game-market-daily"
DAILY_ENTRY = "daily"
BACKFILL_TEMPLATE = "game-market-backfill"
BACKFILL_ENTRY = "backfill"
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

# Secret keys, named exactly like the env vars they become; optional ones may be absent
# (e.g. S3 credentials when the pod has an IAM role, Snowflake in dev).
EXTRACT_SECRETS: dict[str, bool] = {
    "RAWG_API_KEY": False,
    "AWS_ACCESS_KEY_ID": True,
    "AWS_SECRET_ACCESS_KEY": True,
}
TRANSFORM_SECRETS: dict[str, bool] = {
    "AWS_ACCESS_KEY_ID": True,
    "AWS_SECRET_ACCESS_KEY": True,
    "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": True,
}
SECRET_KEYS = tuple(dict.fromkeys([*EXTRACT_SECRETS, *TRANSFORM_SECRETS]))

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
