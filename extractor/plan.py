"""Request cost of a run or a backfill, learned from one cheap probe per endpoint and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from extractor.backlog import SOURCE, listing
from extractor.client import RawgClient
from extractor.lake import Lake
from extractor.resume import Todo, everything
from extractor.windows import (
    Window,
    pages_for,
    partition_window,
    single_day_reason,
    split_day,
    unreachable_reason,
)
from gmp.endpoints import PAGE_SIZE, PANEL_ENDPOINTS, REGISTRY, Endpoint, Mode


@dataclass(frozen=True)
class PlanLine:
    endpoint: str
    run_date: dt.date
    count: int  # rows RAWG reports for the partition's query
    requests: int  # requests the extraction will make (a bound when not exact)
    exact: bool
    note: str = ""
    reachable: bool = True  # False: the extractor refuses the day (exit 5), spending `requests`
    upper_bound: bool = False  # not exact: `requests` is at most (True) or at least (False)
    saved: int = 0  # requests a snapshot taken once spares over one per day (a range)


def plan_partition(
    endpoint: Endpoint,
    run_date: dt.date,
    client: RawgClient,
    *,
    page_cap: int,
    sizes: Mapping[str, int] | None = None,
) -> PlanLine:
    """One probe (`page_size=1`) for the count; a `games` day over the page cap also has its
    release-date windows probed, as the extraction will, to know it can be served whole.
    `sizes`: the size settings' values (a panel takes its first N rows: whole pages)."""
    whole = partition_window(endpoint, run_date)

    def probe(window: Window) -> int:
        return client.get_page(endpoint.path, window.query(), 1, 1).count

    with client.tally.attributed(endpoint.name, run_date):  # the quota ledger's attribution
        count = probe(whole)
        if endpoint.mode is Mode.INCREMENTAL and pages_for(count) > page_cap:
            return cost_of_split(endpoint, run_date, count, page_cap=page_cap, probe=probe)
    return cost_of(endpoint, run_date, count, page_cap=page_cap, sizes=sizes)


def cost_of_split(
    endpoint: Endpoint,
    run_date: dt.date,
    count: int,
    *,
    page_cap: int,
    probe: Callable[[Window], int],
) -> PlanLine:
    """The day's first page, one page per window probed, then the windows' other pages."""
    if partition_window(endpoint, run_date).halves() is None:  # one release day: no split
        note = f"UNREACHABLE: {single_day_reason(run_date, count, page_cap)}"
        return PlanLine(endpoint.name, run_date, count, 1, True, note, reachable=False)
    split = split_day(partition_window(endpoint, run_date), count, page_cap * PAGE_SIZE, probe)
    probes = 1 + split.probes
    reason = unreachable_reason(split, page_cap)
    if reason is not None:
        note = f"UNREACHABLE: {reason}"
        return PlanLine(endpoint.name, run_date, count, probes, True, note, reachable=False)
    pages = sum(pages_for(rows) - 1 for _, rows in split.windows)
    note = f"over RAWG's page cap: {len(split.windows)} release-date windows"
    return PlanLine(endpoint.name, run_date, count, probes + pages, True, note)


def cost_of(
    endpoint: Endpoint,
    run_date: dt.date,
    count: int,
    *,
    page_cap: int,
    sizes: Mapping[str, int] | None = None,
) -> PlanLine:
    pages = pages_for(count)
    if endpoint.size_setting is not None and endpoint.size_setting in (sizes or {}):
        size = (sizes or {})[endpoint.size_setting]
        taken = min(pages, pages_for(size))
        note = f"the first {size:,} ({endpoint.size_setting}): at most {pages_for(size)} pages"
        return PlanLine(endpoint.name, run_date, count, taken, True, note)
    if endpoint.max_pages is not None and pages > endpoint.max_pages:
        return PlanLine(
            endpoint.name,
            run_date,
            count,
            endpoint.max_pages,
            True,
            f"capped at {endpoint.max_pages} pages ({endpoint.max_pages * PAGE_SIZE} rows)",
        )
    return PlanLine(endpoint.name, run_date, count, pages, True)


def snapshot_once(line: PlanLine, days: int) -> PlanLine:
    """A snapshot's line for a range of `days`: taken once, on the last day."""
    if days == 1:
        return line
    saved = line.requests * (days - 1)
    once = (
        f"taken once for the {days} days: {line.requests:,} requests instead of "
        f"{line.requests * days:,}"
    )
    note = f"{line.note}; {once}" if line.note else once
    return replace(line, note=note, saved=saved)


def plan_run(
    endpoints: list[Endpoint],
    days: list[dt.date],
    client: RawgClient,
    *,
    page_cap: int,
    lake: Lake | None = None,
    details_cap: int = 0,
    todo: Todo | None = None,
    sizes: Mapping[str, int] | None = None,
) -> list[PlanLine]:
    """Every (endpoint, day) of a run. Snapshots: one line, for the last day, as a backfill
    takes each snapshot once for its whole range (workflows/backfill.py), with what that saves
    over a snapshot per day. Detail endpoints reuse the `games` lines' counts (else the day's
    committed `games` partition's, else one probe a day).

    `todo` (a backfill's, extractor/resume.py): only the partitions it still lacks are planned,
    and probed; the committed ones cost nothing and are not asked about.
    """
    work = todo or everything(endpoints, days)
    lines: list[PlanLine] = []
    for endpoint in endpoints:
        if endpoint.mode is Mode.SNAPSHOT:
            if work.days_of(endpoint):
                lines.append(
                    snapshot_once(
                        plan_partition(endpoint, days[-1], client, page_cap=page_cap, sizes=sizes),
                        len(days),
                    )
                )
        elif endpoint.mode is Mode.INCREMENTAL:
            lines += [
                plan_partition(endpoint, d, client, page_cap=page_cap)
                for d in work.days_of(endpoint)
            ]

    def games_count(day: dt.date) -> int:
        planned = [line.count for line in lines if line.endpoint == SOURCE and line.run_date == day]
        if planned:
            return planned[0]
        committed = lake.manifest(SOURCE, day) if lake is not None else None
        if committed is not None and isinstance(committed.get("record_count"), int):
            return int(committed["record_count"])
        with client.tally.attributed(SOURCE, day):
            return client.get_page(
                REGISTRY[SOURCE].path, partition_window(REGISTRY[SOURCE], day).query(), 1, 1
            ).count

    def panel(day: dt.date) -> list[int] | int:
        """The day's panel games: by id where committed, else (a panel this run extracts that
        day) its size, an upper bound; a panel neither adds none."""
        ids: list[int] = []
        estimate = 0
        for name in PANEL_ENDPOINTS:
            committed = lake.manifest(name, day) if lake is not None else None
            if committed is not None and lake is not None:
                ids += [c.game_id for c in listing(lake, committed)]
            elif any(e.name == name for e in endpoints) and day in work.days_of(REGISTRY[name]):
                setting = REGISTRY[name].size_setting or ""
                estimate += (sizes or {}).get(setting, 0)
        return len(set(ids)) + estimate if estimate else ids

    from extractor.plan_details import plan_details

    ordered: list[PlanLine] = []
    for endpoint in endpoints:
        if endpoint.mode is Mode.DETAIL:
            detail_days = work.days_of(endpoint)
            if detail_days:
                ordered += plan_details(
                    endpoint, detail_days, lake, cap=details_cap, games_count=games_count,
                    panel=panel,
                )  # fmt: skip
        else:
            ordered += [line for line in lines if line.endpoint == endpoint.name]
    return ordered
