"""The small `gmp` commands the workflows' own steps run: `dates`, `validate` and `outcome`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from extractor.boundary import cli_errors
from extractor.dates import parse_range, parse_run_date
from extractor.endpoints import DEFAULT_ENDPOINTS, get_endpoint
from extractor.errors import UsageError


def endpoint_names(text: str | None) -> list[str]:
    """A JSON list (`["games","genres"]`, as Argo passes it) or a comma-separated list."""
    text = (text or "").strip()
    if not text:
        return list(DEFAULT_ENDPOINTS)
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise UsageError(f"endpoints {text!r} is not a JSON list of names") from None
        if not isinstance(parsed, list) or not all(isinstance(n, str) for n in parsed):
            raise UsageError(f"endpoints {text!r} is not a JSON list of names")
        names = [n.strip() for n in parsed if n.strip()]
    else:
        names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("endpoints is empty: name at least one, e.g. games")
    if len(set(names)) != len(names):
        raise UsageError(f"endpoints {names} names one endpoint twice")
    return [get_endpoint(n).name for n in names]


def dates(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), inclusive.")],
) -> None:
    """Print the days from START to END (inclusive) as a JSON list: the backfill's fan-out.

    Both ends must be real past dates and the range is bounded; otherwise exit 2.
    """
    with cli_errors():
        days = parse_range(start, end)
        typer.echo(json.dumps([d.isoformat() for d in days]))


def validate(
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD.")],
    endpoints: Annotated[
        str | None,
        typer.Option(help="JSON list or comma-separated endpoints (default: the daily set)."),
    ] = None,
) -> None:
    """Check a daily run's inputs before anything is spent: exit 2 on a bad date or endpoint."""
    with cli_errors():
        day = parse_run_date(run_date)
        typer.echo(
            json.dumps({"run_date": day.isoformat(), "endpoints": endpoint_names(endpoints)})
        )


def _failures(text: str) -> list[dict[str, Any]]:
    try:
        parsed = json.loads(text) if text.strip() else []
    except json.JSONDecodeError:
        return [{"message": text}]
    return [f for f in parsed if isinstance(f, dict)] if isinstance(parsed, list) else []


def outcome(
    workflow: Annotated[str, typer.Option(help="Workflow name.")],
    status: Annotated[str, typer.Option(help="Succeeded, Failed or Error.")],
    failures: Annotated[str, typer.Option(help="Argo's workflow.failures JSON.")] = "",
    detail: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE to add to the record; repeatable.")
    ] = None,
) -> None:
    """Record how a workflow ended: one JSON line (what the onExit handler runs)."""
    with cli_errors():
        record: dict[str, Any] = {"event": "workflow finished", "workflow": workflow}
        for item in detail or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--detail {item!r} is not KEY=VALUE")
            record[key] = value
        record["status"] = status
        failed = _failures(failures)
        record["failed_steps"] = [
            {
                "step": f.get("displayName", ""),
                "template": f.get("templateName", ""),
                "message": f.get("message", ""),
            }
            for f in failed
        ]
        typer.echo(json.dumps(record))


def register(app: typer.Typer) -> None:
    app.command()(dates)
    app.command()(validate)
    app.command()(outcome)
