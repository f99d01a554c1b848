"""`gmp extract`'s options that tie one partition to a backfill's range: `--covers-from` (a
snapshot stands for the range) and `--once-from/--once-to` (a game's details once over it)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gmp.dates import parse_run_date
from gmp.endpoints import Endpoint, Mode
from gmp.errors import UsageError

if TYPE_CHECKING:
    from extractor.backlog import Once


def covers_from(target: Endpoint, day: dt.date, text: str | None) -> dt.date | None:
    """--covers-from: a snapshot endpoint's past day, not after the run date (exit 2 otherwise)."""
    if text is None:
        return None
    if target.mode is not Mode.SNAPSHOT:
        raise UsageError(
            f"--covers-from applies to snapshot endpoints; {target.name} is {target.mode.value}"
        )
    from workflows.names import MAX_WORKFLOW_DAYS

    first = parse_run_date(text, what="--covers-from date")
    if first > day:
        raise UsageError(f"--covers-from date {first} is after the run date {day}")
    if (day - first).days + 1 > MAX_WORKFLOW_DAYS:  # what one backfill workflow covers
        raise UsageError(
            f"--covers-from date {first} is more than {MAX_WORKFLOW_DAYS} days before the run "
            f"date {day}: a snapshot stands for at most one backfill workflow's range"
        )
    return first


def once_range(target: Endpoint, day: dt.date, start: str | None, end: str | None) -> Once | None:
    """--once-from/--once-to: the backfill's range holding `day`, for a detail endpoint. Both
    empty (or absent) mean none: Argo passes the daily DAG's unset parameters as ""."""
    start, end = start or None, end or None
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise UsageError("--once-from and --once-to go together: the backfill's first and last day")
    if target.mode is not Mode.DETAIL:
        raise UsageError(
            f"--once-from/--once-to apply to detail endpoints; {target.name} is {target.mode.value}"
        )
    from extractor.backlog import Once

    once = Once(
        parse_run_date(start, what="--once-from date"), parse_run_date(end, what="--once-to date")
    )
    if not once.holds(day):
        raise UsageError(f"the run date {day} is outside --once-from {start} --once-to {end}")
    return once
