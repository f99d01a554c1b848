"""Gaps in the lake: the days of a range without a usable committed partition, and the
backfills that fill them (`gmp gaps`).

What counts as covered, per endpoint mode (gmp/endpoints.py):
- `games` (incremental) and `game_details` (detail): day D is covered by a committed partition
  of D that is not incomplete (`is_incomplete`). The daily run takes both every day, so a day
  without `game_details` is a gap even where `games` is missing too: the fill command names both,
  and the backfill extracts `games` before `game_details` on each day.
- snapshots (`genres`, `platforms`, ...): RAWG keeps no history of them, so a snapshot stands
  for the days it was taken for: its own run_date, and, for the one a backfill takes on its last
  day, every day from its manifest's `covers_from` to that last day.

Cost of reading the lake (extractor/gaps_lake.py): one paginated LIST per endpoint over the range
(for a snapshot, 365 days further: one backfill's reach), 1 request per 1,000 keys, pages and
manifests alike; then one GET per committed manifest found (its `complete`, `covers_from`), a few
at a time. Ten years of the six daily endpoints is about 22,000
small GETs: well under a minute and about a cent on S3; a 30-day check is ~180.
"""

from __future__ import annotations

import datetime as dt
import math
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gmp.endpoints import PAGE_SIZE, REGISTRY, Endpoint, Mode

ONE_DAY = dt.timedelta(days=1)
COVERS_FROM = "covers_from"  # the manifest key a backfill's snapshot carries


