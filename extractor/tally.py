"""Counts every request sent to RAWG, by (endpoint, run_date, UTC day it was sent).

The client calls `count()` once per attempt (probes, retries, 429s, 5xx, 404s, 401s alike), at
the one place an attempt is sent. What a request is counted against is the tally's current
attribution, set by the caller around the work (`with client.tally.attributed("games", day):`).

The attribution is client-wide, not per thread: the extractor's page and detail fetches run on a
thread pool, and every worker must count against the partition its caller set. A client serves
one partition at a time (one `gmp extract` per process; `gmp plan` probes one endpoint and day
after the other), which is what makes a single current attribution correct.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# (endpoint, run_date "YYYY-MM-DD" or "" when none, day "YYYY-MM-DD" the requests were sent, UTC)
Key = tuple[str, str, str]
UNATTRIBUTED = "unattributed"


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class RequestTally:
    """Thread-safe counts of requests sent, with a delta that a ledger writer takes and records."""

    def __init__(self, today: Callable[[], dt.date] = utc_today) -> None:
        self._lock = threading.Lock()
        self._today = today
        self._current: tuple[str, str] = (UNATTRIBUTED, "")
        self._pending: dict[Key, int] = {}  # counted, not yet taken by a ledger writer
        self.total = 0

    @contextmanager
    def attributed(self, endpoint: str, run_date: dt.date | str | None) -> Iterator[None]:
        """Count the requests sent inside the block (by any thread) against endpoint, run_date."""
        day = run_date.isoformat() if isinstance(run_date, dt.date) else (run_date or "")
        with self._lock:
            before, self._current = self._current, (endpoint, day)
        try:
            yield
        finally:
            with self._lock:
                self._current = before

    def count(self) -> None:
        """One request is about to be sent."""
        with self._lock:
            key = (*self._current, self._today().isoformat())
            self._pending[key] = self._pending.get(key, 0) + 1
            self.total += 1

    def take(self) -> dict[Key, int]:
        """The counts since the last take, and forget them (a writer records them)."""
        with self._lock:
            taken, self._pending = self._pending, {}
        return taken

    def give_back(self, counts: dict[Key, int]) -> None:
        """Counts a writer took but could not record: the next take has them again."""
        with self._lock:
            for key, n in counts.items():
                self._pending[key] = self._pending.get(key, 0) + n
