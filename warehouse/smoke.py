"""`make snowflake-smoke`: check the prod path on a real Snowflake account, and leave nothing there.

In two scratch schemas named from the UTC time (`GMP_SMOKE_<time>` for the models, `…_RAW` for
the raw tables and the stage) in SNOWFLAKE_DATABASE: load one day's committed partitions from the
user's lake, build that day with `gmp transform` on the prod target, build it on DuckDB in a
temporary file, compare every mart's row count, then drop both schemas, also on failure or
Ctrl-C. Each step prints how long it took. Without SNOWFLAKE_ACCOUNT: one line, exit 0.
Exit codes: 0 same counts; 1 a count differs or a step failed; 2 a setting is missing or wrong;
130 interrupted. The recipe: docs/snowflake.md, "Check a real account".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from gmp.errors import GmpError, UsageError
from gmp.redact import redact_text

if TYPE_CHECKING:
    from extractor.lake import Lake

NEEDS = (
    "snowflake-smoke: skipped (exit 0): it needs SNOWFLAKE_ACCOUNT and the other prod settings "
    "(SNOWFLAKE_USER, a credential, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_STORAGE_INTEGRATION, and the "
    "lake: LAKE_BUCKET, AWS credentials); see docs/snowflake.md"
)
SCRATCH_ENV = "GMP_SCRATCH_SCHEMA"  # generate_schema_name: every model in this one schema
MARTS = "marts"
_MARK = re.compile(r"smoke-(created|dropped|counts): (.+)$")
_TAIL = 40  # lines of a failed step's output shown
_STOP_WAIT = 30.0  # seconds a child gets to stop (dbt cancels its queries) before SIGKILL


class StepFailed(GmpError):
    """A command of the check failed; its output's tail says why."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


