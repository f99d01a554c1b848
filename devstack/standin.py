"""An offline RAWG API stand-in: threaded HTTP/1.1 server, faults, request log, and a CLI."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import date
from types import TracebackType

from devstack.catalogue import REFERENCE_DAY, Catalogue, CatalogueConfig
from devstack.standin_drift import PayloadDrift
from devstack.standin_faults import FAULT_KINDS, Fault, FaultKind, RecordedRequest
from devstack.standin_http import HttpServer
from devstack.standin_pages import RawgApi

__all__ = [
    "FAULT_KINDS", "TODAY_ENV", "Fault", "FaultKind", "PayloadDrift", "RecordedRequest",
    "StandinServer", "main", "today_from_env",
]  # fmt: skip

TODAY_ENV = "GMP_STANDIN_TODAY"
"""A stand-in started by `python -m devstack.standin` or the sandbox (`gmp sandbox`) takes its
today from this variable (YYYY-MM-DD) unless told otherwise."""


def today_from_env() -> date | None:
    """The day in $GMP_STANDIN_TODAY; None when unset or empty; ValueError when not a date."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={text!r} is not a day (YYYY-MM-DD)") from None


class StandinServer:
    """RAWG under `url` ("http://127.0.0.1:PORT/api"), plus admin routes under /_standin/."""

    def __init__(
        self,
        catalogue: CatalogueConfig | Catalogue,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_s: float = 0.0,
        page_cap: int = 250,
        drift: PayloadDrift | None = None,
        today: date | None = None,
    ) -> None:
        self.catalogue = catalogue if isinstance(catalogue, Catalogue) else Catalogue(catalogue)
        self.api = RawgApi(self.catalogue, page_cap)
        self.api.drift = drift  # settable while running: `server.drift = PayloadDrift(...)`
        self.api.today = today  # settable while running: `server.today = date(...)`
        self.start_today = today  # what DELETE /_standin/today goes back to
        self.host, self.port = host, port
        self.latency_s = latency_s  # every /api request waits this long; settable while running
        self.stopping = threading.Event()
        self._requested_port = port
        self._started = False
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._httpd: HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if not self._started:
            raise RuntimeError("the RAWG stand-in has not been started; call start() first")
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104
        return f"http://{host}:{self.port}/api"

    @property
    def drift(self) -> PayloadDrift | None:
        return self.api.drift

    @drift.setter
    def drift(self, value: PayloadDrift | None) -> None:
        self.api.drift = value

    @property
    def today(self) -> date | None:
        """The stand-in's clock (RawgApi.today): the day RAWG's answers are "as of"."""
        return self.api.today

    @today.setter
    def today(self, value: date | None) -> None:
        self.api.today = value

    @property
    def page_cap(self) -> int:
        return self.api.page_cap

    @page_cap.setter
    def page_cap(self, value: int) -> None:
        self.api.page_cap = value

    def start(self) -> StandinServer:
        if self._httpd is not None:
            raise RuntimeError("the RAWG stand-in is already running")
        self.stopping.clear()
        self._httpd = HttpServer((self.host, self._requested_port), self)
        self.port = self._httpd.server_address[1]
        self._started = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"rawg-standin-{self.port}", daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections (hanging requests are woken up)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault (a copy: the server counts its `times` down, not yours)."""
        with self._lock:
            self._faults.append(dataclasses.replace(fault))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return [dataclasses.replace(f) for f in self._faults]

    def take_fault(self, path: str, page: int | None) -> Fault | None:
        """The first queued fault matching this request, counted down; None when it passes.
        A matching fault with `skip` left lets the request pass it, one fewer to skip."""
        with self._lock:
            for fault in self._faults:
                if fault.times != 0 and fault.matches(path, page):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    if fault.times > 0:
                        fault.times -= 1
                    taken = dataclasses.replace(fault)
                    self._faults = [f for f in self._faults if f.times != 0]
                    return taken
        return None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.standin",
        description="Serve an offline stand-in for the RAWG API (prints its base URL, "
        "runs until Ctrl-C/SIGTERM). Point RAWG_BASE_URL at the printed URL; any key works.",
    )
    defaults = CatalogueConfig()
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    # fmt: off
    parser.add_argument("--games-per-day", type=int, default=defaults.games_per_day,
                        help="games whose `updated` falls on each day (default %(default)s)")
    parser.add_argument("--catalogue-size", type=int, default=defaults.catalogue_size,
                        help="games in the catalogue, ids 1..N (default %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="delay before every /api answer, in ms (default %(default)s)")
    parser.add_argument("--page-cap", type=int, default=250,
                        help="pages past this answer 404 Invalid page (default %(default)s)")
    parser.add_argument("--tba-share", type=float, default=defaults.tba_share,
                        help="share of games with released=null (default %(default)s)")
    parser.add_argument("--seed", type=int, default=defaults.seed,
                        help="catalogue seed (default %(default)s)")
    parser.add_argument("--today", type=date.fromisoformat, metavar="DAY", default=None,
                        help="the stand-in's today: /games without updated= shows the catalogue "
                             "as of this day, details their latest update up to it; settable "
                             f"while running (POST /_standin/today); default ${TODAY_ENV} or, "
                             f"unset, {REFERENCE_DAY} for lists and the real date for details")
    parser.add_argument("--drift-from", type=date.fromisoformat, default=None, metavar="DAY",
                        help="from this day on, /games items lose `metacritic` and serve "
                             "`playtime` as a string (schema drift); default: never")
    # fmt: on
    args = parser.parse_args(argv)
    try:
        today = args.today or today_from_env()
        config = CatalogueConfig(
            catalogue_size=args.catalogue_size, games_per_day=args.games_per_day,
            tba_share=args.tba_share, seed=args.seed,
        )  # fmt: skip
    except ValueError as refused:
        parser.error(str(refused))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server = StandinServer(
        config, host=args.host, port=args.port, latency_s=args.latency_ms / 1000,
        page_cap=args.page_cap,
        drift=PayloadDrift(args.drift_from) if args.drift_from else None, today=today,
    )  # fmt: skip
    try:
        server.start()
    except OSError as refused:
        print(f"cannot listen on {args.host}:{args.port}: {refused}", file=sys.stderr)
        return 2
    try:
        print(server.url, flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
