"""The whole offline stack at once: RAWG stand-in + SeaweedFS, and the env pointing gmp at it."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
from datetime import date
from pathlib import Path
from types import TracebackType

from devstack.catalogue import CatalogueConfig
from devstack.s3server import SeaweedS3
from devstack.standin import StandinServer, today_from_env

SANDBOX_KEY = "sandbox-key-not-a-secret"  # the stand-in accepts any non-empty key
# Bigger than the tests' default catalogue, so that the release calendar has a handful of games
# each day (about 7 a day in 2022-2026) and the panels choose their 500 among many.
SANDBOX_CATALOGUE = 20_000


class Sandbox:
    """Starts both servers on free loopback ports; stops both on exit."""

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        games_per_day: int = 120,
        latency_s: float = 0.0,
        today: date | None = None,
        catalogue_size: int = SANDBOX_CATALOGUE,
    ) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="gmp-sandbox-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.s3 = SeaweedS3(self.data_dir / "s3")
        # `today`: the stand-in's clock (default $GMP_STANDIN_TODAY); POST /_standin/today moves it.
        self.rawg = StandinServer(
            CatalogueConfig(games_per_day=games_per_day, catalogue_size=catalogue_size),
            latency_s=latency_s,
            today=today or today_from_env(),
        )
        self.env: dict[str, str] = {}
        self._stopped = threading.Event()

    def __enter__(self) -> Sandbox:
        (self.data_dir / "s3").mkdir(exist_ok=True)
        credentials = self.s3.start()
        try:
            self.rawg.start()
        except BaseException:
            self.s3.stop()
            raise
        self.env = {
            "RAWG_BASE_URL": self.rawg.url,
            "RAWG_API_KEY": SANDBOX_KEY,
            **credentials.env(),
            "LAKE_PREFIX": "raw/rawg",
            "DUCKDB_PATH": str(self.data_dir / "warehouse.duckdb"),
            # Where the stand-in's clock is set: POST {"today": "YYYY-MM-DD"} (see standin_http).
            "GMP_STANDIN_ADMIN": self.rawg.url.removesuffix("/api") + "/_standin",
        }
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rawg.stop()
        self.s3.stop()
        if self._tmp:
            self._tmp.cleanup()

    def run(self, command: list[str]) -> int:
        """Run a command with the sandbox env on top of ours; its exit code."""
        return subprocess.call(command, env={**os.environ, **self.env})

    def wait(self) -> None:
        """Block until Ctrl-C or SIGTERM.

        Both handlers are installed here: a process started in the background by a shell
        without job control inherits SIGINT *ignored*, and "press Ctrl-C" must still work.
        """
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self._stopped.set())
        while not self._stopped.wait(0.5):
            pass
