"""What happens to one pod: its deadline, its outputs.result, its Secret keys (Argo v4.0.9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, task, workflow
from workflows.runner.process import DEADLINE_MESSAGE, RESULT_LIMIT, Attempt

ALWAYS = {"limit": 1, "retryPolicy": "Always", "expression": 'lastRetry.exitCode not in ["2"]'}


def _pipe(producer: dict[str, object]) -> dict[str, object]:
    """`make` prints something; `use` echoes {{tasks.make.outputs.result}}."""
    return workflow(
        "wf",
        [
            task("make", "make"),
            task("use", "use", "make", arguments=args(got="{{tasks.make.outputs.result}}")),
        ],
        producer,
        container("use", "echo", "{{inputs.parameters.got}}", inputs=("got",)),
    )


def test_outputs_result_trims_exactly_one_trailing_newline(fake_gmp: Fake) -> None:
    # workflow/executor/executor.go CaptureScriptResult: "Trims off a single newline".
    doc = _pipe(container("make", "raw", "  a b\\n\\n"))
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"
    (used,) = by_command(fake_gmp, "echo")
    assert used["argv"][1] == "  a b\n"


def test_outputs_result_keeps_only_the_last_256_kb(fake_gmp: Fake, tmp_path: Path) -> None:
    # executor.go CaptureScriptResult: above maxAnnotationSize (256 kB) only the LAST 256 kB are
    # saved, so a JSON list that long loses its head and no longer parses for withParam.
    data = "x" * (RESULT_LIMIT + 100) + "TAIL\n"
    attempt = Attempt("Succeeded", 0, 0.0, data, tmp_path / "log")
    assert len(attempt.result().encode()) == RESULT_LIMIT and attempt.result().endswith("xTAIL")
    doc = workflow(
        "wf",
        [
            task("make", "make"),
            task(
                "fan",
                "use",
                "make",
                withParam="{{tasks.make.outputs.result}}",
                arguments=args(got="{{item}}"),
            ),
        ],
        container("make", "biglist", "30000"),  # 330 kB of JSON
        container("use", "echo", "{{inputs.parameters.got}}", inputs=("got",)),
    )
    result = fake_gmp.run([doc], "wf", {})
    fan = next(s for s in result.steps if s.name == "fan")
    assert fan.status == "Error" and "could not be parsed as a JSON list" in fan.message


def test_a_pod_past_its_deadline_fails_and_retry_policy_always_retries_it(fake_gmp: Fake) -> None:
    # workflowpod.go createWorkflowPod: the template's activeDeadlineSeconds is the pod's; the
    # kubelet then fails the pod ("Pod was active on the node longer than the specified
    # deadline", operator.go inferFailedReason: Failed, not Error) and the retry goes on.
    slow = container("slow", "sleep", "30", activeDeadlineSeconds=1, retryStrategy=ALWAYS)
    doc = workflow("wf", [task("t", "slow")], slow)
    result = fake_gmp.run([doc], "wf", {})
    (step,) = result.steps
    assert (step.status, step.attempts) == ("Failed", 2)
    assert step.message.startswith(DEADLINE_MESSAGE)
    assert step.exit_code == 143  # SIGTERM, as the container reports it
    assert step.seconds < 10


def test_the_workflow_deadline_caps_pods_stops_retries_and_spares_the_exit_handler(
    fake_gmp: Fake,
) -> None:
    # workflowpod.go: a pod's deadline is lowered to what is left of the workflow's (not for the
    # exit handler); operator.go processNodeRetries: "retry exceeded workflow deadline";
    # failNodesWithoutCreatedPodsAfterDeadlineOrShutdown: a node whose pod was never created
    # after the deadline fails with "Step exceeded its deadline".
    mutex = {"mutexes": [{"name": "m"}]}
    tasks = [task("slow", "slow"), task("pause", "pause"), task("later", "later", "pause")]
    doc = workflow(
        "wf",
        tasks,
        container("slow", "sleep", "30", retryStrategy=ALWAYS, synchronization=mutex),
        container("pause", "sleep", "0.2"),
        container("later", "echo", "later", synchronization=mutex),  # waits for slow's lock
        container("bye", "sleep", "1.5", activeDeadlineSeconds=10),
        onExit="bye",
        activeDeadlineSeconds=2,
        dag_extra={"dag": {"failFast": False, "tasks": tasks}},
    )
    result = fake_gmp.run([doc], "wf", {})
    steps = {s.name: s for s in result.steps}
    assert "retry exceeded workflow deadline" in steps["slow"].message
    assert DEADLINE_MESSAGE in result.failures_parameter  # its first pod, killed at the deadline
    assert (steps["later"].status, steps["later"].message) == (
        "Failed",
        "Step exceeded its deadline",
    )
    assert by_command(fake_gmp, "echo") == []
    assert result.exit_handler is not None and result.exit_handler.status == "Succeeded"
    assert result.status == "Failed" and result.seconds < 15


def test_an_optional_secret_key_that_is_absent_leaves_the_variable_unset(
    fake_gmp: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kubernetes: an optional secretKeyRef whose key is missing just omits the variable.
    ref = {"secretKeyRef": {"name": "s", "key": "RAWG_API_KEY", "optional": True}}
    doc = workflow(
        "wf",
        [task("t", "t")],
        {
            "name": "t",
            "container": {
                "command": ["gmp"],
                "args": ["env", "RAWG_API_KEY"],
                "env": [{"name": "RAWG_API_KEY", "valueFrom": ref}],
            },
        },
    )
    monkeypatch.delenv("RAWG_API_KEY", raising=False)
    result = fake_gmp.run([doc], "wf", {})
    assert result.status == "Succeeded"
    assert (fake_gmp.tmp / "logs" / "t.1.stdout").read_text().strip() == "<unset>"


def test_a_missing_required_secret_key_fails_each_attempt_at_once_and_is_retried(
    fake_gmp: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On Argo the pod waits in CreateContainerConfigError until its deadline, then fails with no
    # exit code (lastRetry.exitCode "-1"), which the product's expression retries. Locally each
    # attempt fails at once, with a message saying what Argo would do.
    ref = {"secretKeyRef": {"name": "s", "key": "API_KEY"}}
    doc = workflow(
        "wf",
        [task("t", "t")],
        {
            "name": "t",
            "activeDeadlineSeconds": 3600,
            "retryStrategy": ALWAYS,
            "container": {
                "command": ["gmp"],
                "args": ["echo", "x"],
                "env": [{"name": "API_KEY", "valueFrom": ref}],
            },
        },
    )
    monkeypatch.delenv("API_KEY", raising=False)
    result = fake_gmp.run([doc], "wf", {})
    (step,) = result.steps
    assert (step.status, step.attempts, step.exit_code) == ("Failed", 2, None)
    assert "CreateContainerConfigError" in step.message and "API_KEY" in step.message
    assert step.seconds < 5 and fake_gmp.calls() == []
