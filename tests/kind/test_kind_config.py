"""What `make kind-up` ships, checked offline: Argo >= v4.0.10, restricted executor and namespace.

Argo injects `init` and `wait` containers into every workflow pod and gives them only the
controller's `executor.securityContext` (argo-workflows v4.0.9, workflow/controller/workflowpod.go
`newExecContainer`), while the pod-level securityContext comes from the template or the workflow
spec (workflowpod.go `createWorkflowPod`). This builds each workflow pod the way the controller
does and holds it to Pod Security "restricted" (the namespace label kind sets).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows import render

ROOT = Path(__file__).resolve().parents[2]
KIND = ROOT / "kind"
RESTRICTED_VOLUMES = {"emptyDir", "configMap", "secret", "persistentVolumeClaim", "projected",
                      "downwardAPI", "csi", "ephemeral"}  # fmt: skip


def executor_context() -> dict[str, Any]:
    patch = yaml.safe_load((KIND / "argo-controller-patch.yaml").read_text())
    return dict(yaml.safe_load(patch["data"]["executor"])["securityContext"])


def argo_pods(executor: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """One pod per container template, with Argo's init and wait containers beside `main`."""
    pods = []
    for doc in render.load(None).values():
        if doc["kind"] != "WorkflowTemplate":
            continue
        spec = doc["spec"]
        for template in spec["templates"]:
            if "container" not in template:
                continue
            injected = {"securityContext": executor} if executor else {}
            pods.append(
                (
                    f"{doc['metadata']['name']}/{template['name']}",
                    {
                        "securityContext": template.get("securityContext")
                        or spec.get("securityContext", {}),
                        "volumes": [*template.get("volumes", []), {"name": "var-run-argo",
                                    "emptyDir": {}}],
                        "initContainers": [{"name": "init", **injected}],
                        "containers": [{"name": "wait", **injected},
                                       {"name": "main", **template["container"]}],
                    },
                )
            )  # fmt: skip
    return pods


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """Pod Security Standards, "restricted" (kubernetes.io/docs/concepts/security/)."""
    found = []
    pod_ctx = pod.get("securityContext", {})
    for volume in pod.get("volumes", []):
        if not set(volume) - {"name"} <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume['name']} has a type restricted refuses")
    for c in pod.get("initContainers", []) + pod.get("containers", []):
        ctx = c.get("securityContext") or {}
        name = c["name"]
        if ctx.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = ctx.get("capabilities") or {}
        if "ALL" not in caps.get("drop", []) or set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: must drop ALL capabilities")
        if ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is not True:
            found.append(f"{name}: runAsNonRoot must be true")
        if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
            found.append(f"{name}: runAsUser must not be 0")
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost")
        if ctx.get("privileged"):
            found.append(f"{name}: privileged")
    return found


def test_every_workflow_pod_passes_restricted_with_the_kind_executor_settings() -> None:
    pods = argo_pods(executor_context())
    assert len(pods) >= 6  # validate, extract, transform, dates, transform-range, exit handlers
    problems = [f"{where}: {p}" for where, pod in pods for p in restricted_violations(pod)]
    assert problems == []


def test_without_the_executor_settings_argos_own_containers_are_refused() -> None:
    # The default controller config (empty executor.securityContext): Argo's init and wait
    # containers break Pod Security "restricted" (workflowpod.go `newExecContainer`).
    where, pod = argo_pods(None)[0]
    problems = restricted_violations(pod)
    assert any(p.startswith("init:") for p in problems), where
    assert any(p.startswith("wait:") for p in problems), where
    assert not any(p.startswith("main:") for p in problems), problems


def test_kind_up_applies_the_executor_settings_and_labels_the_namespace() -> None:
    namespace = yaml.safe_load((KIND / "namespace.yaml").read_text())
    assert namespace["kind"] == "Namespace"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nkind-up:", 1)[1].split("\n\n", 1)[0]
    assert "workflow-controller-configmap" in recipe
    assert "--patch-file kind/argo-controller-patch.yaml" in recipe
    assert "kind/namespace.yaml" in recipe
    # The rollout restart comes after the patch, so the controller runs with it.
    assert recipe.index("patch-file") < recipe.index("rollout restart")


def version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.lstrip("v").split("."))


@pytest.mark.parametrize("where", ["Makefile", "README.md", "docs/operations.md"])
def test_argo_is_at_least_v4_0_10(where: str) -> None:
    # v4.0.9 fixes the last of the semaphore/mutex bugs the extract locks hit (argo-workflows
    # #16567; #16405 came in v4.0.8, #16160 in v4.0.6): its git log v4.0.5..v4.0.9 -- workflow/sync.
    # v4.0.10 fixes two more (git log v4.0.9..v4.0.10): a stop or terminate ignored while a node
    # waits for a lock (#16777, #16776), and a transient lock error that failed the node (#16745).
    text = (ROOT / where).read_text()
    pins = re.findall(r"ARGO_VERSION \?= (v\d+\.\d+\.\d+)", text) if where == "Makefile" else (
        re.findall(r"Argo Workflows (v\d+\.\d+\.\d+)", text)
    )  # fmt: skip
    assert pins, f"{where} names no Argo version"
    assert all(version(p) >= (4, 0, 10) for p in pins), pins
