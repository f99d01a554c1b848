"""`gmp submit` and `gmp submit-backfill`: start the WorkflowTemplates on a cluster.

Through an Argo Server with Hera when `ARGO_SERVER` is set (`ARGO_TOKEN`, `ARGO_NAMESPACE`,
`ARGO_INSECURE_SKIP_VERIFY` as the argo CLI reads them); otherwise by creating the Workflow object
(a `workflowTemplateRef`, nothing else) through the Kubernetes API with the current kubeconfig.

A backfill longer than one workflow may cover (workflows.chunks) runs as consecutive workflows,
submitted here one after the other, each once the previous one Succeeded. Chosen over a
workflow-of-workflows (a parent creating child Workflows through resource templates) because that
needs the workflow service account to create and watch Workflows, and the parent's own status
and deadline to span years; the cost is that `gmp submit-backfill` stays running, and says how to
resume from the first chunk that did not succeed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from gmp.boundary import cli_errors
from gmp.commands.steps import endpoint_names
from gmp.dates import parse_range, parse_run_date
from gmp.errors import GmpError, UsageError
from workflows import names
from workflows.chunks import Chunk, split

if TYPE_CHECKING:  # hera loads only when submitting: `gmp` starts faster for every other command
    from hera.workflows import Workflow

DEFAULT_NAMESPACE = "game-market"  # the namespace docs/operations.md and `make kind-*` use
DONE = ("Succeeded", "Failed", "Error")


class ClusterError(GmpError):
    """The cluster could not be reached or refused the request."""


@dataclass(frozen=True)
class Cluster:
    """Where to submit; built from the environment at the CLI boundary."""

    namespace: str
    argo_server: str | None = None
    token: str | None = None
    verify_ssl: bool = True
    context: str | None = None  # kubeconfig context (Kubernetes API only); None = the current one

    @classmethod
    def from_env(cls, namespace: str | None, context: str | None = None) -> Cluster:
        return cls(
            context=context,
            namespace=namespace or os.environ.get("ARGO_NAMESPACE") or DEFAULT_NAMESPACE,
            argo_server=os.environ.get("ARGO_SERVER") or None,
            token=os.environ.get("ARGO_TOKEN") or None,
            verify_ssl=os.environ.get("ARGO_INSECURE_SKIP_VERIFY", "").lower()
            not in ("1", "true", "yes"),
        )


def build_workflow(template: str, arguments: dict[str, str], namespace: str) -> Workflow:
    """A Workflow running the installed WorkflowTemplate with these parameters; no secret in it."""
    from hera.workflows import Parameter, Workflow
    from hera.workflows.models import WorkflowTemplateRef

    return Workflow(
        generate_name=f"{template}-",
        namespace=namespace,
        labels={"app.kubernetes.io/part-of": names.PART_OF, "app.kubernetes.io/managed-by": "gmp"},
        workflow_template_ref=WorkflowTemplateRef(name=template),
        arguments=[Parameter(name=k, value=v) for k, v in arguments.items()],
    )


class Backend(Protocol):
    def create(self, workflow: Workflow) -> str: ...
    def phase(self, name: str) -> str: ...


class ArgoServer:
    """Submit through the Argo Server's API with Hera."""

    def __init__(self, cluster: Cluster) -> None:
        from hera.workflows import WorkflowsService

        self.cluster = cluster
        self.service = WorkflowsService(
            host=cluster.argo_server,
            token=cluster.token,
            namespace=cluster.namespace,
            verify_ssl=cluster.verify_ssl,
        )

    def create(self, workflow: Workflow) -> str:
        workflow.workflows_service = self.service
        created = self._call(workflow.create)
        return str(created.metadata.name)

    def phase(self, name: str) -> str:
        namespace = self.cluster.namespace
        found = self._call(lambda: self.service.get_workflow(name, namespace=namespace))
        return str((found.status.phase if found.status else None) or "Pending")

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except Exception as exc:  # hera raises requests' and its own exceptions
            text = str(exc)
            if any(code in text for code in ("401", "403", "Unauthorized", "Forbidden")):
                raise UsageError(
                    f"the Argo Server at {self.cluster.argo_server} refused the request: "
                    'check ARGO_TOKEN (e.g. `export ARGO_TOKEN="$(argo auth token)"`)'
                ) from None
            raise ClusterError(
                f"Argo Server at {self.cluster.argo_server}: {type(exc).__name__}: {text[:300]}"
            ) from None


