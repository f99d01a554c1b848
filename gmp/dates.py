"""Run dates: parsing and validating `YYYY-MM-DD` partitions and date ranges."""

from __future__ import annotations

import datetime as dt
import re

from gmp.errors import UsageError

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MAX_RANGE_DAYS = 3660
# The earliest run date: RAWG's `updated` timestamps begin in the 2010s (RAWG, launched in 2016,
# took over an older catalogue), so no game can have been updated on an earlier day and a run
# for one would spend quota on nothing. The first day of that decade keeps every day that can
# hold data (docs/extractor.md "Dates" gives the reason).
MIN_RUN_DATE = dt.date(2010, 1, 1)
EXAMPLE = "2024-05-01"


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_run_date(text: str, *, today: dt.date | None = None, what: str = "run date") -> dt.date:
    """A real calendar date from MIN_RUN_DATE to yesterday (UTC): RAWG's day must be over.

    Exactly `YYYY-MM-DD`: surrounding whitespace is malformed input like any other.
    """
    if not _ISO_DATE.fullmatch(text):
        spaces = text != text.strip() and _ISO_DATE.fullmatch(text.strip())
        raise UsageError(
            f"{what} {text!r} is not in YYYY-MM-DD form (e.g. {EXAMPLE})"
            + (": remove the surrounding whitespace" if spaces else "")
        )
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a real calendar date (e.g. {EXAMPLE})") from None
    if day < MIN_RUN_DATE:
        raise UsageError(
            f"{what} {text} is before {MIN_RUN_DATE}, where RAWG's `updated` data begins "
            f"(e.g. {EXAMPLE})"
        )
    today = today or today_utc()
    if day >= today:
        raise UsageError(
            f"{what} {text} is not in the past: the latest complete day is "
            f"{today - dt.timedelta(days=1)} (UTC)"
        )
    return day


def parse_range(start: str, end: str, *, today: dt.date | None = None) -> list[dt.date]:
    """Every day from start to end, inclusive; both ends validated like a run date."""
    first = parse_run_date(start, today=today, what="start date")
    last = parse_run_date(end, today=today, what="end date")
    if last < first:
        raise UsageError(f"end date {last} is before start date {first}")
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise UsageError(f"range of {days} days is longer than the limit of {MAX_RANGE_DAYS}")
    return [first + dt.timedelta(days=i) for i in range(days)]


def parse_days(
    run_date: str | None, start: str | None, end: str | None, *, today: dt.date | None = None
) -> list[dt.date]:
    """The days a command covers: `--run-date D`, or `--start D1 --end D2` (inclusive)."""
    if run_date and (start or end):
        raise UsageError("give either --run-date or --start/--end, not both")
    if run_date:
        return [parse_run_date(run_date, today=today)]
    if start and end:
        return parse_range(start, end, today=today)
    raise UsageError("give --run-date D, or --start D1 --end D2")
