"""`gmp gaps`: the days of a range the lake has no usable partition for, and how to fill them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmp.boundary import cli_errors
from gmp.context import lake_settings, setup_logs
from gmp.dates import parse_range
from gmp.endpoints import parse_endpoint_list
from gmp.roles import require

if TYPE_CHECKING:
    from extractor.gaps import EndpointGaps, Fill


def gaps(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), inclusive; in the past.")],
    endpoints: Annotated[
        str | None, typer.Option(help="Comma-separated endpoints (default: the daily set).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when there is any gap (for monitoring).")
    ] = False,
) -> None:
    """List the days from START to END that lack a committed partition, and the backfills to run.

    Per endpoint: the days without a committed partition and the committed ones that are
    incomplete, merged into ranges; then the backfills that fill them.

    A snapshot (genres, platforms, ...) taken by a backfill on its last day covers the whole
    backfill (its manifest's covers_from). Exit codes: 0 (with --check: no gap), 1 with --check
    when there is a gap, 2 bad input or setting (bad date, end not in the past, unknown endpoint).
    """
    with cli_errors():
        require("gaps", "extract")
        from extractor.gaps import commands_for, fills, find_gaps
        from extractor.gaps_lake import READERS, committed_partitions
        from extractor.lake import Lake
        from workflows import names

        setup_logs()
        days = parse_range(start, end)
        targets = parse_endpoint_list(endpoints)
        lake = Lake(lake_settings(), max_connections=READERS + 2)
        lake.check()
        found = [
            find_gaps(
                t,
                days,
                committed_partitions(lake, t, days[0], days[-1], span_days=names.MAX_WORKFLOW_DAYS),
            )
            for t in targets
        ]
        todo = fills(found)
        for fill in todo:
            fill.commands.extend(
                commands_for(
                    fill, template=names.BACKFILL_TEMPLATE, max_days=names.MAX_WORKFLOW_DAYS
                )
            )
        gap_days = sum(len(g.days) for g in found)
        if as_json:
            typer.echo(json.dumps(_as_json(start, end, lake.where(), found, todo)))
        else:
            _print(start, end, lake.where(), found, todo)
        if check and gap_days:
            raise typer.Exit(1)


def _as_json(
    start: str, end: str, where: str, found: list[EndpointGaps], todo: list[Fill]
) -> dict[str, Any]:
    return {
        "start": start,
        "end": end,
        "lake": where,
        "gap_days": sum(len(g.days) for g in found),
        "endpoints": {g.endpoint: g.as_json() for g in found},
        "fills": [f.as_json() for f in todo],
    }


def _print(start: str, end: str, where: str, found: list[EndpointGaps], todo: list[Fill]) -> None:
    from extractor.gaps import merge_days

    typer.echo(f"gaps in {where} from {start} to {end}:")
    for g in found:
        missing, incomplete = merge_days(g.missing), merge_days(g.incomplete)
        if not missing and not incomplete:
            typer.echo(f"  {g.endpoint}: none")
            continue
        parts = [_ranges("missing", missing), _ranges("incomplete", incomplete)]
        typer.echo(f"  {g.endpoint}: " + "; ".join(p for p in parts if p))
    if not todo:
        typer.echo("no gaps")
        return
    typer.echo("to fill them (locally, or on the cluster):")
    for fill in todo:
        for line in fill.commands:
            typer.echo(f"  {line}")


def _ranges(label: str, ranges: list[Any]) -> str:
    if not ranges:
        return ""
    shown = ", ".join(
        str(r.start) if r.days == 1 else f"{r.start}..{r.end} ({r.days} days)" for r in ranges
    )
    return f"{label} {shown}"


def register(app: typer.Typer) -> None:
    app.command()(gaps)
