"""Test helpers for the prod path: the Snowflake emulator process, a lake mirror, dbt on it."""

from __future__ import annotations

import contextlib
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from devstack.processes import stop_group
from extractor.layout import INCOMING

REPO = Path(__file__).resolve().parents[3]
DBT_PROJECT = REPO / "dbt"
EMULATOR_PYTHON = REPO / ".venv-snowflake" / "bin" / "python"
EMULATOR_SERVER = Path(__file__).with_name("emulator_server.py")
DBT = str(Path(sys.executable).with_name("dbt"))


class EmulatorError(RuntimeError):
    """The emulator could not be started."""


class SnowflakeEmulator:
    """fakesnow behind emulator_server.py, run from .venv-snowflake, on a free loopback port."""

    def __init__(self, log_path: Path, *, startup_timeout: float = 60.0) -> None:
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> SnowflakeEmulator:
        if not EMULATOR_PYTHON.exists():
            raise EmulatorError(
                f"{EMULATOR_PYTHON} is missing: run `make setup-snowflake` (make test does it)"
            )
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [str(EMULATOR_PYTHON), str(EMULATOR_SERVER), "--host", self.host, "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        try:
            self.port = self._read_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_port(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self._proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = self._proc.stdout.readline()
                if line.startswith("listening on http://"):
                    return int(line.strip().rsplit(":", 1)[1])
            if self._proc.poll() is not None:
                break
        tail = self.log_path.read_text(errors="replace")[-2000:]
        raise EmulatorError(f"the Snowflake emulator did not start; {self.log_path} ends:\n{tail}")

    def env(self, database: str) -> dict[str, str]:
        """What the `emulator` dbt target reads; one database per test keeps tests apart."""
        return {
            "SNOWFLAKE_EMULATOR_HOST": self.host,
            "SNOWFLAKE_EMULATOR_PORT": str(self.port),
            "SNOWFLAKE_DATABASE": database,
        }

    def connect(self, database: str, schema: str = "RAW") -> Any:
        import snowflake.connector

        return snowflake.connector.connect(
            user="fake",
            password="snow",
            account="emulator",
            host=self.host,
            port=self.port,
            protocol="http",
            database=database,
            schema=schema,
            login_timeout=10,
            network_timeout=60,
        )

    def query(self, database: str, sql: str) -> list[tuple[Any, ...]]:
        with contextlib.closing(self.connect(database)) as conn:
            return list(conn.cursor().execute(sql).fetchall())

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            stop_group(proc, timeout)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class LakeMirror:
    """A local copy of one lake prefix, for the emulator's file:// stage (it cannot read s3://).

    The loader then reads the same files, under the same relative keys, as it would from S3.
    """

    client: Any
    bucket: str
    prefix: str
    dest: Path

    @property
    def url(self) -> str:
        return self.dest.as_uri() + "/"

    def refresh(self) -> None:
        """Make the mirror equal to the lake prefix now (its staging area aside)."""
        wanted: set[Path] = set()
        root = self.prefix.rstrip("/") + "/"
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=root
        ):
            for item in page.get("Contents", []):
                relative = item["Key"][len(root) :]
                if relative.startswith(INCOMING + "/"):
                    continue
                target = self.dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                body = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                target.write_bytes(body)
                wanted.add(target)
        for path in self.dest.rglob("*"):
            if path.is_file() and path not in wanted:
                path.unlink()


@dataclass
class DbtResult:
    code: int
    output: str


@dataclass
class EmulatorDbt:
    """Runs the real dbt CLI on the `emulator` target, under a timeout, in its own target dir."""

    env: dict[str, str]
    work: Path
    mirror: LakeMirror | None = None
    runs: list[DbtResult] = field(default_factory=list)

    def __call__(self, *args: str, timeout: float = 240) -> DbtResult:
        proc = subprocess.run(
            [
                DBT,
                *args,
                "--target",
                "emulator",
                "--project-dir",
                str(DBT_PROJECT),
                "--profiles-dir",
                str(DBT_PROJECT),
            ],
            cwd=self.work,
            env={
                **self.env,
                **({"GMP_RAW_STAGE_URL": self.mirror.url} if self.mirror else {}),
                "DBT_TARGET_PATH": str(self.work / "target"),
                "DBT_LOG_PATH": str(self.work / "logs"),
            },
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = DbtResult(proc.returncode, proc.stdout + proc.stderr)
        self.runs.append(result)
        return result

    def ok(self, *args: str, timeout: float = 240) -> str:
        result = self(*args, timeout=timeout)
        assert result.code == 0, f"dbt {' '.join(args)} failed:\n{result.output[-6000:]}"
        return result.output
