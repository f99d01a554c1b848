"""Failure alerts: the message `gmp outcome` builds, and its delivery to a real local receiver."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from typing import Any

import pytest

from gmp.alerts import build_alert, deliver
from tests.conftest import CANARY_KEY, GMP
from tests.receiver import HOOK_PATH, closed_port_url, receiver

EXTRACT_REFUSED = {
    "step": "extract(0:games)",
    "template": "extract",
    "phase": "Failed",
    "message": "main: Error (exit code 3)",
    "pod": "game-market-daily-abc12-extract-1234",
    "attempts": 1,
}


def record(status: str = "Failed", **extra: Any) -> dict[str, Any]:
    return {
        "event": "workflow finished",
        "workflow": "game-market-daily-abc12",
        "run_date": "2024-05-01",
        "status": status,
        "failed_steps": [EXTRACT_REFUSED] if status != "Succeeded" else [],
        **extra,
    }


def test_a_failed_run_names_each_failing_step_and_what_its_exit_code_means() -> None:
    alert = build_alert(record(drift="drift: games +1 field (x)"))
    assert alert is not None
    first, *rest = alert["text"].splitlines()
    assert first == ":red_circle: *game-market-daily-abc12* Failed — run_date 2024-05-01"
    step_line = next(line for line in rest if "extract(0:games)" in line)
    assert "exit code 3" in step_line and "RAWG refused the API key" in step_line
    assert "Drift: games +1 field (x)" in rest  # the summary's own "drift:" is not repeated
    assert (alert["workflow"], alert["status"], alert["run_date"]) == (
        "game-market-daily-abc12",
        "Failed",
        "2024-05-01",
    )
    assert alert["failed_steps"] == [EXTRACT_REFUSED]
    assert alert["drift"] == "drift: games +1 field (x)"


def test_a_succeeded_run_without_removed_fields_needs_no_alert() -> None:
    assert build_alert(record("Succeeded", drift="games: 1 path added")) is None
    assert build_alert(record("Succeeded", drift_removed=[])) is None


def test_a_succeeded_run_whose_drift_removed_fields_read_by_models_alerts() -> None:
    removed = ["games.results[].rating", "games.results[].metacritic"]
    alert = build_alert(record("Succeeded", drift="games: 2 removed", drift_removed=removed))
    assert alert is not None
    first = alert["text"].splitlines()[0]
    assert first.startswith(":warning: *game-market-daily-abc12* succeeded")
    assert "RAWG removed fields read by models: " + ", ".join(removed) in first
    assert alert["drift_removed"] == removed and alert["failed_steps"] == []


@pytest.mark.parametrize(
    "message",
    [
        "Error (exit code 5)",  # Argo's node message for a pod that exited 5
        "gmp: error: planned 900 requests would overrun the monthly quota (300 left)",
    ],
)
def test_a_quota_refusal_says_it_was_refused_before_spending(message: str) -> None:
    step = {"step": "validate", "template": "validate", "phase": "Failed", "message": message}
    alert = build_alert(record(failed_steps=[step]))
    assert alert is not None
    first, *rest = alert["text"].splitlines()
    assert "refused before spending" in first
    assert any(line.startswith("• `validate`") for line in rest)


def test_a_run_that_errored_without_a_failed_step_still_alerts() -> None:
    alert = build_alert(record("Error", failed_steps=[]))  # e.g. the workflow's deadline
    assert alert is not None
    first, second = alert["text"].splitlines()
    assert first == ":red_circle: *game-market-daily-abc12* Error — run_date 2024-05-01"
    assert "No step failed on its own" in second


def test_a_backfill_alert_gives_its_range() -> None:
    data = record(start_date="2024-05-01", end_date="2024-05-31")
    del data["run_date"]
    alert = build_alert(data)
    assert alert is not None
    assert alert["text"].splitlines()[0].endswith("— 2024-05-01 to 2024-05-31")
    assert (alert["start_date"], alert["end_date"]) == ("2024-05-01", "2024-05-31")
    assert "run_date" not in alert


def test_a_backfill_with_many_failed_days_lists_twenty_and_counts_the_rest() -> None:
    steps = [{**EXTRACT_REFUSED, "step": f"day({i}).extract(0:games)"} for i in range(25)]
    alert = build_alert(record(failed_steps=steps))
    assert alert is not None
    assert alert["text"].count("• `day(") == 20
    assert "…and 5 more" in alert["text"]


def test_deliver_posts_one_json_message_the_receiver_accepts() -> None:
    payload = build_alert(record())
    assert payload is not None
    with receiver() as hook:
        assert deliver(payload, hook.url) is True
    (got,) = hook.received
    assert got["path"] == HOOK_PATH and got["text"] == payload["text"]
    assert hook.headers[0]["Content-Type"] == "application/json"


@pytest.mark.parametrize("down", ["refused", "500"])
def test_a_delivery_failure_is_a_warning_without_the_url_never_an_exception(
    down: str, caplog: pytest.LogCaptureFixture
) -> None:
    payload = build_alert(record())
    assert payload is not None
    caplog.set_level(logging.WARNING)
    if down == "500":
        with receiver(status=500) as hook:
            delivered = deliver(payload, hook.url, backoff_s=0)
        assert len(hook.received) == 3, "5xx is retried, 3 attempts in all"
        url = hook.url
    else:
        url = closed_port_url()
        delivered = deliver(payload, url, backoff_s=0)
    assert delivered is False
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "GMP_ALERT_WEBHOOK" in warning.getMessage()
    assert ("HTTP 500" if down == "500" else "could not reach") in warning.getMessage()
    assert HOOK_PATH not in warning.getMessage() and "127.0.0.1" not in warning.getMessage()


def test_a_client_error_is_not_retried() -> None:
    payload = build_alert(record())
    assert payload is not None
    with receiver(status=404) as hook:
        assert deliver(payload, hook.url, backoff_s=0) is False
    assert len(hook.received) == 1


# --- gmp outcome: the exit handler's command --------------------------------------------------


def outcome(status: str, failures: list[dict[str, Any]] | None, **env: str) -> tuple[Any, ...]:
    base = {k: v for k, v in os.environ.items() if k != "GMP_ALERT_WEBHOOK"}
    proc = subprocess.run(
        [GMP, "outcome", "--workflow", "game-market-daily-abc12", "--status", status,
         "--failures", json.dumps(failures), "--detail", "run_date=2024-05-01"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**base, "RAWG_API_KEY": CANARY_KEY, **env},
    )  # fmt: skip
    return proc.returncode, json.loads(proc.stdout), proc.stderr


FAILED_NODE = {
    "displayName": "extract(0:games)",
    "message": f"main: Error (exit code 3) key={CANARY_KEY}",
    "templateName": "extract",
    "phase": "Failed",
    "podName": "game-market-daily-abc12-extract-1",
}


def test_outcome_delivers_one_alert_for_a_failed_run_and_says_so() -> None:
    with receiver() as hook:
        code, line, _ = outcome("Failed", [FAILED_NODE], GMP_ALERT_WEBHOOK=hook.url)
    assert code == 0 and line["alert"] == "sent"
    (got,) = hook.received
    assert got["workflow"] == "game-market-daily-abc12" and got["run_date"] == "2024-05-01"
    assert "extract(0:games)" in got["text"] and "RAWG refused the API key" in got["text"]
    assert CANARY_KEY not in json.dumps(got), "a secret inside a step message is redacted"


def test_outcome_sends_nothing_for_a_succeeded_run() -> None:
    with receiver() as hook:
        code, line, _ = outcome("Succeeded", None, GMP_ALERT_WEBHOOK=hook.url)
    assert (code, line["alert"], hook.received) == (0, "not needed", [])


def test_outcome_without_a_webhook_sends_nothing() -> None:
    code, line, stderr = outcome("Failed", [FAILED_NODE])
    assert (code, line["alert"], stderr) == (0, "not configured", "")


@pytest.mark.parametrize("url", ["closed", "ftp://example.invalid/hooks/T0000-secret-token"])
def test_outcome_exits_0_when_the_alert_cannot_be_delivered(url: str) -> None:
    url = closed_port_url() if url == "closed" else url
    code, line, stderr = outcome("Failed", [FAILED_NODE], GMP_ALERT_WEBHOOK=url)
    assert code == 0 and line["alert"] == "failed"
    assert "GMP_ALERT_WEBHOOK" in stderr
    assert "secret-token" not in stderr and "127.0.0.1" not in stderr
