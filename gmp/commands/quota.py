"""`gmp quota`: the month's RAWG spend from the quota ledger, and what remains of the budget."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.boundary import cli_errors
from gmp.context import lake_settings, quota_settings, setup_logs
from gmp.roles import require

if TYPE_CHECKING:
    from extractor.ledger import MonthSpend


def quota(
    month: Annotated[
        str | None,
        typer.Option(help="YYYY-MM, RAWG's month (the calendar month in UTC); default: this one."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show this month's RAWG requests, from the quota ledger, against GMP_MONTHLY_QUOTA.

    Exit codes: 0; 2 bad --month or setting (GMP_MONTHLY_QUOTA, LAKE_BUCKET missing or refused).
    """
    with cli_errors():
        require("quota", "extract")
        from extractor.lake import Lake
        from extractor.ledger import current_month, parse_month, read_month

        setup_logs()
        chosen = parse_month(month) if month is not None else current_month()
        budget = quota_settings().monthly_quota
        lake = Lake(lake_settings())
        lake.check()
        spend = read_month(lake, chosen)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "month": spend.month,
                        "quota": budget,
                        "spent": spend.total,
                        "remaining": budget - spend.total,
                        "by_endpoint": spend.by_endpoint,
                        "by_day": spend.by_day,
                        "by_command": spend.by_command,
                    }
                )
            )
            return
        _print(spend, budget)


def headline(spend: MonthSpend, budget: int) -> str:
    remaining = budget - spend.total
    rest = f"{remaining:,} remain" if remaining >= 0 else f"{-remaining:,} OVER the quota"
    return (
        f"{spend.month} (RAWG's month: the calendar month in UTC): {spend.total:,} of "
        f"{budget:,} requests spent, {rest}"
    )


def _print(spend: MonthSpend, budget: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    # The first line stays one line whatever the terminal's width: scripts read it.
    console.print(headline(spend, budget), soft_wrap=True, markup=False, highlight=False)
    for title, column, rows in (
        ("by endpoint", "endpoint", spend.by_endpoint),
        ("by day (UTC, when the requests were sent)", "day", spend.by_day),
        ("by command", "command", spend.by_command),
    ):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        table.add_column(column)
        table.add_column("requests", justify="right")
        for name, count in rows.items():
            table.add_row(name, f"{count:,}")
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(quota)
