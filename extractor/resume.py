"""What a backfill still has to extract: its range less what the lake already holds committed.

A backfill (re-run, or resumed after a failure) asks RAWG nothing about a partition that is
already committed: `gmp dates` lists only the days with per-day work left, each with just the
endpoints it lacks, `gmp dates --snapshots` only the snapshots the range still needs, and the
quota guard and `gmp plan --start --end` cost only those. "Committed" is what `gmp gaps` calls
covered (extractor/gaps.py `find_gaps`): a per-day partition with a manifest that is not
incomplete (a `game_details` one that left games to the backlog counts), and for a snapshot, any
committed snapshot whose day or `covers_from` span covers the day. `--refresh` takes everything
again. The range's transform still builds every day of it (workflows/backfill.py).

Cost: one LIST per endpoint plus one GET per committed manifest (extractor/gaps_lake.py) —
about 730 small GETs for a full year of `games` + `game_details`, a few seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from extractor.gaps import find_gaps
from extractor.gaps_lake import committed_partitions
from extractor.lake import Lake
from gmp.endpoints import Endpoint, Mode


@dataclass(frozen=True)
class Todo:
    """The work a backfill of `days` has left, per endpoint."""

    days: list[dt.date]
    endpoints: list[Endpoint]
    left: dict[str, list[dt.date]] = field(default_factory=dict)  # endpoint -> days to extract

    def days_of(self, endpoint: Endpoint) -> list[dt.date]:
        """The days `endpoint` is still extracted for (a snapshot: the range's last day, once)."""
        return self.left.get(endpoint.name, [])

    @property
    def per_day(self) -> list[Endpoint]:
        return [e for e in self.endpoints if e.mode is not Mode.SNAPSHOT]

    @property
    def snapshots(self) -> list[Endpoint]:
        """The snapshot endpoints still to take (on the range's last day)."""
        return [e for e in self.endpoints if e.mode is Mode.SNAPSHOT and self.left.get(e.name)]

    def items(self) -> list[dict[str, Any]]:
        """The backfill's fan-out: each day with per-day work left and the endpoints it lacks
        (a comma list, the daily DAG's `endpoints`), in date order."""
        items = []
        for day in self.days:
            lacking = [e.name for e in self.per_day if day in self.left.get(e.name, [])]
            if lacking:
                items.append({"run_date": day.isoformat(), "endpoints": ",".join(lacking)})
        return items

    @property
    def committed_days(self) -> int:
        """Days of the range whose every per-day endpoint is committed already (0 when the
        backfill extracts no per-day endpoint)."""
        if not self.per_day:
            return 0
        busy = {d for e in self.per_day for d in self.left.get(e.name, [])}
        return sum(1 for d in self.days if d not in busy)

    def summary(self) -> str:
        """One line: what is skipped, for the logs, `gmp plan` and the guard."""
        skipped = [
            e.name for e in self.endpoints if e.mode is Mode.SNAPSHOT and e not in self.snapshots
        ]
        text = (
            f"{self.committed_days} of {len(self.days)} days already committed "
            f"({len(self.items())} to extract)"
        )
        if skipped:
            text += f"; snapshots already committed for the range: {', '.join(skipped)}"
        return text


def everything(endpoints: list[Endpoint], days: list[dt.date]) -> Todo:
    """`--refresh`: every endpoint on every day (snapshots once, on the last day)."""
    left = {e.name: ([days[-1]] if e.mode is Mode.SNAPSHOT else list(days)) for e in endpoints}
    return Todo(list(days), list(endpoints), left)


def todo(lake: Lake, endpoints: list[Endpoint], days: list[dt.date], *, span_days: int) -> Todo:
    """What the lake lacks for a backfill of `days`: read from the lake alone, no RAWG request.
    `span_days`: how far after a day a backfill's snapshot may lie and still cover it."""
    left: dict[str, list[dt.date]] = {}
    for endpoint in endpoints:
        committed = committed_partitions(lake, endpoint, days[0], days[-1], span_days=span_days)
        gaps = find_gaps(endpoint, days, committed).days
        if endpoint.mode is Mode.SNAPSHOT:
            left[endpoint.name] = [days[-1]] if gaps else []
        else:
            left[endpoint.name] = gaps
    return Todo(list(days), list(endpoints), left)


def backfill_todo(
    lake: Lake | None,
    endpoints: list[Endpoint],
    days: list[dt.date],
    *,
    refresh: bool,
    span_days: int,
) -> Todo:
    """`todo`, or everything when `refresh` is asked for or there is no lake to read here."""
    if refresh or lake is None:
        return everything(endpoints, days)
    return todo(lake, endpoints, days, span_days=span_days)
