"""Query windows: the filters that make one partition's request, and how to split them.

RAWG stops answering past ~250 pages per query, so a day with more games than that is
split into release-date windows (`dates=A,B`) small enough to page through completely.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gmp.endpoints import PAGE_SIZE, Endpoint, Mode

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
    """The whole partition as one query: games updated (or released) on run_date, or a full
    snapshot, narrowed to the endpoint's release-date range around run_date if it has one."""
    params = dict(endpoint.params)
    released = None
    if endpoint.released is not None:
        first, last = endpoint.released
        released = (run_date + dt.timedelta(days=first), run_date + dt.timedelta(days=last))
    if endpoint.mode is Mode.INCREMENTAL:
        if endpoint.day_filter == "dates":
            released = (run_date, run_date)
        else:
            day = run_date.isoformat()
            params[endpoint.day_filter] = f"{day},{day}"
    return Window(params, released)


def size_pages(endpoint: Endpoint, sizes: Mapping[str, int]) -> int | None:
    """The pages an endpoint takes at most by default: its size setting's rows as whole pages
    (ceil(N / PAGE_SIZE)), else the registry's `max_pages`; None = all."""
    if endpoint.size_setting is not None and endpoint.size_setting in sizes:
        return pages_for(sizes[endpoint.size_setting])
    return endpoint.max_pages


def pages_for(count: int) -> int:
    """Requests needed to page through `count` rows; an empty result still costs one."""
    return max(1, math.ceil(count / PAGE_SIZE))


@dataclass(frozen=True)
class Split:
    """A day over the page cap, cut into release-date windows by their counts alone."""

    windows: list[tuple[Window, int]]  # in release-date order, each with its row count
    count: int  # rows the whole day's query reports
    probes: int  # requests the split spent (one per window looked at)
    overfull: int  # rows released on single days that alone exceed the page cap

    @property
    def reachable(self) -> int:
        return sum(n for _, n in self.windows)

    @property
    def unreachable(self) -> int:
        """Rows no window can serve whole: undated games, and over-full single days."""
        return max(0, self.count - self.reachable)


def split_day(whole: Window, count: int, cap_rows: int, probe: Callable[[Window], int]) -> Split:
    """Halve the release-date range until every window fits under the cap, asking `probe`
    for each window's count. Nothing is paged: the caller decides from the counts whether the
    day can be served whole before spending anything more."""
    windows: list[tuple[Window, int]] = []
    pending = list(reversed(whole.halves() or ()))
    probes = overfull = 0
    while pending:
        window = pending.pop()
        rows = probe(window)
        probes += 1
        if rows > cap_rows:
            halves = window.halves()
            if halves is None:  # one release day alone is over the cap: cannot split further
                overfull += rows
                continue
            pending.extend(reversed(halves))
        elif rows:
            windows.append((window, rows))
    return Split(windows, count, probes, overfull)


def single_day_reason(run_date: dt.date, count: int, page_cap: int) -> str:
    """Why one release day over the page cap cannot be served whole (and what to do)."""
    cap_rows = page_cap * PAGE_SIZE
    return (
        f"{count} games were released on {run_date}, {count - cap_rows} more than RAWG serves "
        f"in one query ({page_cap} pages of {PAGE_SIZE}); a single release day cannot be split "
        "into release-date windows, so they cannot all be fetched. Retrying cannot fix it; "
        "leave the day out (`gmp plan` marks it unreachable) or, if your RAWG plan serves more "
        "pages per query, raise GMP_PAGE_CAP"
    )


def unreachable_reason(split: Split, page_cap: int) -> str | None:
    """Why a split day cannot be served whole (and what to do), or None when it can."""
    if split.unreachable == 0:
        return None
    undated = split.unreachable - split.overfull
    causes = []
    if undated > 0:
        causes.append(f"{undated} without a release date (no window reaches them)")
    if split.overfull:
        causes.append(f"{split.overfull} released on single days that exceed the cap alone")
    return (
        f"{split.unreachable} of its {split.count} games cannot be fetched: "
        f"{' and '.join(causes)}, past RAWG's cap of {page_cap} pages per query. Retrying "
        "cannot fix it; leave the day out (`gmp plan` marks it unreachable) or, if your RAWG "
        "plan serves more pages per query, raise GMP_PAGE_CAP"
    )
