"""`gmp render`, `gmp run` and `gmp backfill`: write the Argo YAML, and run it on this machine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmp import preflight
from gmp.boundary import cli_errors, known_secrets
from gmp.guard import AllowOverQuota
from gmp.roles import require
from gmp.work import Refresh
from workflows import names

# The runner, YAML and rich load only for the commands here (see gmp.commands.extract).
if TYPE_CHECKING:
    from workflows.runner import RunOptions
    from workflows.runner.model import Step
    from workflows.spec import Catalogue

# `gmp run` and `gmp backfill` read the YAML (orchestrate), check every step's settings before
# starting (the lake: extract; the dbt target: transform) and run those steps' own `gmp`.
LOCAL_ROLES = ("orchestrate", "extract", "transform")

Manifests = Annotated[
    Path | None,
    typer.Option(
        help="Folder of rendered YAML to execute (default: the Helm chart's files/, as committed)."
    ),
]
FromCode = Annotated[
    bool, typer.Option("--from-code", help="Render in memory from workflows/ instead of files/.")
]
Endpoints = Annotated[
    str | None,
    typer.Option(help="JSON list or comma-separated endpoints (default: the template's list)."),
]
LogDir = Annotated[
    Path | None, typer.Option("--logs", help="Keep step logs here (default: a temp dir).")
]
BackoffScale = Annotated[
    float, typer.Option(help="Multiply the templates' retry backoff (e.g. 0.01 in tests).", min=0)
]
Extractors = Annotated[
    int,
    typer.Option(
        help="RAWG extractors at once across the run (the semaphore's ConfigMap value).", min=1
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")]


def _quota_argument(allow: bool) -> dict[str, str]:
    """The templates' first step (validate / dates) runs the quota guard; this turns it off."""
    return {"allow_over_quota": "true"} if allow else {}


def render_cmd(
    out: Annotated[Path, typer.Option(help="Write the YAML files here.")] = names.FILES_DIR,
) -> None:
    """Write the Argo YAML (daily and backfill WorkflowTemplates, CronWorkflow) into OUT.

    The Helm chart's files/ holds the committed copy; a test fails when it differs from this.
    """
    with cli_errors():
        require("render", "orchestrate")
        from workflows import render

        for path in render.write(out):
            typer.echo(str(path))


def _catalogue(
    manifests: Path | None, from_code: bool, parallelism: int | None = None
) -> Catalogue:
    from workflows import render
    from workflows.spec import Catalogue

    if from_code:
        source = None
    elif manifests is not None:
        source = manifests
    elif names.FILES_DIR.is_dir():
        source = names.FILES_DIR
    else:  # an installed gmp without the repository: the same code renders the same YAML
        typer.echo("gmp: no rendered files found; rendering from code", err=True)
        source = None
    docs = render.load(source)
    if parallelism is not None:  # what the chart does with workflows.backfill.parallelism
        for template in docs["backfill"]["spec"]["templates"]:
            if "parallelism" in template:
                template["parallelism"] = parallelism
    return Catalogue.of(list(docs.values()))


def _endpoints_argument(endpoints: str | None) -> dict[str, str]:
    """--endpoints as given: the template's `endpoints` parameter takes a JSON list or a comma
    list, and its first step (`gmp validate`, gmp.endpoints.parse_endpoint_list) reads it, as on
    Argo (`argo submit -p endpoints=...`); so `gmp run` refuses what Argo's run refuses, there."""
    return {} if endpoints is None else {"endpoints": endpoints}


def _execute(
    template: str,
    arguments: dict[str, str],
    *,
    manifests: Path | None,
    from_code: bool,
    options: RunOptions,
    as_json: bool,
    parallelism: int | None = None,
) -> int:
    from rich.console import Console

    from workflows.runner import run_workflow
    from workflows.runner.report import ConsoleReporter, print_summary

    err = Console(stderr=True)
    out = Console(soft_wrap=True)
    with cli_errors():
        catalogue = _catalogue(manifests, from_code, parallelism)
        with ConsoleReporter(err) as reporter:
            result = run_workflow(catalogue, template, arguments, options, reporter)
        print_summary(result, out, known_secrets(), as_json=as_json)
        sys.stdout.flush()
    if result.exit_code() != 0:
        typer.echo(f"gmp: error: {preflight.failure_line(result)}", err=True)
    return result.exit_code()


def _ranges(start: str, end: str) -> list[tuple[str, str]]:
    """The backfill workflows a range needs: one, or consecutive ones of at most 366 days."""
    from gmp.dates import parse_range
    from gmp.errors import UsageError
    from workflows.chunks import split

    try:
        chunks = split(parse_range(start, end))
    except UsageError:  # the `dates` step refuses it with the same line, as on Argo
        return [(start, end)]
    if len(chunks) == 1:
        return [(start, end)]
    return [(c.start.isoformat(), c.end.isoformat()) for c in chunks]


