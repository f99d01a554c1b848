"""`gmp report`: the market report of a run date, one self-contained HTML file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gmp.boundary import cli_errors
from gmp.dates import parse_run_date


def report(
    run_date: Annotated[str, typer.Option("--run-date", help="The report's day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write index.html into.")],
    days: Annotated[
        int, typer.Option("--days", help="The time span: the N days ending on the run date.")
    ] = 30,
    lake: Annotated[
        bool,
        typer.Option(
            "--lake",
            help="Also store it in the lake: s3://LAKE_BUCKET/reports/run_date=D/index.html.",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Write the page even when the warehouse has no data for RUN_DATE (empty charts).",
        ),
    ] = False,
) -> None:
    """Write OUT/index.html: charts of the market over the N days ending on RUN_DATE.

    Reads the report models (schema `reports`, built by `gmp transform`) from DBT_TARGET's
    warehouse: the DuckDB file DUCKDB_PATH (dev) or Snowflake (prod). One file, no network
    needed to open it. Data from RAWG (https://rawg.io).

    Exit codes: 0 written; 2 bad date, --days or setting, or the warehouse has no data for
    RUN_DATE (unless --allow-empty) or no report models (run `gmp transform`); 1 anything else.
    """
    with cli_errors():
        from warehouse.report.make import make_report

        day = parse_run_date(run_date)
        made = make_report(os.environ, day, days, out, to_lake=lake, allow_empty=allow_empty)
        typer.echo(f"report: {made.path}  (open it: xdg-open {made.path})")
        if made.lake_url:
            typer.echo(f"report in the lake: {made.lake_url}")


def register(app: typer.Typer) -> None:
    app.command()(report)
