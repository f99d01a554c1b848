"""The exit handler past the workflow's deadline: run, but never retried (Argo v4.0.10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.workflows.conftest import Fake, by_command, container, task, workflow

RETRY = {"limit": 2, "retryPolicy": "Always"}


def _doc(tmp_path: Path, **spec: Any) -> dict[str, Any]:
    """`main` sleeps 1.5 s; the exit handler `bye` fails once, then would succeed."""
    return workflow(
        "wf",
        [task("nap", "nap")],
        container("nap", "sleep", "1.5"),
        container("bye", "fails", "bye", str(tmp_path), retryStrategy=RETRY),
        onExit="bye",
        **spec,
    )


def test_the_exit_handler_is_not_retried_past_the_workflow_deadline(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go processNodeRetries: once time.Now() is after woc.workflowDeadline a failed
    # attempt ends its retry node with "retry exceeded workflow deadline <deadline>"; nothing
    # there spares the exit handler (only its pod's deadline is not lowered: workflowpod.go
    # createWorkflowPod). The nap's pod is cut at the 1 s deadline; the handler starts after it.
    monkeypatch.setenv("FAKE_FAILS", "bye=1")
    result = fake_gmp.run([_doc(tmp_path, activeDeadlineSeconds=1)], "wf", {})
    handler = result.exit_handler
    assert handler is not None
    assert (handler.status, handler.attempts) == ("Failed", 1)
    assert "retry exceeded workflow deadline" in handler.message
    assert handler.message.endswith("+0000 UTC")  # Go's time.Time %s
    assert len(by_command(fake_gmp, "fails")) == 1
    assert result.status == "Failed"


def test_before_the_deadline_the_exit_handler_is_retried(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same handler with no workflow deadline: its retryStrategy recovers it.
    monkeypatch.setenv("FAKE_FAILS", "bye=1")
    result = fake_gmp.run([_doc(tmp_path)], "wf", {})
    handler = result.exit_handler
    assert handler is not None
    assert (handler.status, handler.attempts) == ("Succeeded", 2)
    assert result.status == "Succeeded"
