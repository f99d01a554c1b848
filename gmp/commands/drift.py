"""`gmp drift`: how a day's item shape differs from the previous committed partition's."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.boundary import cli_errors
from gmp.context import lake_settings, setup_logs
from gmp.dates import parse_run_date
from gmp.endpoints import parse_endpoint_list
from gmp.roles import require

if TYPE_CHECKING:
    from extractor.drift import EndpointDrift


def drift(
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD (UTC).")],
    endpoint: Annotated[
        str | None,
        typer.Option(help="One endpoint or a comma-separated list (default: the daily set)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Compare RUN_DATE's item shape with each endpoint's previous committed partition.

    It lists the paths added, the paths removed (marking those the dbt models read) and the
    types changed.

    A report: exit 0 whether or not anything drifted; 2 on bad input or settings; 1 when the
    lake cannot be read. The last line is the one-line summary the daily run's outcome carries.
    """
    with cli_errors():
        require("drift", "extract")
        from extractor.drift import drift as compare_day
        from extractor.drift import summary_line
        from extractor.lake import Lake

        setup_logs()
        day = parse_run_date(run_date)
        targets = [e.name for e in parse_endpoint_list(endpoint)]
        lake = Lake(lake_settings())
        lake.check()
        results = compare_day(lake, day, targets)
        line = summary_line(results)
        if as_json:
            payload = {
                "run_date": day.isoformat(),
                "summary": line,
                "endpoints": [r.as_json() for r in results],
            }
            typer.echo(json.dumps(payload))
            return
        _print_table(results, line)


def _print_table(results: list[EndpointDrift], line: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from extractor.drift import COMPARED

    table = Table(title="schema drift")
    for column in ("endpoint", "against", "added", "removed", "types changed"):
        table.add_column(column)
    for result in results:
        against = str(result.previous) if result.previous else ""
        if result.status != COMPARED:
            note = result.status + (f": {result.reason}" if result.reason else "")
            table.add_row(result.endpoint, against, note, "", "")
            continue
        read = set(result.read_by_models)
        removed = [p + (" (read by models)" if p in read else "") for p in result.removed]
        changes = [f"{c.path}: {c.old} → {c.new}" for c in result.type_changed]
        table.add_row(
            result.endpoint,
            against,
            "\n".join(result.added) or "-",
            "\n".join(removed) or "-",
            "\n".join(changes) or "-",
        )
    console = Console(soft_wrap=True)
    if not console.is_terminal:  # a pipe or a log: whole paths on one line, never folded
        console = Console(soft_wrap=True, width=200)
    console.print(table)
    console.print(line, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(drift)
