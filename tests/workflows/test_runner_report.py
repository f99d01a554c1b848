"""The run and backfill summaries: a fan-out's steps that never started are one line per reason."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from tests.workflows.conftest import Fake
from workflows import names
from workflows.runner.model import RunResult, Step
from workflows.runner.report import fan_out_pattern, not_run, print_summary


def _printed(result: RunResult, *, as_json: bool = False, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, soft_wrap=True)
    print_summary(result, console, [], as_json=as_json)
    return buffer.getvalue()


def test_fan_out_items_become_one_pattern_even_when_they_hold_parentheses() -> None:
    day = 'days.day(3:{"endpoints":"games (x)","run_date":"2024-05-04"}).day'
    assert fan_out_pattern(f"{day}.extract(0:games)") == "days.day(…).day.extract(…)"
    assert fan_out_pattern("transform") == "transform"
    assert fan_out_pattern("snapshots(12:tags)") == "snapshots(…)"


def test_a_seven_day_backfill_shows_its_skipped_steps_as_a_few_lines(
    fake_gmp: Fake, rendered: dict[str, Any], tmp_path: Path
) -> None:
    # Each of the 7 days skips extract-details (when), transform and report (transform=false)
    # and omits stop (depends: day.Failed || day.Errored): 28 steps that never started.
    args = {"start_date": "2024-05-01", "end_date": "2024-05-07", "endpoints": "games,tags"}
    result = fake_gmp.run(copy.deepcopy(list(rendered.values())), names.BACKFILL_TEMPLATE, args)
    assert result.status == "Succeeded", result.failures()
    assert sum(s.status in ("Skipped", "Omitted") for s in result.steps) == 28
    out = _printed(result)
    assert "Skipped" not in out and "Omitted" not in out  # no row per skipped step
    lines = [ln for ln in out.splitlines() if " skipped: " in ln or " omitted: " in ln]
    assert lines == [
        "7 skipped: not a detail endpoint: extract takes it — days.day(…).day.extract-details(…)",
        "7 skipped: a backfill's day: the backfill transforms once, at its end — "
        "days.day(…).day.transform",
        "7 skipped: a backfill's day: no report per day — days.day(…).day.report",
        "7 omitted: the day did not fail, so no stop marker — days.day(…).stop",
    ]
    data = json.loads(_printed(result, as_json=True))
    assert [(g["status"], g["count"]) for g in data["not_run"]] == [
        ("Skipped", 7), ("Skipped", 7), ("Skipped", 7), ("Omitted", 7),
    ]  # fmt: skip
    assert len(data["skipped"]) == 21 and len(data["omitted"]) == 7  # the names, as before


def test_a_step_not_run_for_another_reason_shows_the_runners_message(tmp_path: Path) -> None:
    def skipped(name: str, why: str) -> Step:
        return Step(name, "", status="Skipped", message=why)

    steps = [
        Step("validate", "validate", status="Succeeded", attempts=1),
        skipped("extract(0:games)", "when 'games != games' evaluated false"),
        skipped("extract(1:tags)", "when 'tags != tags' evaluated false"),
        skipped("tidy(0:a)", "when 'a == b' evaluated false"),
        skipped("days.day", "Skipped, empty params"),
    ]
    groups = not_run(steps)
    assert [g.line() for g in groups] == [
        "2 skipped: a detail endpoint: extract-details takes it — extract(…)",
        "1 skipped: when 'a == b' evaluated false — tidy(0:a)",  # one item: its full name
        "1 skipped: Skipped, empty params — days.day",
    ]
    out = _printed(RunResult("wf", "Succeeded", steps, 1.0, tmp_path))
    assert out.count("validate") == 1 and "extract(0:games)" not in out
