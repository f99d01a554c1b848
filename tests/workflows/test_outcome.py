"""`gmp outcome`, the exit handler: reads `{{workflow.failures}}` exactly as Argo v4.0.9 passes it.

Argo (workflow/controller/operator.go `operate`, "This strconv.Quote is necessary") stores
`strconv.Quote(json.Marshal(failures))` with one entry per Failed/Error node of ANY type;
operator_test.go `TestStepsOnExitFailures` expects the escaped form used below. Parameter
substitution (util/template/simple_template.go) quotes again and JSON-decodes once, so the
container's argument is that quoted string itself.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.conftest import GMP

# operator_test.go TestStepsOnExitFailures asserts this prefix; finishedAt completes the entry.
ARGO_TEST_FORM = (
    r'"[{\"displayName\":\"exit-handlers\",\"message\":\"Pod failed\",'
    r"\"templateName\":\"intentional-fail\",\"phase\":\"Failed\",\"podName\":\"exit-handlers\","
    r'\"finishedAt\":\"2026-05-01T02:31:00Z\"}]"'
)


def go_quote(entries: list[dict[str, Any]] | None) -> str:
    """strconv.Quote(json.Marshal(entries)) for ASCII text: Go's compact JSON, quoted once more."""
    return json.dumps(json.dumps(entries, separators=(",", ":")))


def outcome(failures: str, status: str = "Failed") -> dict[str, Any]:
    proc = subprocess.run(
        [GMP, "outcome", "--workflow", "w", "--status", status, "--failures", failures],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def node(name: str, template: str, message: str, at: str, pod: str = "") -> dict[str, Any]:
    return {
        "displayName": name,
        "message": message,
        "templateName": template,
        "phase": "Failed",
        "podName": pod or f"w-{template}-{abs(hash(name)) % 10**9}",
        "finishedAt": at,
    }


def test_argos_own_escaped_form_names_the_failed_step() -> None:
    assert outcome(ARGO_TEST_FORM)["failed_steps"] == [
        {
            "step": "exit-handlers",
            "template": "intentional-fail",
            "phase": "Failed",
            "message": "Pod failed",
            "pod": "exit-handlers",
            "finished_at": "2026-05-01T02:31:00Z",
        }
    ]


def test_the_issues_hand_made_example_is_no_longer_empty() -> None:
    text = (
        r'"[{\"displayName\":\"extract(0:games)\",\"message\":\"boom\",'
        r'\"templateName\":\"extract\",\"phase\":\"Failed\"}]"'
    )
    (step,) = outcome(text)["failed_steps"]
    assert (step["step"], step["template"], step["message"]) == (
        "extract(0:games)",
        "extract",
        "boom",
    )


@pytest.mark.parametrize("text", ['"null"', "null", "", '"[]"', "[]"])
def test_nothing_failed(text: str) -> None:
    assert outcome(text, status="Succeeded")["failed_steps"] == []


def daily_failure() -> list[dict[str, Any]]:
    """What a daily run where `games` hit exit 4 four times (and `genres` recovered) lists."""
    games = [
        node(f"extract(0:games)({n})", "extract", "Error (exit code 4)", f"2026-05-01T02:3{n}:00Z")
        for n in range(4)
    ]
    return [
        node("w", "daily", "child 'w-1' failed", "2026-05-01T02:40:00Z"),  # the entry DAG
        node("extract", "extract", "child 'w-2' failed", "2026-05-01T02:40:00Z"),  # TaskGroup
        node("extract(0:games)", "extract", "No more retries left", "2026-05-01T02:39:30Z"),
        *games,
        # An attempt a retry recovered: its parent succeeded, so it is not in the list.
        node("extract(1:genres)(0)", "extract", "Error (exit code 1)", "2026-05-01T02:31:30Z"),
    ]


@pytest.mark.parametrize("encode", [go_quote, json.dumps], ids=["argo-quoted", "plain-json"])
def test_only_the_leaf_step_that_really_failed_is_named(encode: Any) -> None:
    entries = daily_failure()
    (step,) = outcome(encode(entries))["failed_steps"]
    last = entries[6]
    assert step == {
        "step": "extract(0:games)",
        "template": "extract",
        "phase": "Failed",
        "message": "Error (exit code 4)",
        "pod": last["podName"],
        "attempts": 4,
        "finished_at": last["finishedAt"],
    }


def test_a_backfill_failure_names_the_step_not_the_days_or_the_recovered_attempts() -> None:
    entries = [
        node("w", "backfill", "child failed", "2026-05-01T05:00:00Z"),
        node("days", "days", "template has failed or errored children and failFast enabled", "t"),
        node("day", "daily", "child failed", "2026-05-01T05:00:00Z"),  # TaskGroup of days
        node("day(3:2024-05-04)", "daily", "child failed", "2026-05-01T05:00:00Z"),
        # Day 2's games attempt 0 failed early and was recovered; day 3's failed for good.
        node("extract(0:games)(0)", "extract", "Error (exit code 1)", "2026-05-01T03:00:00Z"),
        node("extract(0:games)(0)", "extract", "Error (exit code 3)", "2026-05-01T04:00:00Z"),
        node(
            "extract(0:games)",
            "extract",
            "retryStrategy.expression evaluated to false",
            "2026-05-01T04:00:15Z",
        ),
        node("extract", "extract", "child failed", "2026-05-01T04:00:15Z"),
    ]
    (step,) = outcome(go_quote(entries))["failed_steps"]
    assert (step["step"], step["message"], step["pod"]) == (
        "extract(0:games)",
        "Error (exit code 3)",
        entries[5]["podName"],
    )


def test_go_escapes_json_lacks_are_decoded() -> None:
    # json.Marshal leaves U+E0001 (a non-printable rune) raw; strconv.Quote then writes it as
    # \U000e0001, an escape JSON does not have.
    text = (
        r'"[{\"displayName\":\"validate\",\"message\":\"tag\U000e0001 nel\u0085\",'
        r'\"templateName\":\"validate\",\"phase\":\"Error\"}]"'
    )
    (step,) = outcome(text)["failed_steps"]
    assert step["message"] == "tag\U000e0001 nel\x85"
    assert step["phase"] == "Error"