@dataclass(frozen=True)
class DayRange:
    """Consecutive days, both ends included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


def merge_days(days: Iterable[dt.date]) -> list[DayRange]:
    """Days (any order, repeats allowed) as the fewest ranges of consecutive days, in order."""
    ranges: list[DayRange] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1].end + ONE_DAY == day:
            ranges[-1] = DayRange(ranges[-1].start, day)
        else:
            ranges.append(DayRange(day, day))
    return ranges


def is_incomplete(endpoint: Endpoint, manifest: Mapping[str, Any]) -> bool:
    """A committed partition that holds less than the daily run would have taken.

    `complete: false` means different things per mode (docs/lake.md): for a snapshot it is also
    written when the registry's page cap (`max_pages`) cut the list, which the daily run does on
    purpose; for `game_details` it means games were left to the backlog, which later days take.
    """
    if manifest.get("complete", True) is not False or endpoint.mode is Mode.DETAIL:
        return False
    if endpoint.mode is Mode.SNAPSHOT:
        request = manifest.get("request") or {}
        taken, cap = request.get("max_pages"), endpoint.max_pages
        size = request.get("size")
        if endpoint.size_setting is not None and isinstance(size, int) and size > 0:
            cap = math.ceil(size / PAGE_SIZE)  # a panel: the whole pages of the size it asked
        return not (cap is not None and isinstance(taken, int) and taken >= cap)
    return True


@dataclass(frozen=True)
class Partition:
    """A committed partition, as far as gaps need it."""

    run_date: dt.date
    incomplete: bool = False
    covers_from: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        """Whether this complete partition stands for `day`: its own, or (a backfill's
        snapshot) any day from its `covers_from` to its run_date."""
        if self.incomplete:
            return False
        first = self.covers_from if self.covers_from is not None else self.run_date
        return first <= day <= self.run_date


def read_partition(endpoint: Endpoint, run_date: dt.date, manifest: Mapping[str, Any]) -> Partition:
    covers = manifest.get(COVERS_FROM)
    covers_from = None
    if endpoint.mode is Mode.SNAPSHOT and isinstance(covers, str):
        try:
            covers_from = min(dt.date.fromisoformat(covers), run_date)
        except ValueError:
            covers_from = None  # not a date: the snapshot stands for its own day only
    return Partition(run_date, is_incomplete(endpoint, manifest), covers_from)


@dataclass(frozen=True)
class EndpointGaps:
    endpoint: str
    missing: list[dt.date]  # no committed partition covers the day
    incomplete: list[dt.date]  # the day's committed partition is incomplete

    @property
    def days(self) -> list[dt.date]:
        return sorted({*self.missing, *self.incomplete})

    def as_json(self) -> dict[str, Any]:
        return {
            "missing": [r.as_json() for r in merge_days(self.missing)],
            "incomplete": [r.as_json() for r in merge_days(self.incomplete)],
            "gap_days": len(self.days),
        }


def find_gaps(endpoint: Endpoint, days: list[dt.date], committed: list[Partition]) -> EndpointGaps:
    """The days of `days` that `committed` (partitions of this endpoint, any dates) leaves
    uncovered, and those whose own partition is incomplete."""
    by_day = {p.run_date: p for p in committed}
    covered: set[dt.date] = {p.run_date for p in committed if not p.incomplete}
    if endpoint.mode is Mode.SNAPSHOT:
        for p in committed:
            if p.covers_from is not None and not p.incomplete:
                span = (p.run_date - p.covers_from).days
                covered.update(p.covers_from + ONE_DAY * i for i in range(span + 1))
    missing = [d for d in days if d not in covered and d not in by_day]
    incomplete = [d for d in days if d not in covered and d in by_day]
    return EndpointGaps(endpoint.name, missing, incomplete)


# -- the commands that fill them ---------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """One backfill: a range and the endpoints it extracts."""

    range: DayRange
    endpoints: tuple[str, ...]
    commands: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.range.as_json(),
            "endpoints": list(self.endpoints),
            "commands": self.commands,
        }


def _registry_order(names: Iterable[str]) -> tuple[str, ...]:
    wanted = set(names)
    return tuple(n for n in REGISTRY if n in wanted)


def fills(gaps: list[EndpointGaps]) -> list[Fill]:
    """The fewest backfills that fill every gap without re-extracting a covered per-day partition.

    Per-day endpoints (games, game_details): consecutive days missing the same set of them make
    one backfill. A backfill takes each snapshot once, on its last day, covering its whole range
    (workflows/backfill.py), so a snapshot's gap rides along with a per-day backfill whose range
    holds it; otherwise it gets a backfill of its own (one snapshot's worth of requests).
    """
    per_day: dict[dt.date, set[str]] = {}
    snapshot_ranges: list[tuple[DayRange, str]] = []
    for g in gaps:
        if REGISTRY[g.endpoint].mode is Mode.SNAPSHOT:
            snapshot_ranges += [(r, g.endpoint) for r in merge_days(g.days)]
        else:
            for day in g.days:
                per_day.setdefault(day, set()).add(g.endpoint)
    groups: list[tuple[DayRange, set[str]]] = []
    for day in sorted(per_day):
        if groups and groups[-1][0].end + ONE_DAY == day and groups[-1][1] == per_day[day]:
            groups[-1] = (DayRange(groups[-1][0].start, day), groups[-1][1])
        else:
            groups.append((DayRange(day, day), set(per_day[day])))
    alone: dict[DayRange, set[str]] = {}
    for snap, name in snapshot_ranges:
        host = next((g for g in groups if g[0].start <= snap.start and snap.end <= g[0].end), None)
        if host is not None:
            host[1].add(name)
        else:
            alone.setdefault(snap, set()).add(name)
    merged = [*groups, *alone.items()]
    return [
        Fill(r, _registry_order(names))
        for r, names in sorted(merged, key=lambda item: (item[0].start, item[0].end))
    ]


def chunked(r: DayRange, max_days: int) -> list[DayRange]:
    """`r` as consecutive ranges of at most `max_days` days (workflows/chunks.py's rule)."""
    return [
        DayRange(r.start + ONE_DAY * i, min(r.end, r.start + ONE_DAY * (i + max_days - 1)))
        for i in range(0, r.days, max_days)
    ]


def commands_for(fill: Fill, *, template: str, max_days: int) -> list[str]:
    """`gmp backfill` (which splits a long range itself), and one `argo submit` per workflow
    of at most `max_days` days."""
    endpoints = ",".join(fill.endpoints)
    r = fill.range
    lines = [f"gmp backfill --start {r.start} --end {r.end} --endpoints {endpoints}"]
    for part in chunked(r, max_days):
        lines.append(
            f"argo submit --from workflowtemplate/{template} -p start_date={part.start} "
            f"-p end_date={part.end} -p endpoints={shlex.quote(endpoints)}"
        )
    return lines
