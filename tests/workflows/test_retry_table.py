"""The retry table in docs/operations.md says what Argo computes from the rendered retryStrategy.

argo-workflows v4.0.9, workflow/controller/operator.go `processNodeRetries`: before retry n
(n = 1..limit) the controller waits `duration * factor^(n-1)`, lowered to `cap`; after the last
attempt it waits no more ("No more retries left"). The backoff comes before the retry expression
is evaluated, so an exit the expression refuses still waits the first backoff.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
TABLE = DOC.read_text(encoding="utf-8")


def seconds(text: str) -> float:
    """The durations we render: `15s` (Argo parses them with time.ParseDuration)."""
    match = re.fullmatch(r"(\d+)s", text)
    assert match, f"{text!r}: render backoff durations in whole seconds"
    return float(match[1])


def argo_waits(strategy: dict[str, Any]) -> list[float]:
    backoff = strategy["backoff"]
    duration, factor = seconds(backoff["duration"]), int(backoff["factor"])
    cap = seconds(backoff["cap"]) if "cap" in backoff else None
    waits = [duration * factor ** (n - 1) for n in range(1, int(strategy["limit"]) + 1)]
    return [min(w, cap) if cap is not None else w for w in waits]


def spoken(s: float) -> str:
    if s >= 3600 and s % 3600 == 0:
        return f"{s // 3600:.0f} h"
    if s >= 60 and s % 60 == 0:
        return f"{s // 60:.0f} min"
    return f"{s:.0f} s"


def row(template: str) -> list[str]:
    for line in TABLE.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and f"`{template}`" in cells[0]:
            return cells
    raise AssertionError(f"the retry table in {DOC.name} has no row for {template}")


def container_templates(rendered: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        t
        for key in ("daily", "backfill")
        for t in rendered[key]["spec"]["templates"]
        if "container" in t
    ]


def test_every_step_has_a_row_with_argos_waits_and_its_deadline(rendered: dict[str, Any]) -> None:
    for template in container_templates(rendered):
        cells = row(template["name"])
        strategy = template["retryStrategy"]
        assert cells[2] == str(strategy["limit"]), template["name"]
        assert cells[3] == ", ".join(spoken(w) for w in argo_waits(strategy)), template["name"]
        assert spoken(template["activeDeadlineSeconds"]) in cells[4], template["name"]


@pytest.mark.parametrize("name", ["validate", "extract", "transform", "dates", "exit-handler"])
def test_every_cap_is_reached(rendered: dict[str, Any], name: str) -> None:
    template = next(t for t in container_templates(rendered) if t["name"] == name)
    strategy = template["retryStrategy"]
    assert max(argo_waits(strategy)) == seconds(strategy["backoff"]["cap"])


def test_short_steps_leave_minutes_for_a_cold_image_pull(rendered: dict[str, Any]) -> None:
    # A pod's activeDeadlineSeconds counts from its start, image pull included
    # (workflow/controller/workflowpod.go `createWorkflowPod`).
    for template in container_templates(rendered):
        assert template["activeDeadlineSeconds"] >= 600, template["name"]
        assert re.fullmatch(r"\d+s", template["retryStrategy"]["backoff"]["duration"])
        assert seconds(template["retryStrategy"]["backoff"]["duration"]) <= 15
