"""End to end on a real kind cluster: submit a day and a backfill via Argo, then query the marts.

Run by `make kind-e2e` (which creates the cluster, builds and loads the images, installs the
chart); skipped with the reason when Docker, kind, kubectl, argo or the cluster is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence

import pytest

pytestmark = pytest.mark.kind

CLUSTER = os.environ.get("GMP_KIND_CLUSTER", "gmp")
NAMESPACE = os.environ.get("GMP_KIND_NAMESPACE", "game-market")
CONTEXT = f"kind-{CLUSTER}"
INSPECTOR = "deploy/game-market-pipeline-warehouse-inspector"
RUN_DATE = "2024-05-01"
BACKFILL = ("2024-05-02", "2024-05-03")


def _run(args: Sequence[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)


def _missing() -> str | None:
    """Why this machine cannot run the kind tests, or None when it can."""
    for tool in ("docker", "kind", "kubectl", "argo"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (the kind tests need Docker, kind, kubectl and argo)"
    try:
        if _run(["docker", "info"], timeout=20).returncode != 0:
            return "the Docker daemon is not reachable (`docker info` fails)"
        clusters = _run(["kind", "get", "clusters"], timeout=20).stdout.split()
    except subprocess.TimeoutExpired:
        return "docker/kind did not answer within 20 s"
    if CLUSTER not in clusters:
        return f"no kind cluster named {CLUSTER!r}: run `make kind-e2e` (or `make kind-up`)"
    return None


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)


def argo(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return _run(["argo", "--context", CONTEXT, "-n", NAMESPACE, *args], timeout=timeout)


def submit(template: str, *params: str) -> dict[str, object]:
    """Submit from a WorkflowTemplate, wait for the end, return the workflow object."""
    args = ["submit", "--from", f"workflowtemplate/{template}", "--wait", "-o", "name"]
    for p in params:
        args += ["-p", p]
    proc = argo(*args, timeout=1800)
    # `-o name` prints the name first; `--wait` then adds "<name> <phase> at <time>" lines.
    name = proc.stdout.split()[0] if proc.stdout.split() else ""
    assert name, f"argo submit printed no workflow name:\n{proc.stdout}\n{proc.stderr}"
    got = argo("get", name, "-o", "json")
    assert got.returncode == 0, got.stderr
    return dict(json.loads(got.stdout))


def query(sql: str) -> list[list[object]]:
    """Run SQL on the dev warehouse inside the inspector pod (read-only), rows as JSON."""
    code = (
        "import duckdb, json, os; "
        "con = duckdb.connect(os.environ['DUCKDB_PATH'], read_only=True); "
        f"print(json.dumps(con.sql({sql!r}).fetchall(), default=str))"
    )
    proc = _run(
        ["kubectl", "--context", CONTEXT, "-n", NAMESPACE, "exec", INSPECTOR, "--",
         "python", "-c", code],
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def _mart(name: str) -> str:
    rows = query(
        "select table_schema from information_schema.tables "
        f"where table_name = '{name}' order by table_schema limit 1"
    )
    assert rows, f"{name} is not in the warehouse"
    return f'"{rows[0][0]}".{name}'


def test_daily_run_lands_the_day_and_builds_the_marts() -> None:
    wf = submit("game-market-daily", f"run_date={RUN_DATE}")
    status = dict(wf["status"])  # type: ignore[arg-type]
    assert status["phase"] == "Succeeded", status.get("message")
    games = query(f"select count(*) from {_mart('dim_games')}")[0][0]
    assert int(str(games)) > 0
    snapshot = _mart("fct_game_daily_snapshot")
    seen = query(f"select count(*) from {snapshot} where cast(run_date as varchar) = '{RUN_DATE}'")
    assert int(str(seen[0][0])) > 0


def test_backfill_runs_every_day_through_the_daily_template() -> None:
    start, end = BACKFILL
    wf = submit("game-market-backfill", f"start_date={start}", f"end_date={end}")
    status = dict(wf["status"])  # type: ignore[arg-type]
    assert status["phase"] == "Succeeded", status.get("message")
    snapshot = _mart("fct_game_daily_snapshot")
    days = query(
        f"select count(distinct run_date) from {snapshot} "
        f"where cast(run_date as varchar) between '{start}' and '{end}'"
    )
    assert int(str(days[0][0])) == 2


def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
    return _run(["kubectl", "--context", CONTEXT, *args])


def test_the_controller_is_argo_v4_0_10_or_later() -> None:
    # v4.0.9 fixes the semaphore/mutex bugs the extract locks hit (argoproj/argo-workflows
    # #16160, #16405, #16567); v4.0.10 the lock bugs of a stop while waiting and of a transient
    # lock error (#16777, #16776, #16745).
    proc = kubectl("-n", "argo", "get", "deploy", "workflow-controller", "-o",
                   "jsonpath={.spec.template.spec.containers[0].image}")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    tag = proc.stdout.rsplit(":", 1)[-1].lstrip("v")
    assert tuple(int(p) for p in tag.split(".")[:3]) >= (4, 0, 10), proc.stdout


def test_the_namespace_enforces_pod_security_restricted() -> None:
    proc = kubectl("get", "namespace", NAMESPACE, "-o", "json")
    assert proc.returncode == 0, proc.stderr
    labels = json.loads(proc.stdout)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_endpoints_given_comma_separated_reach_the_fan_out() -> None:
    wf = submit("game-market-daily", "run_date=2024-04-30", "endpoints=genres,platforms")
    status = dict(wf["status"])  # type: ignore[arg-type]
    assert status["phase"] == "Succeeded", status.get("message")
    nodes = dict(status["nodes"])  # type: ignore[arg-type]
    extracts = {n["displayName"] for n in nodes.values() if n.get("type") == "Retry"
                and n.get("templateName") == "extract"}  # fmt: skip
    assert extracts == {"extract(0:genres)", "extract(1:platforms)"}