@dataclass
class Smoke:
    """One run of the check: where it builds, what it created, what it printed."""

    day: dt.date
    target: str
    database: str
    schema: str
    raw_schema: str
    partitions: list[dict[str, object]]
    work: Path
    out: TextIO
    verbose: bool = False
    secrets: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.out.write(redact_text(line, self.secrets) + "\n")
        self.out.flush()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.say(f"- {title}")
        started = time.monotonic()
        try:
            yield
        except BaseException:
            self.say(f"  failed after {time.monotonic() - started:.1f} s")
            raise
        self.say(f"  done in {time.monotonic() - started:.1f} s")

    # -- children ---------------------------------------------------------------------------

    def call(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> str:
        """Run a command in its own process group; its output, or StepFailed with its tail."""
        from workflows.runner import children

        proc = children.popen(
            argv,
            own_group=True,
            env=dict(env),
            cwd=self.work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
        lines: list[str] = []
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if self.verbose:
                    self.out.write("    " + redact_text(line, self.secrets))
            code = children.wait(proc)
        except BaseException:  # Ctrl-C, SIGTERM: let dbt cancel its queries, then end the group
            children.signal_group(proc, signal.SIGINT)
            if children.wait(proc, timeout=_STOP_WAIT) is None:
                children.signal_group(proc, signal.SIGKILL)
                proc.wait()
            raise
        output = "".join(lines)
        if code != 0:
            tail = "".join(lines[-_TAIL:])
            raise StepFailed(f"{name} failed (exit {code}); its output ends:\n{tail}", output)
        return output

    def dbt(self, name: str, *args: str) -> str:
        from warehouse.dbt import dbt_env, dbt_settings

        env = self.snowflake_env()
        settings = dbt_settings(env)
        command = [
            settings.executable, "--no-use-colors", *args, "--project-dir",
            str(settings.project_dir), "--profiles-dir", str(settings.profiles_dir),
            "--target", settings.target,
        ]  # fmt: skip
        return self.call(name, command, dbt_env(env, settings))

    def snowflake_env(self) -> dict[str, str]:
        """The user's environment pointed at the scratch schemas (dbt's files in the work dir)."""
        return {
            **os.environ,
            "DBT_TARGET": self.target,
            # Not SNOWFLAKE_SCHEMA: every model has a layer schema, which SCRATCH_ENV replaces
            # (and the emulator would create the login's schema before `create schema` runs).
            "SNOWFLAKE_RAW_SCHEMA": self.raw_schema,
            SCRATCH_ENV: self.schema,
            "DBT_TARGET_PATH": str(self.work / "snowflake" / "target"),
            "DBT_LOG_PATH": str(self.work / "snowflake" / "logs"),
        }

    def transform(self, name: str, env: Mapping[str, str]) -> str:
        argv = [sys.executable, "-m", "gmp", "transform", "--run-date", self.day.isoformat()]
        return self.call(name, argv, env)

    # -- the steps --------------------------------------------------------------------------

    def build_duckdb(self) -> dict[str, int]:
        env = {k: v for k, v in os.environ.items() if k != SCRATCH_ENV}
        warehouse = self.work / "duckdb" / "dev.duckdb"
        warehouse.parent.mkdir()
        self.transform("duckdb-build", {**env, "DBT_TARGET": "dev", "DUCKDB_PATH": str(warehouse)})
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables"
                    " where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                    [MARTS],
                ).fetchall()
            ]
            counts = {}
            for name in tables:
                row = con.table(f"{MARTS}.{name}").count("*").fetchone()
                counts[name] = int(row[0]) if row else 0
        return counts

    def create_schemas(self) -> None:
        args = json.dumps({"schemas": [self.schema, self.raw_schema]})
        try:
            self.dbt("create-schemas", "run-operation", "smoke_create_schemas", "--args", args)
        except StepFailed as exc:  # drop only what this run created
            self.created = [str(name) for name in marks(exc.output, "created")]
            raise
        except KeyboardInterrupt:  # output lost: both may exist; the names are this run's time
            self.created = [self.schema, self.raw_schema]
            raise
        self.created = [self.schema, self.raw_schema]

    def load(self) -> None:
        from warehouse.raw_load import sync_command

        # The call `gmp transform` makes first: the build's own load then finds them loaded.
        self.dbt("snowflake-load", *sync_command(self.partitions))

    def build_snowflake(self) -> None:
        self.transform("snowflake-build", self.snowflake_env())

    def snowflake_counts(self, tables: Sequence[str]) -> dict[str, int | None]:
        args = json.dumps({"schema": self.schema, "tables": list(tables)})
        output = self.dbt("snowflake-counts", "run-operation", "smoke_row_counts", "--args", args)
        found = marks(output, "counts")
        if len(found) != 1 or not isinstance(found[0], dict):
            raise StepFailed("the row counts were not found in dbt's output", output)
        return dict(found[0])

    def drop(self) -> None:
        """Drop what this run created; when that fails, say what to drop by hand."""
        if not self.created:
            return
        names = ", ".join(f"{self.database}.{s}" for s in self.created)
        by_hand = "; ".join(
            f"drop schema if exists {self.database}.{s} cascade" for s in self.created
        )
        try:
            with self.step(f"drop {names}"):
                args = json.dumps({"schemas": self.created})
                self.dbt("drop-schemas", "run-operation", "smoke_drop_schemas", "--args", args)
                self.created = []
        except (StepFailed, KeyboardInterrupt) as exc:
            detail = str(exc) if isinstance(exc, StepFailed) else "interrupted"
            self.say(f"snowflake-smoke: could not drop the scratch schemas ({detail})")
            self.say(f"snowflake-smoke: drop them by hand: {by_hand}")
            raise


def marks(output: str, what: str) -> list[object]:
    """The values a smoke macro logged as `smoke-<what>: <json>`."""
    found = []
    for line in output.splitlines():
        match = _MARK.search(line.strip())
        if match and match.group(1) == what:
            found.append(json.loads(match.group(2)))
    return found


def compare(smoke: Smoke, dev: Mapping[str, int], prod: Mapping[str, int | None]) -> list[str]:
    """Print each mart's count on both engines; the marts whose counts differ."""
    width = max(len(name) for name in dev)
    smoke.say(f"  {'mart':<{width}}  {'snowflake':>10}  {'duckdb':>10}")
    differ = []
    for name, count in sorted(dev.items()):
        other = prod.get(name)
        shown = "missing" if other is None else str(other)
        flag = "" if other == count else "   <- differs"
        if flag:
            differ.append(name)
        smoke.say(f"  {name:<{width}}  {shown:>10}  {count:>10}{flag}")
    return differ


