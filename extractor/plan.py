"""Request cost of a run or a backfill, learned from one cheap probe per endpoint and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from extractor.backlog import SOURCE, backlog, listed_games
from extractor.client import RawgClient
from extractor.lake import Lake
from extractor.windows import Window, pages_for, partition_window, split_day, unreachable_reason
from gmp.endpoints import PAGE_SIZE, REGISTRY, Endpoint, Mode


@dataclass(frozen=True)
class PlanLine:
    endpoint: str
    run_date: dt.date
    count: int  # rows RAWG reports for the partition's query
    requests: int  # requests the extraction will make (a lower bound when not exact)
    exact: bool
    note: str = ""
    reachable: bool = True  # False: the extractor refuses the day (exit 5), spending `requests`


def plan_partition(
    endpoint: Endpoint, run_date: dt.date, client: RawgClient, *, page_cap: int
) -> PlanLine:
    """One probe (`page_size=1`) for the count; a `games` day over the page cap also has its
    release-date windows probed, as the extraction will, to know it can be served whole."""
    whole = partition_window(endpoint, run_date)

    def probe(window: Window) -> int:
        return client.get_page(endpoint.path, window.query(), 1, 1).count

    count = probe(whole)
    if endpoint.mode is Mode.INCREMENTAL and pages_for(count) > page_cap:
        return cost_of_split(endpoint, run_date, count, page_cap=page_cap, probe=probe)
    return cost_of(endpoint, run_date, count, page_cap=page_cap)


def cost_of_split(
    endpoint: Endpoint,
    run_date: dt.date,
    count: int,
    *,
    page_cap: int,
    probe: Callable[[Window], int],
) -> PlanLine:
    """The day's first page, one page per window probed, then the windows' other pages."""
    split = split_day(partition_window(endpoint, run_date), count, page_cap * PAGE_SIZE, probe)
    probes = 1 + split.probes
    reason = unreachable_reason(split, page_cap)
    if reason is not None:
        note = f"UNREACHABLE: {reason}"
        return PlanLine(endpoint.name, run_date, count, probes, True, note, reachable=False)
    pages = sum(pages_for(rows) - 1 for _, rows in split.windows)
    note = f"over RAWG's page cap: {len(split.windows)} release-date windows"
    return PlanLine(endpoint.name, run_date, count, probes + pages, True, note)


def cost_of(endpoint: Endpoint, run_date: dt.date, count: int, *, page_cap: int) -> PlanLine:
    pages = pages_for(count)
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


def plan_details(
    endpoint: Endpoint,
    days: list[dt.date],
    lake: Lake | None,
    *,
    cap: int,
    games_count: Callable[[dt.date], int],
) -> list[PlanLine]:
    """min(cap, backlog + the day's games) per day. The first day's backlog is read from the
    lake, as the extraction reads it; the day's games from its committed `games` partition, or
    RAWG's count when it is not committed yet. Later days of a range carry what the cap left."""
    lines: list[PlanLine] = []
    carried = 0
    for index, day in enumerate(days):
        if index == 0:
            carried, own, exact = _first_day(day, lake, cap, games_count)
        else:
            own = games_count(day)
            exact = lines[-1].exact and carried == 0
        requests = min(cap, carried + own)
        note = f"backlog {carried} + day {own}, cap {cap}"
        if lake is None:
            note += "; backlog unknown: LAKE_BUCKET is not set"
        elif not exact:
            note += "; at most: games listed again are fetched once"
        lines.append(PlanLine(endpoint.name, day, carried + own, requests, exact, note))
        carried = carried + own - requests
    return lines


def _first_day(
    day: dt.date, lake: Lake | None, cap: int, games_count: Callable[[dt.date], int]
) -> tuple[int, int, bool]:
    """(backlog, the day's own games not in it, exact) as the extraction will find them."""
    if lake is None:
        return 0, games_count(day), False
    carried = {c.game_id for c in backlog(lake, day, cap + 1)}
    committed = lake.manifest(SOURCE, day)
    if committed is None:  # RAWG's count; a game listed again today is fetched once
        return len(carried), games_count(day), not carried
    own = [c for c in listed_games(lake, committed) if c.game_id not in carried]
    return len(carried), len(own), True


def plan_run(
    endpoints: list[Endpoint],
    days: list[dt.date],
    client: RawgClient,
    *,
    page_cap: int,
    lake: Lake | None = None,
    details_cap: int = 0,
) -> list[PlanLine]:
    """Every (endpoint, day) of a run. Snapshots look the same every day: probed once. Detail
    endpoints reuse the `games` lines' counts (one probe a day when `games` is not planned)."""
    lines: list[PlanLine] = []
    for endpoint in endpoints:
        if endpoint.mode is Mode.SNAPSHOT:
            first = plan_partition(endpoint, days[0], client, page_cap=page_cap)
            lines += [cost_of(endpoint, d, first.count, page_cap=page_cap) for d in days]
        elif endpoint.mode is Mode.INCREMENTAL:
            lines += [plan_partition(endpoint, d, client, page_cap=page_cap) for d in days]

    def games_count(day: dt.date) -> int:
        planned = [line.count for line in lines if line.endpoint == SOURCE and line.run_date == day]
        if planned:
            return planned[0]
        return client.get_page(
            REGISTRY[SOURCE].path, partition_window(REGISTRY[SOURCE], day).query(), 1, 1
        ).count

    ordered: list[PlanLine] = []
    for endpoint in endpoints:
        if endpoint.mode is Mode.DETAIL:
            ordered += plan_details(endpoint, days, lake, cap=details_cap, games_count=games_count)
        else:
            ordered += [line for line in lines if line.endpoint == endpoint.name]
    return ordered
