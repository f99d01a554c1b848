"""Extract one endpoint's partition: page through RAWG concurrently and commit it to the lake."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from extractor.client import Page, PageNotFound, RawgClient
from extractor.commit import DEFAULT_LEASE_SECONDS, PageEntry, PartitionWriter
from extractor.lake import Lake
from extractor.windows import (
    Window,
    pages_for,
    partition_window,
    single_day_reason,
    split_day,
    unreachable_reason,
)
from gmp import __version__
from gmp.endpoints import PAGE_SIZE, Endpoint, Mode
from gmp.errors import IncompleteExtract, Refused
from gmp.redact import strip_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractResult:
    endpoint: str
    run_date: dt.date
    pages: int
    records: int
    reported_count: int
    complete: bool
    requests: int
    retries: int
    seconds: float


@dataclass(frozen=True)
class _Planned:
    """A window whose count is known and fits under the page cap."""

    window: Window
    count: int
    pages: int
    first_number: int  # the partition-wide number of its page 1


_WRITERS = 4  # threads beyond the request slots, busy storing pages
T = TypeVar("T")


def run_bounded(
    pool: ThreadPoolExecutor, tasks: Iterator[Callable[[], T]], *, limit: int
) -> Iterator[T]:
    """Run tasks on the pool with at most `limit` queued or running, yielding results as they
    finish: memory stays flat however many pages a day has. The first failure is raised."""
    pending: set[Future[T]] = set()
    try:
        for task in tasks:
            pending.add(pool.submit(task))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        for future in as_completed(pending):
            yield future.result()
    finally:
        for future in pending:
            future.cancel()


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Extraction:
    """One endpoint, one run_date: fetch every page, stage it, check the sums, commit."""

    def __init__(
        self,
        endpoint: Endpoint,
        run_date: dt.date,
        *,
        client: RawgClient,
        lake: Lake,
        secret: str,
        concurrency: int,
        page_cap: int,
        max_pages: int | None = None,
        on_page: Callable[[int, int], None] | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        covers_from: dt.date | None = None,
        size: int | None = None,
    ) -> None:
        self.endpoint, self.run_date = endpoint, run_date
        # A backfill's one snapshot, taken on its last day, stands for the days from this one
        # (the manifest's `covers_from`, read by `gmp gaps`); None for a daily run.
        self._covers_from = covers_from
        self._client, self._secret = client, secret
        self._concurrency, self._page_cap = concurrency, page_cap
        # A panel takes the first `size` rows of its listing (its size setting): whole pages.
        self._size = size if endpoint.size_setting is not None else None
        if max_pages is None:
            max_pages = pages_for(self._size) if self._size is not None else endpoint.max_pages
        self._max_pages = max_pages
        self._writer = PartitionWriter(
            lake, endpoint.name, run_date, threads=concurrency, lease_seconds=lease_seconds
        )
        self._on_page = on_page or (lambda done, total: None)
        self._total_pages = 0
        self._done = 0
        self._lock = threading.Lock()

    def run(self) -> ExtractResult:
        """Extract and commit; on any failure the staged pages are cleared, nothing committed."""
        try:
            return self._run()
        except BaseException:
            self._writer.abort()
            raise

    def _run(self) -> ExtractResult:
        started, clock = now(), time.monotonic()
        requests_before, retries_before = self._client.requests_made, self._client.retries
        self._writer.begin()
        whole = partition_window(self.endpoint, self.run_date)
        first = self._fetch(whole, 1)
        # Every window is probed before any is paged: a day that cannot be served whole is
        # refused having spent only its probes.
        plan = list(self._plan_windows(whole, first))
        windows = [planned for planned, _ in plan]
        self._total_pages = sum(w.pages for w in windows)

        def tasks() -> Iterator[Callable[[], tuple[int, PageEntry]]]:
            for planned, page_one in plan:
                yield partial(self._store, planned, page_one, 1)
                for page in range(2, planned.pages + 1):
                    yield partial(self._fetch_and_store, planned, page)

        # More threads than requests in flight (the client caps those at `concurrency`), so
        # that writing a page to the lake never keeps a request slot idle.
        workers = self._concurrency + _WRITERS
        with ThreadPoolExecutor(workers, thread_name_prefix="page") as pool:
            entries = dict(run_bounded(pool, tasks(), limit=2 * workers))
        pages = [entries[n] for n in sorted(entries)]
        expected = sum(min(w.count, w.pages * PAGE_SIZE) for w in windows)
        records = sum(p.records for p in pages)
        complete = sum(w.count for w in windows) == first.count and expected == first.count
        if records != expected:
            raise IncompleteExtract(
                f"{self.endpoint.name} {self.run_date}: fetched {records} records but RAWG "
                f"reported {expected}; nothing committed — re-run the partition"
            )
        manifest = self._manifest(windows, records, first.count, complete, started)
        self._writer.commit(manifest, pages)
        return ExtractResult(
            self.endpoint.name,
            self.run_date,
            len(pages),
            records,
            first.count,
            complete,
            self._client.requests_made - requests_before,
            self._client.retries - retries_before,
            time.monotonic() - clock,
        )

    def _plan_windows(self, whole: Window, first: Page) -> Iterator[tuple[_Planned, Page]]:
        """Windows in a stable order, each small enough for RAWG's page cap, with page 1."""
        number = 1
        cap_rows = self._page_cap * PAGE_SIZE
        if self.endpoint.mode is Mode.SNAPSHOT or first.count <= cap_rows:
            pages = pages_for(first.count)
            if self._max_pages is not None:
                pages = min(pages, self._max_pages)
            if pages > self._page_cap:
                raise IncompleteExtract(
                    f"{self.endpoint.name} has {first.count} rows, more than RAWG serves in one "
                    f"query ({self._page_cap} pages); cap it with --max-pages"
                )
            yield _Planned(whole, first.count, pages, number), first
            return
        if whole.halves() is None:  # one release day (games_released): no window narrows it
            raise Refused(
                f"{self.endpoint.name} {self.run_date} refused before paging (spent 1 request "
                f"on its count): {single_day_reason(self.run_date, first.count, self._page_cap)}"
            )
        page_ones: dict[tuple[tuple[str, str], ...], Page] = {}  # each window's page 1, kept

        def probe(window: Window) -> int:
            page_ones[tuple(sorted(window.query().items()))] = page = self._fetch(window, 1)
            return page.count

        split = split_day(whole, first.count, cap_rows, probe)
        reason = unreachable_reason(split, self._page_cap)
        if reason is not None:
            raise Refused(
                f"{self.endpoint.name} {self.run_date} refused before paging (spent "
                f"{1 + split.probes} requests on counts): {reason}"
            )
        if split.reachable != first.count:
            raise IncompleteExtract(
                f"{self.endpoint.name} {self.run_date}: release-date windows count "
                f"{split.reachable} games but the day reports {first.count} (RAWG's data moved "
                "while probing); nothing committed — re-run the partition"
            )
        for window, rows in split.windows:
            planned = _Planned(window, rows, pages_for(rows), number)
            number += planned.pages
            yield planned, page_ones[tuple(sorted(window.query().items()))]

    def _fetch(self, window: Window, page: int) -> Page:
        try:
            return self._client.get_page(self.endpoint.path, window.query(), page, PAGE_SIZE)
        except PageNotFound:
            raise IncompleteExtract(
                f"{self.endpoint.name} {self.run_date}: page {page} vanished while paging "
                "(RAWG's data moved); nothing committed — re-run the partition"
            ) from None

    def _fetch_and_store(self, planned: _Planned, page: int) -> tuple[int, PageEntry]:
        return self._store(planned, self._fetch(planned.window, page), page)

    def _store(self, planned: _Planned, page: Page, page_in_window: int) -> tuple[int, PageEntry]:
        expected = min(PAGE_SIZE, planned.count - (page_in_window - 1) * PAGE_SIZE)
        if page.count != planned.count or page.results != max(0, expected):
            raise IncompleteExtract(
                f"{self.endpoint.name} {self.run_date}: page {page_in_window} of "
                f"{planned.window.query()} does not match the count RAWG reported "
                f"({page.results} rows, count {page.count} vs {planned.count}); re-run"
            )
        number = planned.first_number + page_in_window - 1
        body = strip_key(page.body, self._secret)
        entry = self._writer.put_page(number, body, page.results)
        with self._lock:
            self._done += 1
            done = self._done
        log.debug(
            "page stored",
            extra={"endpoint": self.endpoint.name, "run_date": str(self.run_date), "page": number},
        )
        self._on_page(done, self._total_pages)
        return number, entry

    def _manifest(
        self, windows: list[_Planned], records: int, reported: int, complete: bool, started: str
    ) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint.name,
            "run_date": self.run_date.isoformat(),
            "mode": self.endpoint.mode.value,
            "request": {
                "path": self.endpoint.path,
                "page_size": PAGE_SIZE,
                "max_pages": self._max_pages,
                **({"size": self._size} if self._size is not None else {}),
                "windows": [
                    {"params": w.window.query(), "count": w.count, "pages": w.pages}
                    for w in windows
                ],
            },
            "page_count": sum(w.pages for w in windows),
            "record_count": records,
            "reported_count": reported,
            "complete": complete,
            "started_at": started,
            "finished_at": now(),
            "extractor_version": __version__,
        } | ({"covers_from": self._covers_from.isoformat()} if self._covers_from else {})
