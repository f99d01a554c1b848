"""The chart lints and validates in every scenario; defaults reproduce `gmp render`'s files."""

from __future__ import annotations

import copy
import json
from typing import Any

import kubernetes_validate
import pytest
from hera.workflows.models import ClusterWorkflowTemplate, CronWorkflow, Workflow, WorkflowTemplate

from tests.helm.chart import (
    CHART,
    FILES,
    NAMESPACE,
    SCENARIOS,
    by_key,
    dump,
    helm,
    is_argo,
    key,
    render,
    rendered_files,
    value_args,
)
from workflows.names import VERSION

KUBERNETES_VERSION = "1.34.0"
HERA_MODELS: dict[str, Any] = {
    "WorkflowTemplate": WorkflowTemplate,
    "CronWorkflow": CronWorkflow,
    "Workflow": Workflow,
    "ClusterWorkflowTemplate": ClusterWorkflowTemplate,
}
EXPECTED_ARGO = {
    "WorkflowTemplate/game-market-daily",
    "WorkflowTemplate/game-market-backfill",
    "CronWorkflow/game-market-daily",
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_lint_strict(scenario: str) -> None:
    proc = helm("lint", "--strict", str(CHART), *value_args(SCENARIOS[scenario]), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_core_kinds_pass_kubernetes_validate_strict(scenario: str) -> None:
    core = [d for d in render(scenario) if not is_argo(d)]
    assert core, "the chart renders core objects"
    for doc in core:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as invalid:
            pytest.fail(
                f"{scenario}: {key(doc)} is not a valid {KUBERNETES_VERSION} object: {invalid}"
            )
        assert doc["metadata"]["namespace"] == NAMESPACE, key(doc)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_argo_kinds_pass_hera_strict_models(scenario: str) -> None:
    argo = [d for d in render(scenario) if is_argo(d)]
    assert {key(d) for d in argo} == set(rendered_files()), "one Argo object per file under files/"
    for doc in argo:
        model = HERA_MODELS[doc["kind"]]
        model.model_validate(doc, strict=True, extra="forbid")
        assert doc["metadata"]["namespace"] == NAMESPACE, key(doc)


def test_files_hold_the_orchestration_objects() -> None:
    if not list(FILES.glob("*.yaml")):
        pytest.skip("files/ is empty: `gmp render` has not written the Argo objects yet")
    assert set(rendered_files()) == EXPECTED_ARGO


def test_default_values_render_the_files_unchanged() -> None:
    rendered = by_key(render("default"))
    for name, original in rendered_files().items():
        got = copy.deepcopy(rendered[name])
        assert got["metadata"].pop("namespace") == NAMESPACE
        assert got == original, f"{name} differs from files/ with default values:\n{dump(got)}"


def _template(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in doc["spec"]["templates"] if t["name"] == name)


def _images(docs: tuple[dict[str, Any], ...]) -> set[str]:
    found: set[str] = set()
    for doc in docs:
        if is_argo(doc):
            for t in doc["spec"].get("templates", []):
                if "container" in t:
                    found.add(t["container"]["image"])
    return found


def test_prod_values_set_the_per_environment_fields() -> None:
    docs = by_key(render("prod"))
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert _images(tuple(docs.values())) == {
        f"{registry}/game-market-pipeline/extractor:{VERSION}",
        f"{registry}/game-market-pipeline/dbt:{VERSION}",
    }
    cron = docs["CronWorkflow/game-market-daily"]["spec"]
    assert (cron["schedules"], cron["timezone"], cron["suspend"]) == (["30 3 * * *"], "UTC", False)
    backfill = docs["WorkflowTemplate/game-market-backfill"]
    assert [t["parallelism"] for t in backfill["spec"]["templates"] if "parallelism" in t] == [4]
    transform = _template(docs["WorkflowTemplate/game-market-daily"], "transform")["container"]
    assert transform["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    # The backfill's one build of up to 366 days is sized too, not left at the rendered default.
    ranged = _template(backfill, "transform-range")["container"]
    assert ranged["resources"]["limits"] == {"cpu": "4", "memory": "8Gi"}
    # Steps read the existing Secret; the chart creates none and ships no AWS keys (IRSA).
    refs = {
        e["valueFrom"]["secretKeyRef"]["name"]
        for t in docs["WorkflowTemplate/game-market-daily"]["spec"]["templates"]
        for e in t.get("container", {}).get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert refs == {"game-market-pipeline-prod"}
    assert not [d for d in docs if d.startswith("Secret/")]
    sa = docs["ServiceAccount/game-market-pipeline-workflow"]
    assert "eks.amazonaws.com/role-arn" in sa["metadata"]["annotations"]
    settings = docs["ConfigMap/game-market-pipeline-config"]["data"]
    assert settings["DBT_TARGET"] == "prod" and "S3_ENDPOINT" not in settings
    assert settings["SNOWFLAKE_ACCOUNT"] == "acme-xy12345"


def test_everything_values_rewrite_images_endpoints_and_cron() -> None:
    docs = by_key(render("everything"))
    digest = "sha256:" + "0" * 64
    assert _images(tuple(docs.values())) == {
        f"registry.example.com/team/game-market-pipeline/extractor:0.1.0-rc1@{digest}",
        f"registry.example.com/team/game-market-pipeline/dbt:{VERSION}",  # the appVersion
    }
    endpoints = json.dumps(["games", "genres", "publishers"])
    for name in ("WorkflowTemplate/game-market-daily", "WorkflowTemplate/game-market-backfill"):
        spec = docs[name]["spec"]
        params = {p["name"]: p for p in spec["arguments"]["parameters"]}
        assert json.loads(params["endpoints"]["value"]) == json.loads(endpoints), name
        assert spec["imagePullSecrets"] == [{"name": "regcred"}]
        assert spec["podMetadata"]["annotations"]["example.com/team"] == "data"
        # The rendered labels stay (NetworkPolicy selects on them).
        assert spec["podMetadata"]["labels"]["app.kubernetes.io/part-of"] == "game-market-pipeline"
    daily_dag = _template(docs["WorkflowTemplate/game-market-daily"], "daily")
    defaults = {p["name"]: p.get("default") for p in daily_dag["inputs"]["parameters"]}
    assert json.loads(defaults["endpoints"]) == json.loads(endpoints)
    cron = docs["CronWorkflow/game-market-daily"]["spec"]
    assert cron["schedules"] == ["15 4 * * *", "15 16 * * *"]
    assert (cron["timezone"], cron["suspend"]) == ("Europe/Paris", True)
    extract = _template(docs["WorkflowTemplate/game-market-daily"], "extract")["container"]
    assert extract["resources"]["requests"] == {"cpu": "300m", "memory": "300Mi"}


def test_kind_values_mount_the_dev_warehouse_into_dbt_steps_only() -> None:
    docs = by_key(render("kind"))
    daily = docs["WorkflowTemplate/game-market-daily"]
    settings = docs["ConfigMap/game-market-pipeline-config"]["data"]
    for t in daily["spec"]["templates"]:
        container = t.get("container")
        if not container:
            continue
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in t.get("volumes", [])}
        if "/dbt:" in container["image"]:
            assert mounts["dev-warehouse"] == "/var/lib/gmp/warehouse"
            claim = volumes["dev-warehouse"]["persistentVolumeClaim"]["claimName"]
            assert f"PersistentVolumeClaim/{claim}" in docs
            assert settings["DUCKDB_PATH"].startswith(mounts["dev-warehouse"] + "/")
        else:
            assert "dev-warehouse" not in mounts and "dev-warehouse" not in volumes
    assert settings["S3_ENDPOINT"] == f"http://game-market-pipeline-devlake.{NAMESPACE}.svc:8333"
    assert settings["RAWG_BASE_URL"].startswith("http://game-market-pipeline-rawg-standin.")
    assert settings["DBT_TARGET"] == "dev"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_argo_references_resolve_to_objects_the_chart_creates(scenario: str) -> None:
    """Every ServiceAccount, ConfigMap, Secret key and semaphore the Argo objects name exists."""
    docs = render(scenario)
    objects = by_key(docs)
    existing_secret = {"prod": "game-market-pipeline-prod", "everything": "gmp-everything"}
    for doc in (d for d in docs if is_argo(d)):
        spec = doc["spec"].get("workflowSpec", doc["spec"])
        if "serviceAccountName" in spec:
            assert f"ServiceAccount/{spec['serviceAccountName']}" in objects
        for t in spec.get("templates", []):
            for sem in t.get("synchronization", {}).get("semaphores", []):
                ref = sem["configMapKeyRef"]
                assert ref["key"] in objects[f"ConfigMap/{ref['name']}"]["data"]
            container = t.get("container", {})
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert f"ConfigMap/{source['configMapRef']['name']}" in objects
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if not ref:
                    continue
                if scenario in existing_secret:
                    assert ref["name"] == existing_secret[scenario]
                    continue
                data = objects[f"Secret/{ref['name']}"]["data"]
                assert ref.get("optional") or ref["key"] in data, (
                    f"{key(doc)}/{t['name']}: required secret key {ref['key']} is not in the Secret"
                )


def test_argo_references_are_what_the_orchestration_uses() -> None:
    """The names the chart creates are the names workflows/names.py hands to the Argo objects."""
    names = pytest.importorskip("workflows.names")
    objects = by_key(render("default"))
    assert f"ServiceAccount/{names.SERVICE_ACCOUNT}" in objects
    assert f"Secret/{names.SECRET}" in objects
    assert f"ConfigMap/{names.CONFIG_MAP}" in objects
    sync = objects[f"ConfigMap/{names.SYNC_CONFIG_MAP}"]["data"]
    assert int(sync[names.EXTRACTOR_SEMAPHORE_KEY]) == names.EXTRACTOR_SEMAPHORE_DEFAULT


def test_kind_dev_pods_run_the_devstack_image_and_the_workflows_never_do() -> None:
    docs = by_key(render("kind"))
    devstack = f"game-market-pipeline/devstack:{VERSION}"
    for name in ("rawg-standin", "devlake"):
        pod = docs[f"Deployment/game-market-pipeline-{name}"]["spec"]["template"]["spec"]
        assert [c["image"] for c in pod["containers"]] == [devstack]
    assert _images(tuple(docs.values())), "the Argo templates name their images"
    assert not any("devstack" in image for image in _images(tuple(docs.values())))
