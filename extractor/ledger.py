"""The quota ledger: what every `gmp` command spent at RAWG, as create-only records in the lake.

    {prefix}/_ledger/month=YYYY-MM/<UTC timestamp>-<command>-<uuid4 hex>.json

One object per flush, never rewritten: concurrent writers (the cron run, a backfill, a person's
`gmp plan`) each add their own records and nobody reads, modifies and writes a shared object.
The month is the UTC calendar month in which the requests were SENT (RAWG's quota month), not
the partition's run_date. A record:

    {"command": "extract", "at": "2026-12-02T13:38:04+00:00", "host": "<pod or host name>",
     "entries": [{"endpoint": "games", "run_date": "2024-05-01", "day": "2026-12-02",
                  "requests": 12}]}

`recording(...)` writes the deltas of a tally every `interval` seconds and once more when the
block ends, failed or not (SIGTERM included); a failed write is a warning, never the error.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from extractor.lake import Lake
from extractor.layout import join_key
from extractor.tally import Key, RequestTally
from gmp.errors import Terminated, UsageError

log = logging.getLogger(__name__)

LEDGER = "_ledger"
FLUSH_INTERVAL_S = 30.0
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def current_month() -> str:
    """RAWG's month: the calendar month in UTC, YYYY-MM."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m")


def parse_month(value: str) -> str:
    if not _MONTH.fullmatch(value.strip()):
        raise UsageError(f"--month {value!r} is not a month; use YYYY-MM, e.g. 2026-12")
    return value.strip()


def month_prefix(lake: Lake, month: str) -> str:
    return join_key(lake.prefix, LEDGER, f"month={month}") + "/"


def _host() -> str:
    return os.environ.get("HOSTNAME") or socket.gethostname()


def write_records(lake: Lake, command: str, counts: dict[Key, int]) -> list[str]:
    """One create-only record per month the counts fall in; the keys written. Nothing for
    empty counts."""
    by_month: dict[str, list[dict[str, object]]] = {}
    for (endpoint, run_date, day), n in sorted(counts.items()):
        if n:
            entry = {"endpoint": endpoint, "run_date": run_date, "day": day, "requests": n}
            by_month.setdefault(day[:7], []).append(entry)
    keys = []
    for month, entries in by_month.items():
        now = dt.datetime.now(dt.UTC)
        record = {
            "command": command,
            "at": now.isoformat(timespec="seconds"),
            "host": _host(),
            "entries": entries,
        }
        name = f"{now:%Y%m%dT%H%M%S}Z-{command}-{uuid.uuid4().hex}.json"
        key = month_prefix(lake, month) + name
        lake.put(key, json.dumps(record).encode())
        keys.append(key)
    return keys


def flush(lake: Lake, command: str, tally: RequestTally) -> None:
    """Record what the tally counted since the last flush; a failure is a warning (the counts
    stay in the tally for the next flush)."""
    counts = tally.take()
    if not counts:
        return
    try:
        write_records(lake, command, counts)
    except Exception as exc:  # the ledger never fails a run, nor hides its error
        tally.give_back(counts)
        log.warning(
            "could not write the quota ledger record (%s: %s); %d requests not recorded yet",
            type(exc).__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
            sum(counts.values()),
        )


TERMINATED = (
    "terminated (SIGTERM: the workflow was stopped or a deadline passed); the requests spent "
    "so far are in the quota ledger, nothing more was committed"
)


@contextmanager
def sigterm_raises(on_signal: Callable[[], None]) -> Iterator[None]:
    """Turn SIGTERM into `Terminated` in the main thread, so that `finally` blocks run (the
    ledger's last flush, the partition writer's abort); `on_signal` runs first.

    The command then exits 143 (gmp/errors.py Terminated). Argo retries 143 per the template's
    retryStrategy when only the pod's own activeDeadlineSeconds passed; a stopped or terminated
    workflow (`argo stop/terminate`, the workflow's deadline) is not retried by Argo.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        on_signal()
        raise Terminated(TERMINATED)

    before = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@dataclass
class _Flusher:
    """The daemon thread that writes the deltas: every `interval`, and at once when woken."""

    lake: Lake
    command: str
    tally: RequestTally
    interval: float
    wake: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            self.wake.wait(self.interval)
            self.wake.clear()
            flush(self.lake, self.command, self.tally)

    def now(self) -> None:
        self.wake.set()


@contextmanager
def recording(
    lake: Lake, command: str, tally: RequestTally, *, interval: float = FLUSH_INTERVAL_S
) -> Iterator[None]:
    """Record the tally's requests in the ledger while the block runs and when it ends, on
    failure too.

    SIGTERM inside the block wakes the writer thread at once (the main thread may still wait
    for requests in flight, past Kubernetes' grace period) and raises Terminated (exit 143).
    """
    flusher = _Flusher(lake, command, tally, interval)
    thread = threading.Thread(target=flusher.run, name="ledger", daemon=True)
    thread.start()
    try:
        with sigterm_raises(flusher.now):
            yield
    finally:
        flusher.stop.set()
        flusher.now()
        thread.join(timeout=10)
        flush(lake, command, tally)


@dataclass(frozen=True)
class MonthSpend:
    month: str
    total: int
    by_endpoint: dict[str, int]
    by_day: dict[str, int]
    by_command: dict[str, int]
    records: int


def read_month(lake: Lake, month: str) -> MonthSpend:
    """Everything the ledger holds for a month, summed."""
    total, records = 0, 0
    by_endpoint: dict[str, int] = {}
    by_day: dict[str, int] = {}
    by_command: dict[str, int] = {}
    for key in lake.keys(month_prefix(lake, month)):
        if not key.endswith(".json"):
            continue
        data = lake.get_json(key)
        if data is None:
            continue
        records += 1
        command = str(data.get("command", "?"))
        for entry in data.get("entries", []):
            n = int(entry.get("requests", 0))
            total += n
            endpoint, day = str(entry.get("endpoint", "?")), str(entry.get("day", "?"))
            by_endpoint[endpoint] = by_endpoint.get(endpoint, 0) + n
            by_day[day] = by_day.get(day, 0) + n
            by_command[command] = by_command.get(command, 0) + n
    return MonthSpend(
        month,
        total,
        dict(sorted(by_endpoint.items(), key=lambda kv: (-kv[1], kv[0]))),
        dict(sorted(by_day.items())),
        dict(sorted(by_command.items(), key=lambda kv: (-kv[1], kv[0]))),
        records,
    )
