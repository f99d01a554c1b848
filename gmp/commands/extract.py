"""The extractor's commands: `gmp extract`, `gmp plan` and `gmp status`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from gmp import extract_options
from gmp.boundary import cli_errors
from gmp.context import lake_settings, rawg_settings, setup_logs
from gmp.dates import parse_days, parse_run_date
from gmp.endpoints import Mode, get_endpoint, parse_endpoint_list
from gmp.errors import UsageError
from gmp.logs import stderr_is_terminal
from gmp.roles import require
from gmp.work import Refresh

if TYPE_CHECKING:
    from extractor.lake import Lake
    from extractor.plan import PlanLine
    from extractor.resume import Todo
    from extractor.tally import RequestTally

# `gmp` imports this module for every command; what only some commands need (httpx, boto3,
# pydantic-settings, rich's widgets) is imported inside them, so that the small steps a workflow
# runs per day (`gmp validate`, `gmp dates`, `gmp outcome`) start in a fraction of the time.

log = logging.getLogger("gmp")


RunDate = Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD (UTC).")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log every page.")]


def extract(  # noqa: PLR0917 - typer: the signature is the command line
    endpoint: Annotated[str, typer.Argument(help="Endpoint name, e.g. games or genres.")],
    run_date: RunDate,
    max_pages: Annotated[
        int | None, typer.Option(help="Take at most this many pages (snapshots).", min=1)
    ] = None,
    covers_from: Annotated[
        str | None,
        typer.Option(
            "--covers-from",
            help="Snapshots: the first day this snapshot stands for (a backfill takes each "
            "snapshot once, on its last day); recorded in the manifest.",
        ),
    ] = None,
    once_from: Annotated[
        str | None,
        typer.Option(
            "--once-from",
            help="Detail endpoints in a backfill: its first day. With --once-to, leave out every "
            "game a committed partition of another day of the range fetched or found gone, so "
            "each game's details are fetched once over the backfill. Empty: no range.",
        ),
    ] = None,
    once_to: Annotated[
        str | None,
        typer.Option("--once-to", help="Detail endpoints in a backfill: its last day."),
    ] = None,
    verbose: Verbose = False,
) -> None:
    """Extract one endpoint's partition for RUN_DATE into the lake (what an extractor pod runs)."""
    with cli_errors():
        require("extract", "extract")
        from extractor.client import RawgClient
        from extractor.details import DetailExtraction, DetailResult
        from extractor.extract import Extraction, ExtractResult
        from extractor.lake import Lake
        from extractor.ledger import recording
        from extractor.malloc import keep_memory_flat

        keep_memory_flat()
        setup_logs(verbose)
        target = get_endpoint(endpoint)
        day = parse_run_date(run_date)
        covers = extract_options.covers_from(target, day, covers_from)
        once = extract_options.once_range(target, day, once_from, once_to)
        rawg = rawg_settings()
        lake_config = lake_settings()
        lake = Lake(lake_config, max_connections=rawg.concurrency + 4)
        lake.check()
        context = {"endpoint": target.name, "run_date": day.isoformat()}
        log.info("extracting into %s", lake.where(), extra=context)
        with (
            RawgClient(rawg) as client,
            recording(lake, "extract", client.tally),
            client.tally.attributed(target.name, day),
            _progress(f"{target.name} {day}") as on_page,
        ):
            secret = rawg.api_key.get_secret_value()
            if target.mode is Mode.DETAIL:
                if max_pages is not None:
                    raise UsageError(
                        f"--max-pages applies to list endpoints; {target.name} is capped by "
                        "GMP_DETAILS_MAX_PER_DAY"
                    )
                result: ExtractResult = DetailExtraction(
                    target, day, client=client, lake=lake, secret=secret,
                    concurrency=rawg.concurrency, max_per_day=rawg.details_max_per_day,
                    on_page=on_page, lease_seconds=lake_config.lease_seconds, once=once,
                ).run()  # fmt: skip
            else:
                result = Extraction(
                    target, day, client=client, lake=lake, secret=secret,
                    concurrency=rawg.concurrency, page_cap=rawg.page_cap, max_pages=max_pages,
                    on_page=on_page, lease_seconds=lake_config.lease_seconds,
                    covers_from=covers, size=rawg.sizes().get(target.size_setting or ""),
                ).run()  # fmt: skip
        summary = {
            "endpoint": result.endpoint,
            "run_date": day.isoformat(),
            "pages": result.pages,
            "records": result.records,
            "reported_count": result.reported_count,
            "complete": result.complete,
            "requests": result.requests,
            "retries": result.retries,
            "seconds": round(result.seconds, 3),
        }
        if isinstance(result, DetailResult):
            summary |= {
                "not_found": result.not_found,
                "from_backlog": result.from_backlog,
                "fetched_in_range": result.fetched_in_range,
            }
        log.info(
            "partition committed: %d pages, %d records in %.1fs",
            result.pages,
            result.records,
            result.seconds,
            extra={**context, **summary},
        )
        typer.echo(json.dumps(summary))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    if not stderr_is_terminal():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def plan(  # noqa: PLR0917 - typer: the signature is the command line
    run_date: Annotated[str | None, typer.Option("--run-date", help="One day.")] = None,
    start: Annotated[str | None, typer.Option(help="First day of a range.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of a range (inclusive).")] = None,
    endpoints: Annotated[
        str | None, typer.Option(help="Comma-separated endpoints (default: the daily set).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    refresh: Refresh = False,
) -> None:
    """Show how many RAWG requests a run or backfill will cost, before spending them.

    A range (--start/--end) is planned as `gmp backfill` runs it: the partitions already
    committed in the lake (LAKE_BUCKET) cost nothing and RAWG is not asked about them, unless
    --refresh; the plan says how many days are already committed.
    """
    with cli_errors():
        require("plan", "extract")
        from extractor.client import RawgClient
        from extractor.plan import plan_run

        setup_logs()
        days = parse_days(run_date, start, end)
        targets = parse_endpoint_list(endpoints)
        rawg = rawg_settings()
        lake = _plan_lake(needed=any(t.mode is Mode.DETAIL for t in targets))
        details_lake = lake if any(t.mode is Mode.DETAIL for t in targets) else None
        work = None
        if run_date is None:  # a range: a backfill skips what is committed
            from extractor.resume import backfill_todo
            from workflows.names import MAX_WORKFLOW_DAYS

            work = backfill_todo(lake, targets, days, refresh=refresh, span_days=MAX_WORKFLOW_DAYS)
        with RawgClient(rawg) as client:
            with _recording(lake, "plan", client.tally):
                lines = plan_run(
                    targets, days, client, page_cap=rawg.page_cap, lake=details_lake,
                    details_cap=rawg.details_max_per_day, todo=work, sizes=rawg.sizes(),
                )  # fmt: skip
            probes = client.requests_made
        skipped = _skipped_line(work, lake, refresh)
        total = sum(line.requests for line in lines)
        exact = all(line.exact for line in lines)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "total_requests": total,
                        "exact": exact,
                        "probe_requests": probes,
                        "saved_requests": sum(line.saved for line in lines),
                        "committed_days": work.committed_days if work else 0,
                        "skipped": skipped,
                        "lines": [
                            {**line.__dict__, "run_date": line.run_date.isoformat()}
                            for line in lines
                        ],
                    }
                )
            )
            return
        _print_plan(lines, total, exact, probes)
        if skipped:
            typer.echo(skipped)


