"""Query windows: the filters that make one partition's request, and how to split them.

RAWG stops answering past ~250 pages per query, so a day with more games than that is
split into release-date windows (`dates=A,B`) small enough to page through completely.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from extractor.endpoints import PAGE_SIZE, Endpoint, Mode

EARLIEST_RELEASE = dt.date(1900, 1, 1)
LATEST_RELEASE = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class Window:
    """One query: the endpoint's filters, optionally narrowed to a release-date range."""

    params: dict[str, str]
    released: tuple[dt.date, dt.date] | None = None

    def query(self) -> dict[str, str]:
        if self.released is None:
            return dict(self.params)
        first, last = self.released
        return {**self.params, "dates": f"{first.isoformat()},{last.isoformat()}"}

    def halves(self) -> tuple[Window, Window] | None:
        """Two windows covering this one's release range, or None for a single day."""
        first, last = self.released or (EARLIEST_RELEASE, LATEST_RELEASE)
        if first >= last:
            return None
        middle = first + dt.timedelta(days=(last - first).days // 2)
        return (
            Window(self.params, (first, middle)),
            Window(self.params, (middle + dt.timedelta(days=1), last)),
        )


def partition_window(endpoint: Endpoint, run_date: dt.date) -> Window:
    """The whole partition as one query: games updated on run_date, or a full snapshot."""
    params = dict(endpoint.params)
    if endpoint.mode is Mode.INCREMENTAL:
        day = run_date.isoformat()
        params["updated"] = f"{day},{day}"
    return Window(params)


def pages_for(count: int) -> int:
    """Requests needed to page through `count` rows; an empty result still costs one."""
    return max(1, math.ceil(count / PAGE_SIZE))
