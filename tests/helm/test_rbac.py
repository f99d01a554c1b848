"""RBAC: the workflow service account gets exactly what Argo's executor needs, in one namespace."""

from __future__ import annotations

import pytest

from tests.helm.chart import NAMESPACE, SCENARIOS, render

# Argo Workflows >= 3.4 executors report outputs through WorkflowTaskResults; >= 3.6 dropped
# the pod-patch fallback, so this is the whole list (docs: workflow-rbac.md).
EXECUTOR_NEEDS = {("argoproj.io", "workflowtaskresults", verb) for verb in ("create", "patch")}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_rbac_grants_only_what_the_executor_needs(scenario: str) -> None:
    docs = render(scenario)
    kinds = {d["kind"] for d in docs}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding"}, "nothing cluster-wide"
    roles = [d for d in docs if d["kind"] == "Role"]
    assert len(roles) == 1
    granted = set()
    for rule in roles[0]["rules"]:
        assert not rule.get("resourceNames"), "no per-name escape hatches"
        assert "nonResourceURLs" not in rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    assert "*" not in (group, resource, verb), f"wildcard in {rule}"
                    granted.add((group, resource, verb))
    assert granted == EXECUTOR_NEEDS


def test_binding_ties_the_role_to_the_workflow_service_account_only() -> None:
    docs = render("default")
    role = next(d for d in docs if d["kind"] == "Role")
    binding = next(d for d in docs if d["kind"] == "RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"],
    }  # fmt: skip
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "game-market-pipeline-workflow", "namespace": NAMESPACE}
    ]
    workflows = [d for d in docs if d["kind"] in ("WorkflowTemplate",)]
    assert workflows and all(
        w["spec"]["serviceAccountName"] == "game-market-pipeline-workflow" for w in workflows
    )


def test_rbac_and_service_account_can_be_left_to_the_cluster_admin() -> None:
    docs = render("default", ("rbac.create=false", "serviceAccount.create=false"))
    assert not {d["kind"] for d in docs} & {"Role", "RoleBinding", "ServiceAccount"}