def _skipped_line(work: Todo | None, lake: Lake | None, refresh: bool) -> str:
    """What a range's plan leaves out as already committed, in one line ("" for one day)."""
    if work is None:
        return ""
    if refresh:
        return "--refresh: every partition of the range is planned, committed or not"
    if lake is None:
        return "committed partitions unknown (LAKE_BUCKET unset): every day planned"
    return f"skipped as committed: {work.summary()}"


def _plan_lake(*, needed: bool) -> Lake | None:
    """The lake a plan records its probes in (and a detail endpoint's plan reads its backlog
    from); None when LAKE_BUCKET is unset: the probes then go unrecorded (said in a log line)
    and a detail endpoint's backlog is unknown. A lake that cannot be used fails the plan only
    when it `needed` the backlog; else the plan goes on unrecorded."""
    from extractor.lake import Lake
    from gmp.errors import GmpError

    settings = lake_settings(bucket_required=False)
    if not settings.bucket:
        return None
    lake = Lake(settings)
    try:
        lake.check()
    except GmpError as exc:
        if needed:
            raise
        log.warning("the quota ledger cannot be written (%s)", exc)
        return None
    return lake


@contextmanager
def _recording(lake: Lake | None, command: str, tally: RequestTally) -> Iterator[None]:
    """The quota ledger's recording, or a log line saying why there is none."""
    if lake is not None:
        from extractor.ledger import recording

        with recording(lake, command, tally):
            yield
        return
    try:
        yield
    finally:
        log.info(
            "no usable lake (LAKE_BUCKET unset, or S3 failing): the %d RAWG requests of this %s "
            "are not recorded in the quota ledger",
            tally.total,
            command,
        )


