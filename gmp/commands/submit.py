"""`gmp submit` and `gmp submit-backfill`: start the WorkflowTemplates on a cluster.

The client (Argo Server or Kubernetes API) is workflows.cluster. A backfill longer than one
workflow may cover (workflows.chunks) runs as consecutive workflows,
submitted here one after the other, each once the previous one Succeeded. Chosen over a
workflow-of-workflows (a parent creating child Workflows through resource templates) because that
needs the workflow service account to create and watch Workflows, and the parent's own status
and deadline to span years; the cost is that `gmp submit-backfill` stays running, and says how to
resume from the first chunk that did not succeed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from gmp.boundary import cli_errors
from gmp.dates import parse_range, parse_run_date
from gmp.endpoints import endpoint_names, parse_endpoint_list
from gmp.guard import AllowOverQuota
from gmp.roles import require
from gmp.work import Refresh
from workflows import names
from workflows.chunks import Chunk, split
from workflows.cluster import DEFAULT_NAMESPACE, Backend, Cluster, backend, build_workflow, follow

if TYPE_CHECKING:
    from extractor.resume import Todo

log = logging.getLogger("gmp")


def _create(target: Backend, cluster: Cluster, template: str, arguments: dict[str, str]) -> str:
    name = target.create(build_workflow(template, arguments, cluster.namespace))
    typer.echo(name)
    via = f"Argo Server {cluster.argo_server}" if cluster.argo_server else "the Kubernetes API"
    typer.echo(
        f"submitted {name} to {cluster.namespace} via {via}; watch it with: "
        f"argo -n {cluster.namespace} watch {name}",
        err=True,
    )
    return name


def _ended_badly(cluster: Cluster, name: str, phase: str, resume: str = "") -> typer.Exit:
    hint = f"argo -n {cluster.namespace} logs {name}"
    typer.echo(f"gmp: error: {name} ended {phase}: {hint}{resume}", err=True)
    return typer.Exit(1)


def _submit(  # noqa: PLR0917 - one call site per command
    template: str,
    arguments: dict[str, str],
    namespace: str | None,
    wait: bool,
    timeout_s: float,
    context: str | None = None,
) -> None:
    cluster = Cluster.from_env(namespace, context)
    target = backend(cluster)
    name = _create(target, cluster, template, arguments)
    if wait:
        phase = follow(target, name, poll_s=5.0, timeout_s=timeout_s)
        if phase != "Succeeded":
            raise _ended_badly(cluster, name, phase)


def _submit_chunks(
    chunks: list[Chunk],
    extra: dict[str, str],
    *,
    namespace: str | None,
    end: str,
    poll_s: float,
    timeout_s: float,
    context: str | None,
) -> None:
    """One backfill workflow per chunk, each started once the previous one Succeeded."""
    cluster = Cluster.from_env(namespace, context)
    target = backend(cluster)
    for i, chunk in enumerate(chunks, 1):
        arguments = {"start_date": chunk.start.isoformat(), "end_date": chunk.end.isoformat()}
        typer.echo(f"backfill {i}/{len(chunks)}: {chunk.start} to {chunk.end}", err=True)
        name = _create(target, cluster, names.BACKFILL_TEMPLATE, {**arguments, **extra})
        phase = follow(target, name, poll_s=poll_s, timeout_s=timeout_s)
        if phase != "Succeeded":
            resume = (
                f"; days {chunk.start} to {end} are not done: resume with "
                f"`gmp submit-backfill --start {chunk.start} --end {end}`"
            )
            raise _ended_badly(cluster, name, phase, resume)


Namespace = Annotated[
    str | None,
    typer.Option(help=f"Namespace (default: $ARGO_NAMESPACE, else {DEFAULT_NAMESPACE})."),
]
Wait = Annotated[bool, typer.Option("--wait", help="Follow the workflow to its end.")]
Context = Annotated[
    str | None,
    typer.Option(help="kubeconfig context (without ARGO_SERVER; default: the current one)."),
]
Timeout = Annotated[float, typer.Option(help="With --wait: give up following after this many s.")]
Endpoints = Annotated[
    str | None, typer.Option(help="Comma-separated endpoints (default: the template's list).")
]


def _endpoints(text: str | None) -> dict[str, str]:
    return {"endpoints": json.dumps(endpoint_names(text))} if text else {}


def _guard(
    text: str | None, days: list[dt.date], allow: bool, step: str, work: Todo | None = None
) -> dict[str, str]:
    """The quota guard here first, when this machine has the key, the lake and the extract
    extra (else the cluster's own step guards); the workflow parameter to pass on. `work`: a
    backfill's partitions left (the committed ones are neither planned nor probed)."""
    from gmp.context import setup_logs
    from gmp.guard import guard

    setup_logs()
    elsewhere = f"the cluster's {step} step runs the quota guard"
    guard(parse_endpoint_list(text), days, allow=allow, elsewhere=elsewhere, todo=work)
    return {"allow_over_quota": "true"} if allow else {}


def _work_left(text: str | None, days: list[dt.date], refresh: bool) -> Todo | None:
    """What the range still lacks, for the quota guard here; None when the lake cannot be read
    from this machine (the cluster's `dates` step reads it and guards there)."""
    from gmp.context import setup_logs
    from gmp.errors import GmpError, UsageError
    from gmp.work import range_todo

    setup_logs()
    try:
        return range_todo(parse_endpoint_list(text), days, refresh=refresh)
    except GmpError as exc:
        if isinstance(exc, UsageError):
            raise
        log.info("the lake cannot be read here (%s): the cluster's dates step reads it", exc)
        return None


def submit(  # noqa: PLR0917 - typer: the signature is the command line
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD.")],
    endpoints: Endpoints = None,
    namespace: Namespace = None,
    wait: Wait = False,
    timeout: Timeout = 6 * 3600,
    context: Context = None,
    allow_over_quota: AllowOverQuota = False,
) -> None:
    """Submit the daily WorkflowTemplate for RUN_DATE to the cluster; print the workflow's name.

    The quota guard runs here first when RAWG_API_KEY and LAKE_BUCKET are set (exit 5 when the
    day would overrun the month's quota), and again in the workflow's validate step.
    """
    with cli_errors():
        require("submit", "orchestrate")
        parsed = parse_run_date(run_date)
        day = parsed.isoformat()
        arguments = {"run_date": day, **_endpoints(endpoints)}
        arguments |= _guard(endpoints, [parsed], allow_over_quota, "validate")
        _submit(names.DAILY_TEMPLATE, arguments, namespace, wait, timeout, context)


def submit_backfill(  # noqa: PLR0917 - typer: the signature is the command line
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD, inclusive.")],
    endpoints: Endpoints = None,
    namespace: Namespace = None,
    wait: Wait = False,
    timeout: Timeout = 7 * 24 * 3600,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the workflows (JSON lines); send nothing."),
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between status checks.", min=0.1)] = 5.0,
    context: Context = None,
    allow_over_quota: AllowOverQuota = False,
    refresh: Refresh = False,
) -> None:
    """Submit the backfill WorkflowTemplate from START to END; print each workflow's name.

    Partitions already committed are skipped by the workflow (and by the quota guard here):
    RAWG is asked nothing about them; --refresh (template parameter refresh=true) takes them again.

    A range longer than one workflow may cover (366 days) runs as consecutive workflows, each
    submitted once the previous one Succeeded (so this waits); `--dry-run` prints one JSON line
    per workflow (start_date, end_date, days) without a cluster.
    The quota guard runs here first for the whole range when RAWG_API_KEY and LAKE_BUCKET are
    set (exit 5 when it would overrun the month's quota), and again in each workflow's `dates`.
    """
    with cli_errors():
        require("submit-backfill", "orchestrate")
        days = parse_range(start, end)
        chunks = split(days)
        if dry_run:
            for chunk in chunks:
                typer.echo(json.dumps(chunk.as_json()))
            return
        work = _work_left(endpoints, days, refresh)
        extra = _endpoints(endpoints) | _guard(endpoints, days, allow_over_quota, "dates", work)
        if refresh:
            extra["refresh"] = "true"
        if len(chunks) == 1:
            arguments = {"start_date": days[0].isoformat(), "end_date": days[-1].isoformat()}
            _submit(
                names.BACKFILL_TEMPLATE, {**arguments, **extra}, namespace, wait, timeout, context
            )
        else:
            _submit_chunks(
                chunks,
                extra,
                namespace=namespace,
                end=days[-1].isoformat(),
                poll_s=poll,
                timeout_s=timeout,
                context=context,
            )


def register(app: typer.Typer) -> None:
    app.command()(submit)
    app.command("submit-backfill")(submit_backfill)
