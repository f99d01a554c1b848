"""The committed partitions `gmp gaps` (and `gmp status`, for a snapshot a backfill took on a
later day) need, read from the lake with one listing per endpoint."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from extractor.gaps import Partition, read_partition
from extractor.lake import Lake
from extractor.layout import MANIFEST, RUN_DATE, join_key
from gmp.endpoints import Endpoint, Mode

READERS = 8  # manifests fetched at once (give the Lake as many connections)


def committed_days(lake: Lake, endpoint: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from `first` to `last` whose partition has a manifest: one paginated LIST of
    `{endpoint}/run_date=…` starting at `first`, in key order, stopped past `last`."""
    folder = join_key(lake.prefix, endpoint, f"{RUN_DATE}=")
    start_after = folder + (first - dt.timedelta(days=1)).isoformat() + "/~"
    found: list[dt.date] = []
    for item in lake.listing(folder, start_after=start_after):
        day_text, _, name = item.key[len(folder) :].partition("/")
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            continue  # not a partition folder the pipeline wrote
        if day > last:
            break
        if name == MANIFEST and day >= first:
            found.append(day)
    return found


def committed_partitions(
    lake: Lake, endpoint: Endpoint, first: dt.date, last: dt.date, *, span_days: int
) -> list[Partition]:
    """The committed partitions that can cover days `first`..`last`: those in the range, and for
    a snapshot also those up to `span_days - 1` days later (a backfill's snapshot, on its last
    day, covers at most `span_days` days: one backfill workflow's limit)."""
    if endpoint.mode is Mode.SNAPSHOT:
        last = last + dt.timedelta(days=span_days - 1)
    days = committed_days(lake, endpoint.name, first, last)

    def read(day: dt.date) -> Partition | None:
        manifest = lake.manifest(endpoint.name, day)
        if manifest is None:  # gone since the listing: a re-run is swapping it in
            return None
        return read_partition(endpoint, day, manifest)

    with ThreadPoolExecutor(READERS) as pool:
        return [p for p in pool.map(read, days) if p is not None]


def covering_snapshot(
    lake: Lake, endpoint: Endpoint, day: dt.date, *, span_days: int
) -> Partition | None:
    """The earliest complete snapshot after `day` whose `covers_from` reaches back to it (a
    backfill's, taken on its last day), or None. One listing of the `span_days - 1` days after
    `day`, then their manifests in date order, `READERS` at a time, stopping at the first cover."""
    if endpoint.mode is not Mode.SNAPSHOT:
        return None
    later = committed_days(
        lake, endpoint.name, day + dt.timedelta(days=1), day + dt.timedelta(days=span_days - 1)
    )

    def read(later_day: dt.date) -> Partition | None:
        manifest = lake.manifest(endpoint.name, later_day)
        return None if manifest is None else read_partition(endpoint, later_day, manifest)

    with ThreadPoolExecutor(READERS) as pool:
        for i in range(0, len(later), READERS):
            for found in pool.map(read, later[i : i + READERS]):
                if found is not None and found.covers(day):
                    return found
    return None