def _print_plan(lines: list[PlanLine], total: int, exact: bool, probes: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="RAWG request plan")
    for column in ("endpoint", "days", "rows", "requests", "note"):
        table.add_column(
            column, justify="right" if column in ("days", "rows", "requests") else "left"
        )
    by_endpoint: dict[str, list[PlanLine]] = {}
    for line in lines:
        by_endpoint.setdefault(line.endpoint, []).append(line)
    for name, group in by_endpoint.items():
        notes = sorted({g.note for g in group if g.note})
        table.add_row(
            name,
            str(len(group)),
            f"{sum(g.count for g in group):,}",
            _bound(group, "≤ ", "≥ ", "~ ") + f"{sum(g.requests for g in group):,}",
            "; ".join(notes),
        )
    console = Console()
    console.print(table)
    console.print(
        f"total: {_bound(lines, 'at most ', 'at least ', 'about ')}{total:,} requests "
        f"(this plan spent {probes} probe request{'s' if probes != 1 else ''})"
    )
    saved = sum(line.saved for line in lines)
    if saved:
        console.print(
            f"snapshots taken once for the range (a backfill's snapshot covers every day): "
            f"saving {saved:,} requests"
        )


def _bound(lines: list[PlanLine], upper: str, lower: str, mixed: str) -> str:
    """How a sum of plan lines reads: exact, at most, at least, or about."""
    kinds = {line.upper_bound for line in lines if not line.exact}
    if not kinds:
        return ""
    return upper if kinds == {True} else lower if kinds == {False} else mixed


def status(
    run_date: RunDate,
    endpoints: Annotated[
        str | None, typer.Option(help="Comma-separated endpoints (default: the daily set).")
    ] = None,
) -> None:
    """Show which partitions of RUN_DATE are committed in the lake, with their pages and records.

    A snapshot endpoint (the taxonomies, the market panel) without a partition of RUN_DATE counts
    as committed when a backfill's snapshot of a later day covers it ("covered by DATE").

    Exit codes: 0 every listed partition is committed; 1 at least one is not (the table says
    which); 2 bad input or setting (bad date, unknown endpoint, bucket missing or refused).
    """
    from rich.console import Console
    from rich.table import Table

    with cli_errors():
        require("status", "extract")
        from extractor.gaps_lake import READERS, covering_snapshot
        from extractor.lake import Lake
        from workflows import names

        setup_logs()
        day = parse_run_date(run_date)
        targets = parse_endpoint_list(endpoints)
        lake = Lake(lake_settings(), max_connections=READERS + 2)
        lake.check()
        table = Table(title=f"{lake.where()} run_date={day}")
        for column in ("endpoint", "committed"):  # whole on a narrow terminal ("covered by …")
            table.add_column(column, no_wrap=True)
        for column in ("pages", "records", "reported", "finished"):
            table.add_column(column, overflow="fold")  # a timestamp folds, never cut short
        missing = 0
        for target in targets:
            manifest = lake.manifest(target.name, day)
            if manifest is None:
                cover = covering_snapshot(lake, target, day, span_days=names.MAX_WORKFLOW_DAYS)
                if cover is None:
                    missing += 1
                committed = f"covered by {cover.run_date}" if cover else "no"
                table.add_row(target.name, committed, "", "", "", "")
                continue
            table.add_row(
                target.name,
                "yes",
                str(manifest["page_count"]),
                f"{manifest['record_count']:,}",
                f"{manifest['reported_count']:,}",
                manifest["finished_at"],
            )
        Console().print(table)
        if missing:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(extract)
    app.command()(plan)
    app.command()(status)