def run(  # noqa: PLR0917 - typer: the signature is the command line
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD (UTC).")],
    endpoints: Endpoints = None,
    manifests: Manifests = None,
    from_code: FromCode = False,
    logs: LogDir = None,
    backoff_scale: BackoffScale = 1.0,
    extractors: Extractors = names.EXTRACTOR_SEMAPHORE_DEFAULT,
    as_json: AsJson = False,
    allow_over_quota: AllowOverQuota = False,
) -> None:
    """Run the daily pipeline for RUN_DATE here, by executing the rendered WorkflowTemplate.

    Every step (validate, one extract per endpoint in parallel, transform) runs as a local
    `gmp` process with the env the pod would get; retries, deadlines and locks as rendered.
    Exits 0, or with the failing step's code (2 bad input, 3 key refused, 4 quota, 5 refused:
    e.g. by the quota guard in the validate step), else 1.
    Settings are checked first: a bad one is exit 2 in one line before any step starts.
    """
    with cli_errors():
        require("run", *LOCAL_ROLES)
        preflight.check_settings()
    code = _execute(
        names.DAILY_TEMPLATE,
        {
            "run_date": run_date,
            **_endpoints_argument(endpoints),
            **_quota_argument(allow_over_quota),
        },
        manifests=manifests,
        from_code=from_code,
        options=_options(logs, backoff_scale, extractors, None),
        as_json=as_json,
    )
    if code == 0 and not as_json:
        _say_where_the_report_is(run_date)
    raise typer.Exit(code)


def _say_where_the_report_is(run_date: str) -> None:
    """The daily DAG's last step stored the day's report in the lake: say where."""
    from extractor.layout import report_key
    from gmp.context import lake_settings

    bucket = lake_settings(bucket_required=False).bucket
    typer.echo(
        f"report: s3://{bucket}/{report_key(run_date)}  "
        f"(a local copy: gmp report --run-date {run_date} --out DIR)"
    )


def backfill(  # noqa: PLR0917 - typer: the signature is the command line
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (UTC), inclusive.")],
    parallelism: Annotated[
        int | None, typer.Option(help="Days in flight at once (default: as rendered).", min=1)
    ] = None,
    endpoints: Endpoints = None,
    manifests: Manifests = None,
    from_code: FromCode = False,
    logs: LogDir = None,
    backoff_scale: BackoffScale = 1.0,
    extractors: Extractors = names.EXTRACTOR_SEMAPHORE_DEFAULT,
    as_json: AsJson = False,
    allow_over_quota: AllowOverQuota = False,
    refresh: Refresh = False,
) -> None:
    """Run the backfill from START to END here, PARALLELISM days at a time.

    Executes the rendered backfill template, which runs the daily DAG once per day still to
    extract: partitions already committed are skipped, RAWG is asked nothing about them (so a
    re-run of a finished range costs nothing, and a resume fetches only what is missing);
    --refresh extracts them again. After a failed day no further day starts; the days in flight
    finish. A range of more than 366 days runs as consecutive backfills, each after the previous
    one succeeded. Its first step (`dates`) runs the quota guard for what is left to fetch: exit
    5 when it would overrun.
    Settings are checked first: a bad one is exit 2 in one line before any step starts.
    """
    with cli_errors():
        require("backfill", *LOCAL_ROLES)
        preflight.check_settings()
    ranges = _ranges(start, end)
    for i, (first, last) in enumerate(ranges, 1):
        if len(ranges) > 1:
            typer.echo(f"backfill {i}/{len(ranges)}: {first} to {last}", err=True)
        code = _execute(
            names.BACKFILL_TEMPLATE,
            {
                "start_date": first,
                "end_date": last,
                **_endpoints_argument(endpoints),
                **_quota_argument(allow_over_quota),
                **({"refresh": "true"} if refresh else {}),
            },
            manifests=manifests,
            from_code=from_code,
            options=_options(logs, backoff_scale, extractors, None),
            as_json=as_json,
            parallelism=parallelism,
        )
        if code:
            raise typer.Exit(code)


def extract_records(step: Step, stdout: str) -> int | None:
    """The runner's record-count hook: `records` of the JSON summary `gmp extract` prints last.

    Other steps print no such line (validate and dates print a JSON list): they count none.
    """
    lines = stdout.strip().splitlines()
    try:
        parsed = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    records = parsed.get("records") if isinstance(parsed, dict) else None
    return records if isinstance(records, int) else None


def _options(
    logs: Path | None, backoff_scale: float, extractors: int, parallelism: int | None
) -> RunOptions:
    from workflows.runner import RunOptions

    key = f"{names.SYNC_CONFIG_MAP}/{names.EXTRACTOR_SEMAPHORE_KEY}"
    return RunOptions(
        log_dir=logs,
        backoff_scale=backoff_scale,
        semaphores={key: extractors},
        parallelism=parallelism,
        records=extract_records,
    )


def register(app: typer.Typer) -> None:
    app.command("render")(render_cmd)
    app.command()(run)
    app.command()(backfill)
