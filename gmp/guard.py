"""Where the commands run the quota guard (extractor/budget.py): `gmp validate` (the daily DAG's
first step), `gmp dates` (the backfill's), and `gmp submit` / `submit-backfill` before they
submit. `gmp run` and `gmp backfill` get it through the templates' own steps.

Call it only once the inputs are checked: a bad date or endpoint spends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.context import lake_settings, quota_settings, rawg_settings
from gmp.endpoints import Endpoint
from gmp.roles import installed

if TYPE_CHECKING:
    from extractor.resume import Todo

log = logging.getLogger("gmp")

ALLOW_ENV = "GMP_ALLOW_OVER_QUOTA"  # how a workflow step receives allow_over_quota

# The one --allow-over-quota option of run, backfill, submit, submit-backfill, validate and dates.
AllowOverQuota = Annotated[
    bool,
    typer.Option(
        "--allow-over-quota",
        envvar=ALLOW_ENV,
        help="Run even if the plan exceeds what remains of the month's RAWG quota "
        "(the workflow parameter allow_over_quota=true).",
    ),
]


def guard(
    endpoints: list[Endpoint],
    days: list[dt.date],
    *,
    allow: bool,
    elsewhere: str,
    todo: Todo | None = None,
) -> None:
    """Refuse (exit 5) a run over the month's remaining quota. Without a RAWG key, a lake or
    the extract extra here, say in one log line that `elsewhere` guards, and refuse nothing.
    `todo`: a backfill's work left (extractor/resume.py), the only part planned and probed."""
    quota = quota_settings().monthly_quota  # a bad GMP_MONTHLY_QUOTA is exit 2, as anywhere
    if allow:
        log.info("quota guard off: allowed over quota (--allow-over-quota / allow_over_quota)")
        return
    rawg = rawg_settings(key_required=False)
    lake_config = lake_settings(bucket_required=False)
    missing = [
        what
        for what, ok in (
            ("RAWG_API_KEY unset", bool(rawg.api_key.get_secret_value().strip())),
            ("LAKE_BUCKET unset", bool(lake_config.bucket)),
            ("the extract extra not installed", all(installed(m) for m in ("boto3", "httpx"))),
        )
        if not ok
    ]
    if missing:
        log.info("quota guard not run here (%s): %s", ", ".join(missing), elsewhere)
        return
    from extractor.budget import check_budget
    from extractor.lake import Lake

    lake = Lake(lake_config)
    lake.check()
    check_budget(lake, rawg, endpoints, days, quota=quota, todo=todo)
