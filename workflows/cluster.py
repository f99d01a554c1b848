"""The cluster client behind `gmp submit`: a Workflow from a WorkflowTemplate, created and followed.

Through an Argo Server with Hera when `ARGO_SERVER` is set (`ARGO_TOKEN`, `ARGO_NAMESPACE`,
`ARGO_INSECURE_SKIP_VERIFY` as the argo CLI reads them); otherwise by creating the Workflow object
(a `workflowTemplateRef`, nothing else) through the Kubernetes API with the current kubeconfig.
hera and kubernetes (the `orchestrate` extra) load only when a client is built.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gmp.errors import GmpError, UsageError
from workflows import names

if TYPE_CHECKING:
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


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def follow(
    target: Backend,
    name: str,
    *,
    poll_s: float,
    timeout_s: float,
    say: Callable[[str], None] = _to_stderr,
) -> str:
    """Poll until the workflow ends; say each phase change; the final phase."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while True:
        phase = target.phase(name)
        if phase != last:
            say(f"{name}: {phase}")
            last = phase
        if phase in DONE:
            return phase
        if time.monotonic() > deadline:
            raise ClusterError(f"{name} still {phase} after {timeout_s:.0f} s (it keeps running)")
        time.sleep(poll_s)