def run(smoke: Smoke) -> int:
    """The check, in order; whatever it created is dropped however it ends."""
    started = time.monotonic()
    code = 1
    try:
        with smoke.step(f"gmp transform --run-date {smoke.day} on DuckDB (a temporary file)"):
            dev = smoke.build_duckdb()
        if not dev:
            raise StepFailed("the DuckDB build made no mart tables", "")
        with smoke.step(
            f"create transient schemas {smoke.database}.{smoke.schema}, {smoke.raw_schema}"
        ):
            smoke.create_schemas()
        loaded = [str(p["endpoint"]) for p in smoke.partitions if p["committed"]]
        with smoke.step(
            f"load {len(loaded)} committed partitions of {smoke.day}: {', '.join(loaded)}"
        ):
            smoke.load()
        with smoke.step(f"gmp transform --run-date {smoke.day} on Snowflake ({smoke.schema})"):
            smoke.build_snowflake()
        with smoke.step("count each mart's rows on Snowflake"):
            prod = smoke.snowflake_counts(sorted(dev))
        differ = compare(smoke, dev, prod)
        if differ:
            smoke.say(f"snowflake-smoke: FAILED: {len(differ)} marts differ: {', '.join(differ)}")
        else:
            code = 0
    except StepFailed as exc:
        smoke.say(f"snowflake-smoke: FAILED: {exc}")
    except KeyboardInterrupt:
        smoke.say("snowflake-smoke: interrupted")
        code = 130
    finally:
        try:
            smoke.drop()
        except (StepFailed, KeyboardInterrupt):
            code = code or 1
        shutil.rmtree(smoke.work, ignore_errors=True)
    verdict = {0: "OK: every mart has the same row count on both", 130: "interrupted"}.get(
        code, "not OK"
    )
    smoke.say(f"snowflake-smoke: {verdict} ({time.monotonic() - started:.0f} s in all)")
    return code


def latest_games_day(lake: Lake) -> dt.date:
    from extractor.drift import partition_days
    from warehouse.raw_load import is_committed

    for day in partition_days(lake, "games"):
        if is_committed(lake, "games", day):
            return day
    raise UsageError(
        "the lake has no committed `games` partition: extract a day first, or pass --run-date"
    )


def prepare(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> Smoke:
    """Every setting checked, the day chosen, before anything is created (exit 2 in one line)."""
    from extractor.lake import Lake
    from gmp.boundary import known_secrets
    from gmp.context import lake_settings
    from gmp.dates import parse_days
    from warehouse.dbt import dbt_settings
    from warehouse.raw_load import raw_partitions

    dbt_settings({**env, "DBT_TARGET": args.dbt_target})
    if not env.get("GMP_RAW_STAGE_URL") and not env.get("SNOWFLAKE_STORAGE_INTEGRATION"):
        raise UsageError(
            "SNOWFLAKE_STORAGE_INTEGRATION is not set: name the storage integration that may "
            "read the lake (docs/snowflake.md, one-time setup)"
        )
    lake = Lake(lake_settings())
    lake.check()
    day = parse_days(args.run_date, None, None)[0] if args.run_date else latest_games_day(lake)
    partitions = raw_partitions(lake, [day])
    if not any(p["committed"] for p in partitions):
        raise UsageError(f"no endpoint has a committed partition on {day}: pick another --run-date")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d_%H%M%S")
    return Smoke(
        day=day,
        target=args.dbt_target,
        database=env.get("SNOWFLAKE_DATABASE") or "GAME_MARKET",
        schema=f"GMP_SMOKE_{stamp}",
        raw_schema=f"GMP_SMOKE_{stamp}_RAW",
        partitions=partitions,
        work=Path(tempfile.mkdtemp(prefix="gmp-smoke-")),
        out=out,
        verbose=args.verbose,
        secrets=known_secrets(),
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM (a CI timeout, kill) ends the check as Ctrl-C does


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make snowflake-smoke",
        description="Check the prod (Snowflake) path on a real account: scratch schemas, one "
        "day loaded and built there and on DuckDB, mart row counts compared, all dropped.",
    )
    parser.add_argument("--run-date", help="the day to build (default: the lake's latest "
                        "committed `games` partition)")  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="show dbt's output")
    # Tests only: the Snowflake emulator's profile target instead of `prod`.
    parser.add_argument("--dbt-target", default="prod", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parse(argv)
    if not os.environ.get("SNOWFLAKE_ACCOUNT", "").strip():
        out.write(NEEDS + "\n")
        return 0
    previous: Callable[..., object] | int | None = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            smoke = prepare(args, os.environ, out)
        except GmpError as exc:
            from gmp.boundary import known_secrets

            sys.stderr.write(f"snowflake-smoke: error: {redact_text(str(exc), known_secrets())}\n")
            return exc.exit_code
        except KeyboardInterrupt:
            return 130
        smoke.say(
            f"snowflake-smoke: {smoke.target} target, database {smoke.database}, "
            f"run_date {smoke.day}; scratch schemas {smoke.schema}, {smoke.raw_schema}"
        )
        return run(smoke)
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
