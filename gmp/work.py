"""What a backfill's commands read of the lake before anything is spent: the partitions of the
range already committed (extractor/resume.py), skipped unless `--refresh`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.context import lake_settings
from gmp.roles import installed

if TYPE_CHECKING:
    from extractor.resume import Todo
    from gmp.endpoints import Endpoint

log = logging.getLogger("gmp")

REFRESH_ENV = "GMP_REFRESH"  # how a workflow step receives the template parameter `refresh`

# The one --refresh option of backfill, submit-backfill, dates and plan.
Refresh = Annotated[
    bool,
    typer.Option(
        "--refresh",
        envvar=REFRESH_ENV,
        help="Extract again the partitions of the range already committed (by default a "
        "backfill skips them and asks RAWG nothing about them; the workflow parameter "
        "refresh=true).",
    ),
]


def range_todo(endpoints: list[Endpoint], days: list[dt.date], *, refresh: bool) -> Todo:
    """The range's work left, read from the lake LAKE_BUCKET names. Everything with `refresh`,
    or when no lake can be read here (no LAKE_BUCKET, or the extract extra not installed)."""
    from extractor.resume import backfill_todo
    from workflows.names import MAX_WORKFLOW_DAYS

    settings = lake_settings(bucket_required=False)
    lake = None
    if not refresh and settings.bucket and installed("boto3"):
        from extractor.lake import Lake

        lake = Lake(settings)
        lake.check()
    work = backfill_todo(lake, endpoints, days, refresh=refresh, span_days=MAX_WORKFLOW_DAYS)
    if refresh:
        log.info("--refresh: every partition of the range is extracted again")
    elif lake is None:
        log.info("no lake to read here (LAKE_BUCKET unset): every partition counts as to do")
    else:
        log.info("backfill %s to %s: %s", days[0], days[-1], work.summary())
    return work
