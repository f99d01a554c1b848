"""The small `gmp` commands the workflows' own steps run: `dates`, `validate` and `outcome`.

`dates` and `validate` print ONLY their JSON list on stdout: Argo makes a container's stdout its
`outputs.result` (workflow/executor/executor.go `CaptureScriptResult`: one trailing newline
trimmed, the last 256 kB kept), which the next task's `withParam` parses as a JSON list.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmp.boundary import cli_errors, known_secrets
from gmp.dates import parse_range, parse_run_date
from gmp.endpoints import parse_endpoint_list
from gmp.errors import GmpError, UsageError
from gmp.guard import AllowOverQuota
from gmp.redact import redact_text
from gmp.work import Refresh, range_todo
from workflows.chunks import refuse_if_too_long
from workflows.failures import decode, failed_steps

if TYPE_CHECKING:
    from extractor.resume import Todo
    from gmp.endpoints import Endpoint

log = logging.getLogger("gmp")


GUARDED_ELSEWHERE = "the extract steps will spend without a quota check"


def dates(  # noqa: PLR0917 - typer: the signature is the command line
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), inclusive.")],
    endpoints: Annotated[
        str | None,
        typer.Option(
            help="The backfill's endpoints (default: the daily set): what the quota guard plans; "
            "when none is extracted per day (only snapshots, taken once), print [] and no day runs."
        ),
    ] = None,
    allow_over_quota: AllowOverQuota = False,
    refresh: Refresh = False,
    snapshots: Annotated[
        bool,
        typer.Option(
            "--snapshots",
            help="Print instead the snapshot endpoints the range still needs (taken once, on "
            "its last day); no quota guard.",
        ),
    ] = False,
) -> None:
    """Print the backfill's fan-out: the days from START to END still to extract, as JSON.

    Each day from START to END (inclusive) that still lacks a committed per-day partition, with
    the endpoints it lacks: `[{"run_date": "2024-05-01", "endpoints": "games,game_details"}, ...]`.

    Partitions already committed are skipped and RAWG is asked nothing about them (--refresh:
    every day, every endpoint). Both ends must be real past dates and one workflow covers at most
    366 days; otherwise exit 2 (`gmp submit-backfill` and `gmp backfill` split longer ranges).
    Then the quota guard: exit 5 when what is left to fetch exceeds what remains of the month
    (GMP_MONTHLY_QUOTA less the quota ledger), unless --allow-over-quota.
    """
    with cli_errors():
        days = parse_range(start, end)
        refuse_if_too_long(days)
        targets = parse_endpoint_list(endpoints)
        _setup_logs()
        work = range_todo(targets, days, refresh=refresh)
        if snapshots:
            typer.echo(json.dumps([e.name for e in work.snapshots]))
            return
        _guard(targets, days, allow_over_quota, work)
        typer.echo(json.dumps(work.items()))


def _setup_logs() -> None:
    from gmp.context import setup_logs

    setup_logs()


def _guard(
    targets: list[Endpoint], days: list[dt.date], allow: bool, work: Todo | None = None
) -> None:
    from gmp.guard import guard

    guard(targets, days, allow=allow, elsewhere=GUARDED_ELSEWHERE, todo=work)


def gate(
    workflow: Annotated[str, typer.Option(help="The backfill workflow's name.")],
    run_date: Annotated[str, typer.Option("--run-date", help="The day, YYYY-MM-DD.")],
    close: Annotated[
        bool,
        typer.Option(
            "--close",
            help="The day failed: record it, so that no later day of this workflow starts.",
        ),
    ] = False,
) -> None:
    """Print a backfill day's gate: `open` (the day may start) or `closed` (it starts nothing).

    `closed` when a day of WORKFLOW already failed, from the stop marker in the lake
    (`{LAKE_PREFIX}/_runs/WORKFLOW/stop.json`, extractor/stop.py).
    """
    with cli_errors():
        from extractor.lake import Lake
        from extractor.stop import CLOSED, OPEN, stop, stopped
        from gmp.context import lake_settings

        day = parse_run_date(run_date).isoformat()
        _setup_logs()
        lake = Lake(lake_settings())
        if close:
            stop(lake, workflow, day)
            log.warning(
                "backfill day %s failed: %s starts no further day; the days in flight finish. "
                "Fix the cause and run the same backfill again: committed days are skipped",
                day,
                workflow,
            )
            typer.echo(CLOSED)
            return
        record = stopped(lake, workflow)
        if record is not None:
            log.warning(
                "day %s not started: day %s of %s failed", day, record.get("failed_day"), workflow
            )
        typer.echo(CLOSED if record is not None else OPEN)


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
        chosen = parse_endpoint_list(endpoints)
        _setup_logs()
        _guard(chosen, [day], allow_over_quota)
        typer.echo(json.dumps([e.name for e in chosen]))


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
    drift_run_date: Annotated[
        str | None,
        typer.Option(
            "--drift-run-date",
            help="Add the schema drift of this day (`gmp drift`): `drift`, `drift_removed`.",
        ),
    ] = None,
) -> None:
    """Record how a workflow ended: one JSON line (what the onExit handler runs).

    `failed_steps` names the steps that really failed (with their last attempt's message and
    pod), not the DAG, fan-out and retry nodes Argo lists too, nor attempts a retry recovered.
    With --drift-run-date the record also carries `drift` (the one-line summary of `gmp drift`)
    and `drift_removed` (the removed paths, endpoint-qualified: `games.metacritic`); the lake
    being unreadable gives `drift: unknown (<reason>)`, never a failed handler.

    With GMP_ALERT_WEBHOOK set, a run that did not succeed (or whose drift removed fields the
    models read) is POSTed there first as one alert; `alert` in the line says how that went
    (sent, failed, not needed, not configured). Delivery never changes the exit code.
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
        if drift_run_date is not None:
            record.update(_drift_fields(drift_run_date))
        record["alert"] = _alert(record)
        typer.echo(json.dumps(record))


def _drift_fields(run_date: str) -> dict[str, Any]:
    """`drift` and `drift_removed` for the record; whatever goes wrong, a line saying so."""
    try:
        from extractor.drift import day_drift_fields

        return day_drift_fields(parse_run_date(run_date))
    except GmpError as exc:
        reason = str(exc)
    except ImportError:
        reason = "the extract role is not installed"
    except Exception as exc:  # never fail the exit handler because of the report
        reason = type(exc).__name__
    reason = redact_text(reason, known_secrets())
    return {"drift": f"drift: unknown ({reason})", "drift_removed": []}


def _alert(record: dict[str, Any]) -> str:
    """Build and deliver the alert for this record, if any: what happened, as one word or two."""
    from gmp.alerts import build_alert, deliver, redact_payload
    from gmp.context import setup_logs

    url = os.environ.get("GMP_ALERT_WEBHOOK", "").strip()
    if not url:
        return "not configured"
    payload = build_alert(record)
    if payload is None:
        return "not needed"
    setup_logs()  # the delivery warning: one line on stderr, secrets (the URL too) redacted
    return "sent" if deliver(redact_payload(payload, known_secrets()), url) else "failed"


def register(app: typer.Typer) -> None:
    app.command()(dates)
    app.command()(gate)
    app.command()(validate)
    app.command()(outcome)
