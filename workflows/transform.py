"""`gmp transform`: `dbt build` of the warehouse for a run_date or a range (what a dbt pod runs)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TextIO

import typer

from extractor.boundary import cli_errors, known_secrets, load_settings
from extractor.dates import parse_range, parse_run_date
from extractor.errors import UsageError
from extractor.redact import redact_text

# The repo's dbt project, next to the `workflows` package; images set GMP_DBT_PROJECT_DIR.
DEFAULT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"
DEV_TARGETS = ("dev",)  # DuckDB targets: they read the lake themselves


@dataclass(frozen=True)
class DbtSettings:
    """Where the dbt project is and how to call it, built once from the environment."""

    project_dir: Path
    profiles_dir: Path
    target: str
    executable: str


def dbt_settings(env: Mapping[str, str]) -> DbtSettings:
    project_dir = Path(env.get("GMP_DBT_PROJECT_DIR") or DEFAULT_PROJECT_DIR).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise UsageError(
            f"no dbt project at {project_dir}: set GMP_DBT_PROJECT_DIR to the `dbt/` folder"
        )
    profiles_dir = Path(env.get("DBT_PROFILES_DIR") or project_dir).resolve()
    return DbtSettings(project_dir, profiles_dir, env.get("DBT_TARGET") or "dev", _dbt_executable())


def _dbt_executable() -> str:
    """The `dbt` next to the running Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.is_file():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise UsageError("dbt is not installed: run `make setup`")
    return found


def httpfs_extension() -> str:
    """The httpfs extension file shipped by the `duckdb-extension-httpfs` wheel (no download)."""
    import duckdb

    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    if spec is None or spec.origin is None:
        raise UsageError("duckdb-extension-httpfs is not installed: run `make setup`")
    package = Path(spec.origin).parent
    wanted = package / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if wanted.is_file():
        return str(wanted)
    found = sorted(package.glob("extensions/*/httpfs.duckdb_extension"))
    raise UsageError(
        f"no httpfs extension for DuckDB {duckdb.__version__} in {package} "
        f"(found: {', '.join(p.parent.name for p in found) or 'none'}); "
        "install duckdb-extension-httpfs of the same version as duckdb"
    )


def dbt_env(env: Mapping[str, str], settings: DbtSettings) -> dict[str, str]:
    """The environment dbt runs with: ours, plus what the profile needs, secrets renamed.

    dbt scrubs the values of DBT_ENV_SECRET_* variables from everything it prints, so the S3
    secret reaches the profile under that name only. DUCKDB_PATH becomes absolute because dbt
    runs from the project directory.
    """
    out = dict(env)
    out["DBT_TARGET"] = settings.target
    out.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        value = out.pop(name, None)
        if value:
            out.setdefault(f"DBT_ENV_SECRET_{name}", value)
    if settings.target in DEV_TARGETS:
        if not out.get("LAKE_BUCKET"):
            raise UsageError("LAKE_BUCKET is not set: name the S3 bucket that holds the lake")
        out.setdefault("DUCKDB_HTTPFS_EXTENSION", httpfs_extension())
        if out.get("DUCKDB_PATH"):
            warehouse = Path(out["DUCKDB_PATH"]).expanduser().resolve()
            out["DUCKDB_PATH"] = str(warehouse)
            # dbt's artifacts (manifest, run results, docs) describe this warehouse: keep them
            # beside it, so two warehouses built at once never share a target directory.
            artifacts = warehouse.with_name(warehouse.name + ".dbt")
            out.setdefault("DBT_TARGET_PATH", str(artifacts / "target"))
            out.setdefault("DBT_LOG_PATH", str(artifacts / "logs"))
    return out


def range_env(days: Sequence[dt.date]) -> dict[str, str]:
    """The env vars that restrict every model to the run_dates days[0]..days[-1].

    Not dbt --vars: dbt re-parses the whole project whenever --vars change (~2 s a build); the
    project reads these env vars only at execution time, so daily builds keep partial parsing.
    """
    return {"GMP_BUILD_START_DATE": days[0].isoformat(), "GMP_BUILD_END_DATE": days[-1].isoformat()}


def run_dbt(settings: DbtSettings, args: Sequence[str], env: Mapping[str, str], out: TextIO) -> int:
    """Run dbt, streaming its output line by line with known secrets blanked; its exit code."""
    colors = ["--use-colors" if out.isatty() else "--no-use-colors"]
    command = [
        settings.executable,
        *colors,
        *args,
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.profiles_dir),
        "--target",
        settings.target,
    ]
    secrets = known_secrets()
    from workflows.runner import children  # dbt dies with gmp, even on kill -9 (issue 10.3)

    with children.popen(
        command,
        env=dict(env),
        cwd=settings.project_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(redact_text(line, secrets))
            out.flush()
        return proc.wait()


def parse_days(run_date: str | None, start: str | None, end: str | None) -> list[dt.date]:
    if run_date and (start or end):
        raise UsageError("give either --run-date or --start/--end, not both")
    if run_date:
        return [parse_run_date(run_date)]
    if start and end:
        return parse_range(start, end)
    raise UsageError("give --run-date D, or --start D1 --end D2")


def transform(
    run_date: Annotated[
        str | None, typer.Option("--run-date", help="The partition to build, YYYY-MM-DD.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First run_date of a range.")] = None,
    end: Annotated[str | None, typer.Option(help="Last run_date of a range (inclusive).")] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh", help="Rebuild the tables from scratch with only these run_dates."
        ),
    ] = False,
    docs: Annotated[
        bool, typer.Option("--docs", help="Then write the docs site (dbt docs generate).")
    ] = False,
) -> None:
    """Build the warehouse for RUN_DATE (or --start..--end) with `dbt build` (what a dbt pod runs).

    Reads only the lake partitions of those days that are committed, replaces their rows in
    every incremental table, refreshes the latest-state dims, and runs the data and unit
    tests. Target: DBT_TARGET (dev = DuckDB at DUCKDB_PATH over the lake; prod = Snowflake).
    Exits 1 when dbt fails, a data test included.
    """
    with cli_errors():
        days = parse_days(run_date, start, end)
        settings = dbt_settings(os.environ)
        env = {**dbt_env(os.environ, settings), **range_env(days)}
        build = ["build", *(["--full-refresh"] if full_refresh else [])]
        code = 0
        if settings.target not in DEV_TARGETS:
            # Snowflake: first fill the raw tables from the lake's committed partitions.
            from extractor.lake import Lake
            from extractor.settings import LakeSettings
            from workflows import raw_load

            partitions = raw_load.raw_partitions(Lake(load_settings(LakeSettings)), days)
            sync = raw_load.sync_command(partitions, force=full_refresh)
            code = run_dbt(settings, sync, env, sys.stdout)
        if code == 0:
            code = run_dbt(settings, build, env, sys.stdout)
        if code == 0 and docs:
            code = run_dbt(settings, ["docs", "generate"], env, sys.stdout)
        if code != 0:
            typer.echo(
                f"gmp: error: dbt failed (exit {code}) for run_date {days[0]}"
                + (f"..{days[-1]}" if len(days) > 1 else "")
                + "; its output above says which model or test",
                err=True,
            )
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(transform)
