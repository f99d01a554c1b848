"""Extract one day's `game_details`: `GET /games/{id}` for the selected games, landed in batches.

Which games, in which order: extractor/backlog.py. The bodies are fetched concurrently by the
same client as list pages (retries, exit codes 3/4/1); a 404 (RAWG deleted or merged the game)
is recorded in the manifest's `not_found` and skipped. Consecutive games are landed together,
BATCH_SIZE per file, in RAWG's list envelope `{"count","next":null,"previous":null,"results"}`
so that dbt reads them like list pages; each body is stored as received, the key stripped.
The partition is committed by the same writer and protocol as every endpoint (extractor/commit).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from extractor.backlog import LOOKBACK_DAYS, SOURCE, Candidate, Once, Selection, select
from extractor.client import NotFound, RawgClient
from extractor.commit import DEFAULT_LEASE_SECONDS, PageEntry, PartitionWriter
from extractor.extract import ExtractResult, now, run_bounded
from extractor.lake import Lake
from gmp import __version__
from gmp.endpoints import Endpoint
from gmp.redact import strip_key

log = logging.getLogger(__name__)

# Bodies per lake object. Measured (bench/bench_details.py, bench/README.md): DuckDB over httpfs
# reads a day of details in one request per object, so one file per game is the slowest layout.
BATCH_SIZE = 100
_WRITERS = 2


@dataclass(frozen=True)
class DetailResult(ExtractResult):
    not_found: int
    from_backlog: int
    fetched_in_range: int = 0  # the day's games another day of the backfill already answered


def envelope(bodies: list[bytes]) -> bytes:
    """RAWG's list envelope around bodies kept byte for byte."""
    head = b'{"count":%d,"next":null,"previous":null,"results":[' % len(bodies)
    return head + b",".join(bodies) + b"]}"


class DetailExtraction:
    """One run_date of a detail endpoint: select, fetch, land in batches, commit."""

    def __init__(
        self,
        endpoint: Endpoint,
        run_date: dt.date,
        *,
        client: RawgClient,
        lake: Lake,
        secret: str,
        concurrency: int,
        max_per_day: int,
        batch_size: int = BATCH_SIZE,
        lookback: int = LOOKBACK_DAYS,
        once: Once | None = None,
        on_page: Callable[[int, int], None] | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.endpoint, self.run_date = endpoint, run_date
        self._client, self._lake, self._secret = client, lake, secret
        self._concurrency, self._cap = concurrency, max_per_day
        self._batch, self._lookback, self._once = batch_size, lookback, once
        self._writer = PartitionWriter(
            lake, endpoint.name, run_date, threads=concurrency, lease_seconds=lease_seconds
        )
        self._on_page = on_page or (lambda done, total: None)
        self._gone: list[int] = []  # ids that answered 404, in fetch order

    def run(self) -> DetailResult:
        """Extract and commit; on any failure the staged pages are cleared, nothing committed."""
        try:
            return self._run()
        except BaseException:
            self._writer.abort()
            raise

    def _run(self) -> DetailResult:
        started, clock = now(), time.monotonic()
        requests_before, retries_before = self._client.requests_made, self._client.retries
        self._writer.begin()
        selection = select(self._lake, self.run_date, self._cap, self._lookback, self._once)
        games, size = selection.games, self._batch
        batches = [games[i : i + size] for i in range(0, len(games), size)] or [[]]
        answers: dict[int, bytes | None] = {}  # index in `games` -> body, None for a 404
        entries: list[PageEntry] = []

        def complete(number: int) -> bool:
            return all(
                i in answers for i in range(number * size, number * size + len(batches[number]))
            )

        workers = self._concurrency + _WRITERS
        tasks = (partial(self._fetch, index, game) for index, game in enumerate(games))
        with ThreadPoolExecutor(workers, thread_name_prefix="detail") as pool:
            for done, (index, body) in enumerate(run_bounded(pool, tasks, limit=2 * workers), 1):
                answers[index] = body
                self._on_page(done, len(games))
                # Land each batch once it and those before it are whole: memory holds about
                # one batch of bodies whatever the cap.
                while len(entries) < len(batches) and complete(len(entries)):
                    entries.append(self._store(len(entries), batches, answers))
        while len(entries) < len(batches):  # an empty day: one empty page, as for lists
            entries.append(self._store(len(entries), batches, answers))
        gone = set(self._gone)
        landed = [g.game_id for g in games if g.game_id not in gone]
        manifest = self._manifest(selection, landed, entries, started)
        self._writer.commit(manifest, entries)
        return DetailResult(
            self.endpoint.name, self.run_date, len(entries), len(landed), len(games),
            not selection.more, self._client.requests_made - requests_before,
            self._client.retries - retries_before, time.monotonic() - clock,
            not_found=len(self._gone), from_backlog=selection.from_backlog,
            fetched_in_range=selection.fetched_in_range,
        )  # fmt: skip

    def _fetch(self, index: int, game: Candidate) -> tuple[int, bytes | None]:
        path = self.endpoint.path.replace("{id}", str(game.game_id))
        try:
            body = strip_key(self._client.get_detail(path), self._secret)
        except NotFound:
            log.info(
                "game %d answered 404 (deleted or merged): recorded in not_found, skipped",
                game.game_id,
                extra={"endpoint": self.endpoint.name, "run_date": str(self.run_date)},
            )
            return index, None
        return index, body

    def _store(
        self, number: int, batches: list[list[Candidate]], answers: dict[int, bytes | None]
    ) -> PageEntry:
        first = number * self._batch
        batch: list[bytes] = []
        for offset, game in enumerate(batches[number]):
            body = answers.pop(first + offset)
            if body is None:
                self._gone.append(game.game_id)
            else:
                batch.append(body)
        return self._writer.put_page(number + 1, envelope(batch), len(batch))

    def _manifest(
        self,
        selection: Selection,
        landed: list[int],
        entries: list[PageEntry],
        started: str,
    ) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint.name,
            "run_date": self.run_date.isoformat(),
            "mode": self.endpoint.mode.value,
            "request": {
                "path": self.endpoint.path,
                "source": SOURCE,
                "max_per_day": self._cap,
                "lookback_days": self._lookback,
                "batch_size": self._batch,
                **self._range(),
            },
            "page_count": len(entries),
            "record_count": len(landed),
            "reported_count": len(selection.games),
            "complete": not selection.more,
            "day_games": selection.day_games,
            "from_backlog": selection.from_backlog,
            "from_panel": selection.from_panel,
            "fetched_in_range": selection.fetched_in_range,
            "game_ids": landed,
            "not_found": list(self._gone),
            "started_at": started,
            "finished_at": now(),
            "extractor_version": __version__,
        }

    def _range(self) -> dict[str, str]:
        """The backfill's range a game's details are fetched once over (none for a daily run)."""
        if self._once is None:
            return {}
        return {"once_from": self._once.start.isoformat(), "once_to": self._once.end.isoformat()}
