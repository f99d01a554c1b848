"""Every pod spec the chart can produce is locked down, sized, pinned, and reads secrets by ref."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helm.chart import SCENARIOS, pod_specs, render

SECRET_LIKE = re.compile(r"(KEY|SECRET|PASSWORD|PASSPHRASE|TOKEN|CREDENTIAL)", re.IGNORECASE)
SECRET_NAMES_OK = {"AWS_ACCESS_KEY_ID"}  # an identifier, yet still only by reference below


def _problems(where: str, pod_context: dict[str, Any], container: dict[str, Any]) -> list[str]:
    name = f"{where}:{container.get('name', 'main')}"
    ctx = container.get("securityContext", {})
    found = []
    if not (ctx.get("runAsNonRoot") or pod_context.get("runAsNonRoot")):
        found.append(f"{name}: runAsNonRoot is not true")
    if ctx.get("runAsUser", pod_context.get("runAsUser")) == 0:
        found.append(f"{name}: runs as uid 0")
    if ctx.get("allowPrivilegeEscalation") is not False:
        found.append(f"{name}: allowPrivilegeEscalation is not false")
    if ctx.get("privileged"):
        found.append(f"{name}: privileged")
    if "ALL" not in ctx.get("capabilities", {}).get("drop", []):
        found.append(f"{name}: capabilities do not drop ALL")
    if ctx.get("capabilities", {}).get("add"):
        found.append(f"{name}: adds capabilities")
    if ctx.get("readOnlyRootFilesystem") is not True:
        found.append(f"{name}: root filesystem is writable")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            if res not in resources.get(kind, {}):
                found.append(f"{name}: no {res} {kind}")
    image = container.get("image", "")
    tag = image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2]
    if not tag or tag == "latest":
        found.append(f"{name}: image {image!r} has no tag or uses latest")
    for env in container.get("env", []):
        if "value" in env and SECRET_LIKE.search(env["name"]):
            found.append(f"{name}: env {env['name']} holds a literal value, not a secretKeyRef")
        if env["name"] in SECRET_NAMES_OK and "value" in env:
            found.append(f"{name}: env {env['name']} holds a literal value")
    return found


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_pod_spec_is_locked_down(scenario: str) -> None:
    pods = list(pod_specs(render(scenario)))
    assert pods, "the scenario renders pods"
    problems = [p for where, ctx, cs in pods for c in cs for p in _problems(where, ctx, c)]
    assert not problems, "\n".join(problems)


def test_everything_scenario_covers_every_pod_the_chart_defines() -> None:
    """The posture test above sees every workload template in the chart."""
    wheres = {
        where.split("/")[0] + "/" + where.split("/")[1]
        for where, _, _ in pod_specs(render("everything"))
    }
    kinds = {w.split("/")[0] for w in wheres}
    assert {"Deployment", "Job", "WorkflowTemplate"} <= kinds
    deployments = {w for w in wheres if w.startswith("Deployment/")}
    assert deployments == {
        "Deployment/game-market-pipeline-devlake",
        "Deployment/game-market-pipeline-rawg-standin",
        "Deployment/game-market-pipeline-warehouse-inspector",
    }


def test_the_chart_pods_do_not_mount_service_account_tokens() -> None:
    """Only workflow pods talk to the API (the executor); the chart's own pods get no token."""
    for doc in render("everything"):
        if doc["kind"] in ("Deployment", "Job"):
            assert doc["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_no_secret_value_leaks_into_anything_but_the_secret() -> None:
    secret_values = ["gmp-dev-secret-not-for-production"]
    for doc in render("kind"):
        if doc["kind"] == "Secret":
            continue
        text = repr(doc)
        for value in secret_values:
            assert value not in text, (
                f"{doc['kind']}/{doc['metadata']['name']} carries a secret value"
            )
