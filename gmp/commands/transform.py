"""`gmp transform`: build the warehouse for a day or a range with dbt (what a dbt pod runs)."""

from __future__ import annotations

import sys
from typing import Annotated, TextIO, cast

import typer

from gmp.boundary import cli_errors
from gmp.dates import parse_days
from gmp.roles import require

_SHOWN_GATES = 3  # failed `gates` tests whose broken rules a failed build lists (dbt show each)


def transform(  # noqa: PLR0917 - typer: the signature is the command line
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
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty", help="Build even when no endpoint has a committed partition there."
        ),
    ] = False,
) -> None:
    """Build the warehouse for RUN_DATE (or --start..--end) with `dbt build` (what a dbt pod runs).

    Reads only the lake partitions of those days that are committed, replaces their rows in
    every incremental table, refreshes the latest-state dims, and runs the data tests (one
    `gates` test per model; a failed one's broken rules are listed); the dbt unit tests run in
    CI. Target: DBT_TARGET (dev = DuckDB at DUCKDB_PATH over the lake; prod = Snowflake).

    Exit codes: 0 built; 2 bad date or setting (DBT_TARGET naming no profile target included),
    or no endpoint has a committed partition in those days (unless --allow-empty); 1 dbt failed
    (a data test included) or the DuckDB file is locked by another process (its PID is named).
    """
    with cli_errors():
        require("transform", "transform")
        from warehouse import guard
        from warehouse.dbt import (
            DEV_TARGETS,
            EarlyDbt,
            build_args,
            checked_env,
            first_committed,
            open_lake,
            run_dbt,
            warehouse_file,
        )

        days = parse_days(run_date, start, end)
        env, settings, lake_config = checked_env(days)
        out = guard.LockSpotter(sys.stdout)
        build = build_args(full_refresh)
        dbt = EarlyDbt(settings, env)  # imports dbt while the lake is checked
        try:
            lake = open_lake(lake_config)
            if settings.target in DEV_TARGETS:
                guard.check_unlocked(warehouse_file(env, settings))
                if not allow_empty:
                    guard.require_committed(first_committed(lake, days), days)
                code = dbt.run(build, cast(TextIO, out))
            else:
                # Snowflake: first fill the raw tables from the lake's committed partitions.
                from warehouse import raw_load

                partitions = raw_load.raw_partitions(lake, days)
                if not allow_empty:
                    found = [(str(p["endpoint"]), days[0]) for p in partitions if p["committed"]]
                    guard.require_committed(found, days)
                sync = raw_load.sync_command(partitions, force=full_refresh)
                code = dbt.run(sync, cast(TextIO, out))
                if code == 0:
                    code = run_dbt(settings, build, env, cast(TextIO, out))
        finally:
            dbt.cancel()
        if code == 0 and docs:
            code = run_dbt(settings, ["docs", "generate", "--write-json"], env, cast(TextIO, out))
        if code != 0:
            locked = out.locked()
            if locked is not None:
                raise locked
            for name in out.failed_gates[:_SHOWN_GATES]:  # which rule: one row per gate broken
                run_dbt(settings, ["show", "--select", name, "--limit", "20"], env, sys.stdout)
            typer.echo(
                f"gmp: error: dbt failed (exit {code}) for run_date {days[0]}"
                + (f"..{days[-1]}" if len(days) > 1 else "")
                + "; its output above says which model or test",
                err=True,
            )
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(transform)
