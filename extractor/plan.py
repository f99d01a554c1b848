"""Request cost of a run or a backfill, learned from one cheap probe per endpoint and day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from extractor.client import RawgClient
from extractor.endpoints import PAGE_SIZE, Endpoint, Mode
from extractor.windows import pages_for, partition_window


@dataclass(frozen=True)
class PlanLine:
    endpoint: str
    run_date: dt.date
    count: int  # rows RAWG reports for the partition's query
    requests: int  # requests the extraction will make (a lower bound when not exact)
    exact: bool
    note: str = ""


def plan_partition(
    endpoint: Endpoint, run_date: dt.date, client: RawgClient, *, page_cap: int
) -> PlanLine:
    """One probe (`page_size=1`) for the count; the rest is arithmetic."""
    probe = client.get_page(endpoint.path, partition_window(endpoint, run_date).query(), 1, 1)
    return cost_of(endpoint, run_date, probe.count, page_cap=page_cap)


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
    if endpoint.mode is Mode.INCREMENTAL and pages > page_cap:
        # The first full-size request is spent learning that the day must be split, and each
        # over-full release-date window costs one more: only the page total is certain.
        return PlanLine(
            endpoint.name,
            run_date,
            count,
            pages + 1,
            False,
            "over RAWG's page cap: split into release-date windows (+1 request per split)",
        )
    return PlanLine(endpoint.name, run_date, count, pages, True)


def plan_run(
    endpoints: list[Endpoint], days: list[dt.date], client: RawgClient, *, page_cap: int
) -> list[PlanLine]:
    """Every (endpoint, day) of a run. Snapshots look the same every day: probed once."""
    lines: list[PlanLine] = []
    for endpoint in endpoints:
        if endpoint.mode is Mode.SNAPSHOT:
            first = plan_partition(endpoint, days[0], client, page_cap=page_cap)
            lines += [cost_of(endpoint, d, first.count, page_cap=page_cap) for d in days]
        else:
            lines += [plan_partition(endpoint, d, client, page_cap=page_cap) for d in days]
    return lines