class KubernetesApi:
    """Create the Workflow object directly (needs RBAC to create workflows.argoproj.io)."""

    GROUP, VERSION, PLURAL = "argoproj.io", "v1alpha1", "workflows"

    def __init__(self, cluster: Cluster) -> None:
        from kubernetes import client, config  # type: ignore[import-untyped]

        try:
            config.load_kube_config(context=cluster.context)
        except Exception:
            if cluster.context:
                raise UsageError(
                    f"kubeconfig context {cluster.context!r} is not usable: check `kubectl "
                    "config get-contexts` (or KUBECONFIG)"
                ) from None
            try:
                config.load_incluster_config()
            except Exception:
                raise UsageError(
                    "no Argo Server (ARGO_SERVER unset) and no usable kubeconfig: set "
                    "ARGO_SERVER (and ARGO_TOKEN), or point KUBECONFIG at the cluster"
                ) from None
        self.cluster = cluster
        self.api = client.CustomObjectsApi()

    def create(self, workflow: Workflow) -> str:
        body = workflow.to_dict()
        created = self._call(
            lambda: self.api.create_namespaced_custom_object(
                self.GROUP, self.VERSION, self.cluster.namespace, self.PLURAL, body
            )
        )
        return str(created["metadata"]["name"])

    def phase(self, name: str) -> str:
        found = self._call(
            lambda: self.api.get_namespaced_custom_object(
                self.GROUP, self.VERSION, self.cluster.namespace, self.PLURAL, name
            )
        )
        return str((found.get("status") or {}).get("phase") or "Pending")

    def _call(self, action: Callable[[], Any]) -> Any:
        from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]

        try:
            return action()
        except ApiException as exc:
            if exc.status in (401, 403):
                raise UsageError(
                    f"the Kubernetes API refused to create workflows in {self.cluster.namespace}: "
                    f"{exc.reason}"
                ) from None
            raise ClusterError(f"Kubernetes API: {exc.status} {exc.reason}") from None
        except Exception as exc:
            raise ClusterError(f"Kubernetes API: {type(exc).__name__}: {exc}") from None


def backend(cluster: Cluster) -> Backend:
    return ArgoServer(cluster) if cluster.argo_server else KubernetesApi(cluster)


def follow(target: Backend, name: str, *, poll_s: float, timeout_s: float) -> str:
    """Poll until the workflow ends; print each phase change; the final phase."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while True:
        phase = target.phase(name)
        if phase != last:
            typer.echo(f"{name}: {phase}", err=True)
            last = phase
        if phase in DONE:
            return phase
        if time.monotonic() > deadline:
            raise ClusterError(f"{name} still {phase} after {timeout_s:.0f} s (it keeps running)")
        time.sleep(poll_s)


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


def submit(  # noqa: PLR0917 - typer: the signature is the command line
    run_date: Annotated[str, typer.Option("--run-date", help="Partition date, YYYY-MM-DD.")],
    endpoints: Endpoints = None,
    namespace: Namespace = None,
    wait: Wait = False,
    timeout: Timeout = 6 * 3600,
    context: Context = None,
) -> None:
    """Submit the daily WorkflowTemplate for RUN_DATE to the cluster; print the workflow's name."""
    with cli_errors():
        day = parse_run_date(run_date).isoformat()
        arguments = {"run_date": day, **_endpoints(endpoints)}
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
) -> None:
    """Submit the backfill WorkflowTemplate from START to END; print each workflow's name.

    A range longer than one workflow may cover (366 days) runs as consecutive workflows, each
    submitted once the previous one Succeeded (so this waits); `--dry-run` prints one JSON line
    per workflow (start_date, end_date, days) without a cluster.
    """
    with cli_errors():
        days = parse_range(start, end)
        chunks = split(days)
        if dry_run:
            for chunk in chunks:
                typer.echo(json.dumps(chunk.as_json()))
            return
        extra = _endpoints(endpoints)
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
