"""What must hold before `gmp transform` starts dbt: a target the profile names, a usable DuckDB
file that no other process holds, and at least one committed partition to build from."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import yaml  # type: ignore[import-untyped]

from gmp.errors import GmpError, UsageError

DUCKDB_EXAMPLE = "DUCKDB_PATH=/var/lib/gmp/warehouse/game_market.duckdb"
# DuckDB 1.5's message when another process holds the file (src/common/file_system.cpp):
# `Could not set lock on file "P": Conflicting lock is held in EXE (PID N) by user U. ...`
_LOCK = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)"(?::\s*Conflicting lock is held in '
    r"(?P<exe>.+?) \(PID (?P<pid>\d+)\))?"
)


class WarehouseLocked(GmpError):
    """Another process holds the DuckDB file: exit 1, so a retry can find it free."""


def profile_targets(project_dir: Path, profiles_dir: Path) -> list[str]:
    """The target names of the project's profile in profiles.yml."""
    profiles = profiles_dir / "profiles.yml"
    if not profiles.is_file():
        raise UsageError(
            f"no profiles.yml in {profiles_dir}: set DBT_PROFILES_DIR to the folder that holds "
            "it, or unset it to use the project's (e.g. DBT_PROFILES_DIR=dbt)"
        )
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    name = project.get("profile", "")
    outputs = ((yaml.safe_load(profiles.read_text()) or {}).get(name) or {}).get("outputs") or {}
    if not outputs:
        raise UsageError(f"{profiles} has no profile {name!r} with outputs for this dbt project")
    return sorted(outputs)


def check_target(target: str, project_dir: Path, profiles_dir: Path) -> str:
    targets = profile_targets(project_dir, profiles_dir)
    if target not in targets:
        raise UsageError(
            f"setting DBT_TARGET={target!r} names no target in {profiles_dir / 'profiles.yml'} "
            f"(it has {', '.join(targets)}); e.g. DBT_TARGET=dev"
        )
    return target


def check_snowflake(env: Mapping[str, str]) -> None:
    """The prod profile's connection settings that have no usable default."""
    for name, example in (("SNOWFLAKE_ACCOUNT", "xy12345.eu-west-1"), ("SNOWFLAKE_USER", "gmp")):
        if not env.get(name, "").strip():
            raise UsageError(f"DBT_TARGET=prod needs {name}: e.g. {name}={example}")
    auth = ("DBT_ENV_SECRET_SNOWFLAKE_PASSWORD", "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY")
    if not any(env.get(n) for n in (*auth, "SNOWFLAKE_AUTHENTICATOR")):
        raise UsageError(
            "DBT_TARGET=prod needs a credential: DBT_ENV_SECRET_SNOWFLAKE_PASSWORD, "
            "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_AUTHENTICATOR (e.g. "
            "SNOWFLAKE_AUTHENTICATOR=externalbrowser)"
        )


def check_duckdb_path(text: str) -> Path:
    """A file DuckDB can create or open for writing, with its .wal beside it."""
    if text.strip() != text or text in (":memory:", "memory"):
        raise UsageError(f"setting DUCKDB_PATH={text!r} is not a file path; e.g. {DUCKDB_EXAMPLE}")
    path = Path(text).expanduser().resolve()
    if path.is_dir():
        raise UsageError(
            f"setting DUCKDB_PATH={text!r} is a folder, not a file; e.g. {DUCKDB_EXAMPLE}"
        )
    if not path.parent.is_dir():
        raise UsageError(
            f"setting DUCKDB_PATH={text!r}: its folder {path.parent} does not exist; create it "
            f"or choose another, e.g. {DUCKDB_EXAMPLE}"
        )
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(
            f"setting DUCKDB_PATH={text!r} is not writable by this user; e.g. {DUCKDB_EXAMPLE}"
        )
    return path


def locked_message(path: str, pid: str | None, exe: str | None) -> str:
    holder = f"process {pid} ({exe})" if pid else "another process"
    return (
        f"the warehouse {path} is locked by {holder}: DuckDB allows one writer; wait for it to "
        "finish or stop it, then run again (exit 1 is retried)"
    )


def check_unlocked(path: Path) -> None:
    """Fail in one line, before dbt starts, when another process holds the DuckDB file."""
    if not path.is_file():
        return
    import duckdb

    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        found = _LOCK.search(str(exc))
        if found:
            raise WarehouseLocked(
                locked_message(str(path), found.group("pid"), found.group("exe"))
            ) from None
        raise


# dbt's line for a failed data test: `1 of 101 FAIL 2 gates_stg_rawg__games ... [FAIL 2 in 0.05s]`
_FAILED_GATES = re.compile(r"\bFAIL \d+ (gates_\w+)")


class LockSpotter(io.TextIOBase):
    """Passes dbt's output through, remembering whether DuckDB reported a held lock and which
    `gates` tests failed."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out
        self.lock: re.Match[str] | None = None
        self.failed_gates: list[str] = []

    def isatty(self) -> bool:
        return self._out.isatty()

    def write(self, text: str) -> int:
        if self.lock is None:
            self.lock = _LOCK.search(text)
        for name in _FAILED_GATES.findall(text):
            if name not in self.failed_gates:
                self.failed_gates.append(name)
        return self._out.write(text)

    def flush(self) -> None:
        self._out.flush()

    def locked(self) -> WarehouseLocked | None:
        if self.lock is None:
            return None
        found = self.lock
        return WarehouseLocked(locked_message(found.group("path"), found["pid"], found["exe"]))


def require_committed(committed: Sequence[tuple[str, dt.date]], days: Sequence[dt.date]) -> None:
    """Refuse (exit 2) to build days of which no endpoint has a committed partition."""
    if committed:
        return
    span = f"run_date {days[0]}" + (f"..{days[-1]}" if len(days) > 1 else "")
    raise UsageError(
        f"no committed partition of any endpoint for {span}: nothing to build; extract first "
        "(gmp extract ENDPOINT --run-date D, or gmp run), or pass --allow-empty to build anyway"
    )
