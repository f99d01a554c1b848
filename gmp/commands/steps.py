"""The small `gmp` commands the workflows' own steps run: `dates`, `validate` and `outcome`.

`dates` and `validate` print ONLY their JSON list on stdout: Argo makes a container's stdout its
`outputs.result` (workflow/executor/executor.go `CaptureScriptResult`: one trailing newline
trimmed, the last 256 kB kept), which the next task's `withParam` parses as a JSON list.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmp.boundary import cli_errors
from gmp.dates import parse_range, parse_run_date
from gmp.endpoints import parse_endpoint_list
from gmp.errors import UsageError
from gmp.guard import ALLOW_ENV
from workflows.chunks import refuse_if_too_long
from workflows.failures import decode, failed_steps

if TYPE_CHECKING:
    from gmp.endpoints import Endpoint


# The workflow parameter `allow_over_quota` reaches the steps as this env var (a flag cannot be
# switched by a template parameter).
AllowOverQuota = Annotated[
    bool,
    typer.Option(
        "--allow-over-quota",
        envvar=ALLOW_ENV,
        help="Run even if the plan exceeds what remains of the month's RAWG quota.",
    ),
]
GUARDED_ELSEWHERE = "the extract steps will spend without a quota check"


def dates(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), inclusive.")],
    endpoints: Annotated[
        str | None,
        typer.Option(help="Endpoints each day extracts, for the quota guard (default: daily set)."),
    ] = None,
    allow_over_quota: AllowOverQuota = False,
) -> None:
    """Print the days from START to END (inclusive) as a JSON list: the backfill's fan-out.

    Both ends must be real past dates and one workflow covers at most 366 days; otherwise exit 2
    (`gmp submit-backfill` and `gmp backfill` split longer ranges into consecutive workflows).
    Then the quota guard: exit 5 when the range's planned RAWG requests exceed what remains of
    the month (GMP_MONTHLY_QUOTA less the quota ledger), unless --allow-over-quota.
    """
    with cli_errors():
        days = parse_range(start, end)
        refuse_if_too_long(days)
        targets = parse_endpoint_list(endpoints)
        _guard(targets, days, allow_over_quota)
        typer.echo(json.dumps([d.isoformat() for d in days]))


def _guard(targets: list[Endpoint], days: list[dt.date], allow: bool) -> None:
    from gmp.context import setup_logs
    from gmp.guard import guard

    setup_logs()
    guard(targets, days, allow=allow, elsewhere=GUARDED_ELSEWHERE)


def validate(
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD.")],
    endpoints: Annotated[
        str | None,
        typer.Option(help="JSON list or comma-separated endpoints (default: the daily set)."),
    ] = None,
    allow_over_quota: AllowOverQuota = False,
) -> None:
    """Check a daily run's inputs before anything is spent: exit 2 on a bad date or endpoint.

    Then the quota guard: exit 5 when the day's planned RAWG requests exceed what remains of the
    month (GMP_MONTHLY_QUOTA less the quota ledger), unless --allow-over-quota.
    Prints the endpoints, normalised, as a JSON list (and nothing else on stdout): the daily
    DAG's extract fan-out reads it, so `games,genres` and `["games","genres"]` both work.
    """
    with cli_errors():
        day = parse_run_date(run_date)
        targets = parse_endpoint_list(endpoints)
        _guard(targets, [day], allow_over_quota)
        typer.echo(json.dumps([t.name for t in targets]))


def outcome(
    workflow: Annotated[str, typer.Option(help="Workflow name.")],
    status: Annotated[str, typer.Option(help="Succeeded, Failed or Error.")],
    failures: Annotated[
        str,
        typer.Option(help="Argo's {{workflow.failures}}: quoted JSON as Argo passes it, or JSON."),
    ] = "",
    detail: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE to add to the record; repeatable.")
    ] = None,
) -> None:
    """Record how a workflow ended: one JSON line (what the onExit handler runs).

    `failed_steps` names the steps that really failed (with their last attempt's message and
    pod), not the DAG, fan-out and retry nodes Argo lists too, nor attempts a retry recovered.
    """
    with cli_errors():
        record: dict[str, Any] = {"event": "workflow finished", "workflow": workflow}
        for item in detail or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--detail {item!r} is not KEY=VALUE")
            record[key] = value
        record["status"] = status
        record["failed_steps"] = failed_steps(decode(failures))
        typer.echo(json.dumps(record))


def register(app: typer.Typer) -> None:
    app.command()(dates)
    app.command()(validate)
    app.command()(outcome)
