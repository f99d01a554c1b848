"""Run dates: parsing and validating `YYYY-MM-DD` partitions and date ranges."""

from __future__ import annotations

import datetime as dt
import re

from extractor.errors import UsageError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_RANGE_DAYS = 3660


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_run_date(text: str, *, today: dt.date | None = None) -> dt.date:
    """A real calendar date strictly before today (UTC): RAWG's day must be over."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise UsageError(f"run date {text!r} is not in YYYY-MM-DD form (e.g. 2024-05-01)")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"run date {text!r} is not a real calendar date") from None
    today = today or today_utc()
    if day >= today:
        raise UsageError(
            f"run date {text} is not in the past: the latest complete day is "
            f"{today - dt.timedelta(days=1)} (UTC)"
        )
    return day


def parse_range(start: str, end: str, *, today: dt.date | None = None) -> list[dt.date]:
    """Every day from start to end, inclusive; both ends validated like a run date."""
    first = parse_run_date(start, today=today)
    last = parse_run_date(end, today=today)
    if last < first:
        raise UsageError(f"end date {last} is before start date {first}")
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise UsageError(f"range of {days} days is longer than the limit of {MAX_RANGE_DAYS}")
    return [first + dt.timedelta(days=i) for i in range(days)]
