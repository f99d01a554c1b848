"""The rendered Argo YAML: committed copy up to date, valid for Argo v4's models, consistent."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hera.workflows.models import CronWorkflow, WorkflowTemplate

from gmp.endpoints import DEFAULT_ENDPOINTS
from tests.conftest import CANARY_KEY, GMP
from workflows import names, render
from workflows.checks import problems
from workflows.cron import YESTERDAY_FROM_SCHEDULE

MODELS = {"WorkflowTemplate": WorkflowTemplate, "CronWorkflow": CronWorkflow}


def test_committed_files_equal_what_the_code_renders() -> None:
    for filename, text in render.render_all().items():
        committed = names.FILES_DIR / filename
        assert committed.exists(), f"{committed} missing: run `gmp render`"
        assert committed.read_text(encoding="utf-8") == text, (
            f"{committed} differs from the code: run `gmp render` and commit the result"
        )
    assert sorted(p.name for p in names.FILES_DIR.glob("*.yaml")) == sorted(
        names.RENDERED_FILES.values()
    )


def test_gmp_render_writes_the_files(tmp_path: Path) -> None:
    proc = subprocess.run(
        [GMP, "render", "--out", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    for filename, text in render.render_all().items():
        assert (tmp_path / filename).read_text(encoding="utf-8") == text


@pytest.mark.parametrize("key", sorted(names.RENDERED_FILES))
def test_every_document_passes_heras_strict_models(rendered: dict[str, Any], key: str) -> None:
    doc = rendered[key]
    MODELS[doc["kind"]].model_validate(doc, strict=True, extra="forbid")


def test_a_typo_fails_the_strict_models(rendered: dict[str, Any]) -> None:
    doc = copy.deepcopy(rendered["daily"])
    doc["spec"]["templates"][0]["retryStrategy"]["limitt"] = 3
    with pytest.raises(ValueError, match="limitt"):
        WorkflowTemplate.model_validate(doc, strict=True, extra="forbid")


def test_the_committed_backfill_has_no_shape_that_would_hang_on_argo() -> None:
    # What the cluster runs: the chart's files. Template-level failFast sits on no DAG that runs
    # inside another (workflows/checks.py `check_fail_fast`: operator.go checkParallelism, dag.go
    # assessDAGPhase), and each day of the backfill ends through its gate and stop marker.
    docs = [
        yaml.safe_load((names.FILES_DIR / f).read_text()) for f in names.RENDERED_FILES.values()
    ]
    assert not [line for line in problems(docs) if "failFast" in line]
    backfill = next(d for d in docs if d["metadata"]["name"] == names.BACKFILL_TEMPLATE)
    fail_fast = [t["name"] for t in backfill["spec"]["templates"] if t.get("failFast")]
    assert fail_fast == []
    (day,) = [t for t in backfill["spec"]["templates"] if t["name"] == names.BACKFILL_DAY]
    assert [t["name"] for t in day["dag"]["tasks"]] == ["gate", "day", "stop"]


def test_the_rendered_objects_have_no_semantic_problem(rendered: dict[str, Any]) -> None:
    assert problems(list(rendered.values())) == []


def _template(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in doc["spec"]["templates"] if t["name"] == name)


BREAKAGES = {
    "unknown input": (
        "daily",
        lambda d: _template(d, "extract")["container"]["args"].__setitem__(
            1, "{{inputs.parameters.endpiont}}"
        ),
        "endpiont}} names nothing declared",
    ),
    "workflow parameter in a templateRef'd template": (
        "daily",
        lambda d: _template(d, "transform")["container"]["args"].__setitem__(
            2, "{{workflow.parameters.run_date}}"
        ),
        "workflow.parameters.run_date}} names nothing declared",
    ),
    "templateRef to a missing template": (
        "backfill",
        lambda d: _template(d, "backfill-day")["dag"]["tasks"][1]["templateRef"].__setitem__(
            "template", "dayly"
        ),
        "does not resolve",
    ),
    "dependency on a missing task": (
        "daily",
        lambda d: _template(d, "daily")["dag"]["tasks"][2].__setitem__("depends", "extrakt"),
        "not a task here",
    ),
    "dependency cycle": (
        "daily",
        lambda d: _template(d, "daily")["dag"]["tasks"][0].__setitem__("depends", "transform"),
        "cycle",
    ),
    "output of a task not upstream": (
        "backfill",
        lambda d: _template(d, "backfill")["dag"]["tasks"][2].pop("depends"),
        "tasks.dates.outputs.result}} names nothing declared",
    ),
    "missing argument": (
        "daily",
        lambda d: _template(d, "daily")["dag"]["tasks"][3]["arguments"]["parameters"].clear(),
        "input 'run_date' of template 'transform' is not given",
    ),
    "retrying a bad-input exit": (
        "daily",
        lambda d: _template(d, "extract")["retryStrategy"].__setitem__(
            "expression", 'lastRetry.status == "Error" || lastRetry.exitCode not in ["3"]'
        ),
        "the CLI contract says [2, 3, 5]",
    ),
    "literal secret": (
        "daily",
        lambda d: _template(d, "extract")["container"]["env"].__setitem__(
            0, {"name": "RAWG_API_KEY", "value": "abc"}
        ),
        "carries a literal value",
    ),
    "parallelism from a parameter": (
        "backfill",
        lambda d: _template(d, "days").__setitem__("parallelism", "{{inputs.parameters.p}}"),
        "literal integer",
    ),
    "fan-out over the raw endpoints parameter": (
        "daily",
        lambda d: _template(d, "daily")["dag"]["tasks"][1].__setitem__(
            "withParam", "{{inputs.parameters.endpoints}}"
        ),
        "withParam reads the user's 'endpoints' as given",
    ),
    "template failFast over the days (DAG children): the v4 hang": (
        "backfill",
        lambda d: _template(d, "days").__setitem__("failFast", True),
        "on a DAG inside another can hang the workflow on Argo",
    ),
    "template failFast on a day (pods with retries, a DAG by templateRef): the v4 hang": (
        "backfill",
        lambda d: _template(d, "backfill-day").__setitem__("failFast", True),
        "on a DAG inside another can hang the workflow on Argo",
    ),
    "template failFast on the daily DAG, which the backfill calls by templateRef": (
        "daily",
        lambda d: _template(d, "daily").__setitem__("failFast", True),
        "on a DAG inside another can hang the workflow on Argo",
    ),
    "extract without its partition mutex": (
        "daily",
        lambda d: _template(d, "extract")["synchronization"].pop("mutexes"),
        "mutex keyed by endpoint and run_date",
    ),
    "mutex name with a slash": (
        "daily",
        lambda d: _template(d, "transform")["synchronization"]["mutexes"][0].__setitem__(
            "name", "a/b"
        ),
        "contains '/'",
    ),
    "deadline too short for an image pull": (
        "daily",
        lambda d: _template(d, "validate").__setitem__("activeDeadlineSeconds", 60),
        "no time for a cold image pull",
    ),
    "backoff cap never reached": (
        "daily",
        lambda d: _template(d, "extract")["retryStrategy"]["backoff"].__setitem__("cap", "600s"),
        "backoff cap 600s is never reached",
    ),
    "required secret key": (
        "daily",
        lambda d: _template(d, "extract")["container"]["env"][0]["valueFrom"]["secretKeyRef"].pop(
            "optional"
        ),
        "secretKeyRef must be optional",
    ),
    "cron singular schedule": (
        "cron",
        lambda d: d["spec"].__setitem__("schedule", "0 3 * * *"),
        "schedules",
    ),
    "cron argument not declared": (
        "cron",
        lambda d: d["spec"]["workflowSpec"]["arguments"]["parameters"][0].__setitem__(
            "name", "day"
        ),
        "argument 'day' is not a parameter",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_the_checks_catch_a_broken_document(rendered: dict[str, Any], case: str) -> None:
    key, breaking, expected = BREAKAGES[case]
    docs = copy.deepcopy(rendered)
    breaking(docs[key])
    found = problems(list(docs.values()))
    assert any(expected in line for line in found), found


def test_no_secret_value_reaches_the_yaml(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "RAWG_API_KEY": CANARY_KEY,
        "AWS_SECRET_ACCESS_KEY": CANARY_KEY + "aws",
        "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": CANARY_KEY + "sf",
    }
    proc = subprocess.run(
        [GMP, "render", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for path in tmp_path.glob("*.yaml"):
        assert CANARY_KEY not in path.read_text()


def test_secrets_come_only_from_the_named_secret(rendered: dict[str, Any]) -> None:
    seen = set()
    for doc in (rendered["daily"], rendered["backfill"]):
        for template in doc["spec"]["templates"]:
            for var in template.get("container", {}).get("env", []):
                if var["name"] in names.SECRET_KEYS:
                    ref = var["valueFrom"]["secretKeyRef"]
                    assert (ref["name"], ref["key"]) == (names.SECRET, var["name"])
                    # Every key optional: a Secret without RAWG_API_KEY starts the pod, and
                    # `gmp extract` exits 2 saying so (a required key: CreateContainerConfigError,
                    # Pending until the 1 h deadline, then retried).
                    assert ref.get("optional") is True
                    seen.add(var["name"])
    assert seen == set(names.SECRET_KEYS)


def test_every_container_is_locked_down(rendered: dict[str, Any]) -> None:
    for doc in (rendered["daily"], rendered["backfill"]):
        spec = doc["spec"]
        assert spec["serviceAccountName"] == names.SERVICE_ACCOUNT
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert {"podGC", "ttlStrategy", "activeDeadlineSeconds", "onExit"} <= set(spec)
        for template in spec["templates"]:
            if "container" not in template:
                continue
            container = template["container"]
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert set(container["resources"]) == {"requests", "limits"}
            assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
            assert container["envFrom"] == [{"configMapRef": {"name": names.CONFIG_MAP}}]
            assert container["image"] in (names.EXTRACTOR_IMAGE, names.DBT_IMAGE)
            assert template["retryStrategy"]["backoff"]["duration"]


def test_the_contract_names(rendered: dict[str, Any]) -> None:
    daily, backfill, cron = rendered["daily"], rendered["backfill"], rendered["cron"]
    assert daily["metadata"]["name"] == "game-market-daily"
    assert daily["spec"]["entrypoint"] == "daily"
    assert [p["name"] for p in _template(daily, "daily")["inputs"]["parameters"]] == [
        "run_date",
        "endpoints",
        "transform",
        "allow_over_quota",  # "true" turns validate's quota guard off
        "once_from",  # a backfill's range: each game's details once over it ("" = none)
        "once_to",
    ]
    assert [p.get("default") for p in _template(daily, "daily")["inputs"]["parameters"][-2:]] == [
        "",
        "",
    ]
    assert yaml.safe_load(_template(daily, "daily")["inputs"]["parameters"][1]["default"]) == list(
        DEFAULT_ENDPOINTS
    )
    assert _template(daily, "extract")["synchronization"] == {
        "semaphores": [
            {"configMapKeyRef": {"name": "game-market-pipeline-sync", "key": "rawg-extractors"}}
        ],
        "mutexes": [
            {
                "name": "game-market-pipeline-extract-{{inputs.parameters.endpoint}}"
                "-{{inputs.parameters.run_date}}"
            }
        ],
    }
    assert _template(daily, "transform")["synchronization"] == {
        "mutexes": [{"name": "game-market-pipeline-dev-warehouse"}]
    }
    assert (
        _template(daily, "transform")["container"]["image"]
        == f"game-market-pipeline/dbt:{names.VERSION}"
    )
    assert backfill["metadata"]["name"] == "game-market-backfill"
    dates, snapshot_list, days, snapshots, transform = _template(backfill, "backfill")["dag"][
        "tasks"
    ]
    assert dates["template"] == "dates"
    # Both read the lake: the days still to extract, the snapshots the range still needs.
    assert _template(backfill, "dates")["container"]["args"][0] == "dates"
    assert _template(backfill, "snapshot-endpoints")["container"]["args"][-1] == "--snapshots"
    assert (snapshot_list["template"], snapshot_list["depends"]) == ("snapshot-endpoints", "dates")
    assert (days["template"], days["depends"]) == ("days", "dates")
    assert {"name": "days", "value": "{{tasks.dates.outputs.result}}"} in days["arguments"][
        "parameters"
    ]
    assert "when" not in days  # `dates` lists no day when nothing is left per day
    assert {"name": "endpoints", "value": "{{inputs.parameters.endpoints}}"} in dates["arguments"][
        "parameters"
    ]
    assert {"name": "refresh", "value": "{{inputs.parameters.refresh}}"} in dates["arguments"][
        "parameters"
    ]
    # Each snapshot once, on the range's last day, standing for the whole range (covers_from).
    assert (snapshots["template"], snapshots["depends"]) == (
        "extract-snapshot",
        "snapshot-endpoints",
    )
    assert snapshots["withParam"] == "{{tasks.snapshot-endpoints.outputs.result}}"
    assert {"name": "run_date", "value": "{{inputs.parameters.end_date}}"} in snapshots[
        "arguments"
    ]["parameters"]
    assert {"name": "covers_from", "value": "{{inputs.parameters.start_date}}"} in snapshots[
        "arguments"
    ]["parameters"]
    assert (
        _template(backfill, "extract-snapshot")["synchronization"]
        == _template(daily, "extract")["synchronization"]
    )
    assert (transform["template"], transform["depends"]) == ("transform-range", "days && snapshots")
    fan_out = _template(backfill, "days")
    assert isinstance(fan_out["parallelism"], int)
    assert "failFast" not in fan_out  # over DAG children it hangs on Argo (workflows.backfill)
    (each,) = fan_out["dag"]["tasks"]
    assert each["template"] == "backfill-day"
    assert each["withParam"] == "{{inputs.parameters.days}}"
    one_day = _template(backfill, "backfill-day")
    gate, day, stop = one_day["dag"]["tasks"]
    assert one_day["dag"]["target"] == "day stop"
    assert _template(backfill, gate["template"])["container"]["args"][:3] == [
        "gate",
        "--workflow",
        "{{workflow.name}}",
    ]
    assert day["templateRef"] == {"name": "game-market-daily", "template": "daily"}
    assert (day["depends"], day["when"]) == ("gate", "{{tasks.gate.outputs.result}} == open")
    assert {"name": "transform", "value": "false"} in day["arguments"]["parameters"]
    assert stop["depends"] == "day.Failed || day.Errored"
    assert _template(backfill, stop["template"])["container"]["args"][-1] == "--close"
    tasks = {t["name"]: t for t in _template(daily, "daily")["dag"]["tasks"]}
    assert tasks["transform"]["when"] == "{{inputs.parameters.transform}} == true"
    # game_details reads the day's committed games: a second fan-out over the same list, after
    # the first, through the same `extract` template (its semaphore, mutex and retries).
    assert tasks["extract"]["when"] == "{{item}} != game_details"
    assert tasks["extract-details"]["when"] == "{{item}} == game_details"
    assert tasks["extract-details"]["depends"] == "extract"
    assert tasks["extract-details"]["withParam"] == tasks["extract"]["withParam"]
    assert (tasks["extract"]["template"], tasks["extract-details"]["template"]) == (
        "extract",
        "extract-details",
    )
    # The details template is `extract` with the backfill's range in its arguments and one more
    # mutex, per workflow: a backfill's days extract their details one at a time.
    extract, details = _template(daily, "extract"), _template(daily, "extract-details")
    assert details["container"]["args"] == [
        *extract["container"]["args"],
        *["--once-from", "{{inputs.parameters.once_from}}"],
        *["--once-to", "{{inputs.parameters.once_to}}"],
    ]
    assert details["synchronization"] == {
        **extract["synchronization"],
        "mutexes": [
            *extract["synchronization"]["mutexes"],
            {"name": "game-market-pipeline-details-{{workflow.name}}"},
        ],
    }
    for key in ("retryStrategy", "activeDeadlineSeconds", "volumes"):
        assert details[key] == extract[key]
    assert {k: v for k, v in details["container"].items() if k != "args"} == {
        k: v for k, v in extract["container"].items() if k != "args"
    }
    for name in ("once_from", "once_to"):
        wired = {"name": name, "value": f"{{{{inputs.parameters.{name}}}}}"}
        assert wired in tasks["extract-details"]["arguments"]["parameters"]
    # The backfill gives its days its range.
    assert {"name": "once_from", "value": "{{workflow.parameters.start_date}}"} in day["arguments"][
        "parameters"
    ]
    assert {"name": "once_to", "value": "{{workflow.parameters.end_date}}"} in day["arguments"][
        "parameters"
    ]
    assert tasks["transform"]["depends"] == "extract-details"
    assert cron["kind"] == "CronWorkflow" and cron["metadata"]["name"] == "game-market-daily"
    spec = cron["spec"]
    assert spec["timezone"] == "UTC" and spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0 and spec["schedules"]
    assert spec["workflowSpec"]["workflowTemplateRef"] == {"name": "game-market-daily"}
    assert spec["workflowSpec"]["arguments"]["parameters"] == [
        {"name": "run_date", "value": YESTERDAY_FROM_SCHEDULE}
    ]
    assert YESTERDAY_FROM_SCHEDULE == (
        "{{=sprig.dateInZone('2006-01-02', sprig.dateModify('-24h', "
        "sprig.toDate('2006-01-02T15:04:05Z07:00', workflow.scheduledTime)), 'UTC')}}"
    )


def test_retry_gives_up_on_the_exit_codes_the_cli_contract_says_cannot_be_fixed() -> None:
    from gmp.errors import AuthRefused, QuotaExhausted, Refused, UpstreamError, UsageError

    assert (
        names.NO_RETRY_EXIT_CODES
        == (
            UsageError.exit_code,
            AuthRefused.exit_code,
            Refused.exit_code,
        )
        == (2, 3, 5)
    )
    assert QuotaExhausted.exit_code not in names.NO_RETRY_EXIT_CODES
    assert UpstreamError.exit_code not in names.NO_RETRY_EXIT_CODES


def test_rendering_and_its_checks_load_nothing_of_the_local_runner(tmp_path: Path) -> None:
    # The checks read the documents through workflows.spec, as the runner does; `gmp render` in
    # an orchestration image needs no part of `gmp run`.
    script = (
        "import sys; from pathlib import Path; from workflows import render; "
        "written = render.write(Path(sys.argv[1])); "
        "print(len(written), sorted(m for m in sys.modules if m.startswith('workflows.runner')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(" ", 1) == [str(len(names.RENDERED_FILES)), "[]\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.RENDERED_FILES.values())
