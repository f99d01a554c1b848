"""Issue 13's acceptance for alerts: `gmp run` with a refused key delivers exactly one alert.

The real chain: the committed daily YAML, the local runner's onExit handler resolving the
optional `GMP_ALERT_WEBHOOK` secretKeyRef from the environment, the real `gmp outcome`, and a
real HTTP receiver on a loopback port.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devstack.standin import StandinServer
from devstack.standin_faults import Fault
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp, Result
from tests.gmp.test_quota import write_record
from tests.gmp.test_quota_guard import guard_spend, only_probes
from tests.receiver import HOOK_PATH, closed_port_url, receiver

REFUSED_STEP = "extract(0:games)"


@pytest.fixture
def run(gmp: Gmp, tmp_path: Path, standin: StandinServer) -> Gmp:
    """`gmp` against a stand-in that refuses the key on /games (401, as RAWG does)."""
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    gmp.env["DBT_TARGET"] = "dev"
    gmp.env["GMP_TEST_LOGS"] = str(tmp_path / "logs")
    standin.add_fault(Fault("401", path="/games", times=-1))
    return gmp


def run_day(run: Gmp, **env: str) -> tuple[Result, dict[str, Any]]:
    args = ("run", "--run-date", RUN_DATE, "--endpoints", "games,genres", "--json")
    logs = run.env["GMP_TEST_LOGS"]
    result = run(*args, "--backoff-scale", "0.01", "--logs", logs, timeout=600, **env)
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def outcome_line(run: Gmp) -> dict[str, Any]:
    """The exit handler's JSON line (`gmp outcome`), from the step logs `gmp run --logs` keeps."""
    found = [
        json.loads(line)
        for path in Path(run.env["GMP_TEST_LOGS"]).rglob("*.stdout")
        if path.is_file()
        for line in path.read_text(errors="replace").splitlines()
        if line.startswith('{"event": "workflow finished"')
    ]
    assert len(found) == 1, found
    return found[0]


def logs_text(run: Gmp) -> str:
    return "".join(
        p.read_text(errors="replace")
        for p in Path(run.env["GMP_TEST_LOGS"]).rglob("*")
        if p.is_file()
    )


def test_a_run_with_a_refused_key_delivers_exactly_one_alert_naming_the_extract(
    run: Gmp,
) -> None:
    with receiver() as hook:
        result, data = run_day(run, GMP_ALERT_WEBHOOK=hook.url)
    assert result.code == 3, result.stderr[-3000:]
    assert data["status"] == "Failed" and data["exit_handler"] == "Succeeded"
    (alert,) = hook.received
    assert alert["path"] == HOOK_PATH
    assert alert["workflow"].startswith("game-market-daily-") and alert["status"] == "Failed"
    assert alert["run_date"] == RUN_DATE
    assert [s["step"] for s in alert["failed_steps"]] == [REFUSED_STEP]
    first, *lines = alert["text"].splitlines()
    assert first == f":red_circle: *{alert['workflow']}* Failed — run_date {RUN_DATE}"
    step_line = next(line for line in lines if REFUSED_STEP in line)
    assert "exit code 3" in step_line and "RAWG refused the API key" in step_line
    assert CANARY_KEY not in json.dumps(alert)
    assert outcome_line(run)["alert"] == "sent"
    assert HOOK_PATH not in result.stdout + result.stderr + logs_text(run)


def test_without_a_webhook_nothing_is_sent_and_the_exit_code_is_the_same(run: Gmp) -> None:
    with receiver() as hook:
        result, data = run_day(run)  # GMP_ALERT_WEBHOOK unset: the optional key is absent
    assert result.code == 3 and data["exit_handler"] == "Succeeded"
    assert data["failed"] == [REFUSED_STEP]
    assert outcome_line(run)["alert"] == "not configured"
    assert hook.received == []


def test_an_unreachable_webhook_changes_nothing_about_the_run(run: Gmp) -> None:
    result, data = run_day(run, GMP_ALERT_WEBHOOK=closed_port_url())
    assert result.code == 3 and data["exit_handler"] == "Succeeded"
    assert data["failed"] == [REFUSED_STEP]
    assert outcome_line(run)["alert"] == "failed"
    assert "alert not delivered to GMP_ALERT_WEBHOOK" in logs_text(run)
    assert HOOK_PATH not in result.stdout + result.stderr + logs_text(run)


def test_a_run_refused_by_the_quota_guard_delivers_exactly_one_alert(
    gmp: Gmp, standin: StandinServer, tmp_path: Path
) -> None:
    """Issue 13: the quota guard's refusal (exit 5 at validate) alerts once, spending only the
    plan's probes, and names neither the key nor the webhook."""
    write_record(gmp, 95)
    gmp.env["GMP_TEST_LOGS"] = str(tmp_path / "logs")
    with receiver() as hook:
        result, data = run_day(gmp, GMP_ALERT_WEBHOOK=hook.url, GMP_MONTHLY_QUOTA="100")
    assert result.code == 5, result.stderr[-3000:]
    assert data["status"] == "Failed" and data["exit_handler"] == "Succeeded"
    (alert,) = hook.received
    assert [s["step"] for s in alert["failed_steps"]] == ["validate"]
    first, *lines = alert["text"].splitlines()
    assert "refused before spending" in first and f"run_date {RUN_DATE}" in first
    step_line = next(line for line in lines if "`validate`" in line)
    assert "exit code 5" in step_line and "refused before spending" in step_line
    # the step's own error line, as Argo copies a container's termination message into the
    # node message (operator.go `inferFailedReason`): the guard's numbers reach the alert
    assert "requests" in step_line and "allow-over-quota" in step_line
    assert alert["path"] == HOOK_PATH
    payload = json.dumps({k: v for k, v in alert.items() if k != "path"})
    assert CANARY_KEY not in payload and HOOK_PATH not in payload
    assert outcome_line(gmp)["alert"] == "sent"
    assert only_probes(standin) and guard_spend(gmp) == len(standin.requests)
    assert gmp.manifest("games") is None and gmp.manifest("genres") is None
    assert HOOK_PATH not in result.stdout + result.stderr + logs_text(gmp)
