"""The rendered backfill under the local runner when a day fails: the stop marker (`gmp gate`)
keeps later days from starting, the days in flight finish, and the workflow ends Failed with
its exit handler run (workflows/backfill.py says what the controller does with this shape)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.workflows.conftest import Fake
from workflows import names


def _argv(calls: list[dict[str, Any]], command: str) -> list[list[str]]:
    return [c["argv"] for c in calls if c["argv"][0] == command]


def test_after_a_day_fails_no_new_day_starts_running_days_finish_and_no_transform(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Day 1 fails (exit 4 on each of its 4 attempts) while day 2 is still extracting: day 2
    # finishes, `stop` writes the marker, and every later day's gate reads `closed`: its daily
    # DAG is Skipped (no validate, no extract). `days` ends Failed once every item is fulfilled
    # (dag.go assessDAGPhase), the transform is omitted, and the exit handler runs once.
    monkeypatch.setenv("FAKE_PASS_SLEEP", "3")
    monkeypatch.setenv("FAKE_FAIL_DAY", "2024-05-01")
    args = {"start_date": "2024-05-01", "end_date": "2024-05-08", "endpoints": '["games", "tags"]'}
    docs = copy.deepcopy(list(rendered.values()))
    result = fake_gmp.run(docs, names.BACKFILL_TEMPLATE, args, backoff_scale=0.001)
    calls = fake_gmp.calls()
    failing = [
        a for a in _argv(calls, "extract") if a[1:4] == ["games", "--run-date", "2024-05-01"]
    ]
    assert len(failing) == 4  # 4 attempts (the extract's retry limit 3)
    assert sorted(a[2] for a in _argv(calls, "validate")) == ["2024-05-01", "2024-05-02"]
    day2 = [s for s in result.steps if s.name.startswith("days.day(1:") and ".extract(" in s.name]
    assert [s.status for s in day2] == ["Succeeded"]  # it finished what it ran
    closes = [a for a in _argv(calls, "gate") if "--close" in a]
    assert [a[a.index("--run-date") + 1] for a in closes] == ["2024-05-01"]
    gated = sorted(a[a.index("--run-date") + 1] for a in _argv(calls, "gate") if "--close" not in a)
    assert gated == [f"2024-05-0{i}" for i in range(1, 9)]  # every later day: gate, then nothing
    status = {s.name: s.status for s in result.steps}
    skipped = sorted(n for n, st in status.items() if n.endswith(").day") and st == "Skipped")
    assert len(skipped) == 6, status
    assert not _argv(calls, "transform")
    assert result.status == "Failed" and result.exit_code() == 4
    assert len(_argv(calls, "outcome")) == 1
    # The tags snapshot is taken once for the range whatever the days do; never per day.
    assert [a[1] for a in _argv(calls, "extract") if "--covers-from" in a] == ["tags"]


def test_a_day_that_succeeds_leaves_the_gate_open_and_the_marker_unwritten(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    args = {"start_date": "2024-05-01", "end_date": "2024-05-03", "endpoints": "games"}
    result = fake_gmp.run(copy.deepcopy(list(rendered.values())), names.BACKFILL_TEMPLATE, args)
    assert result.status == "Succeeded", result.failures()
    calls = fake_gmp.calls()
    assert not [a for a in _argv(calls, "gate") if "--close" in a]
    assert sorted(a[2] for a in _argv(calls, "validate")) == [f"2024-05-0{i}" for i in (1, 2, 3)]
    status = {s.name: s.status for s in result.steps}
    stops = [st for n, st in status.items() if n.endswith(".stop")]
    assert stops == ["Omitted"] * 3  # depends: day.Failed || day.Errored
    assert len(_argv(calls, "transform")) == 1


def test_a_backfill_of_snapshots_only_takes_each_once_and_runs_no_day(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    # An empty per-day list would mean "the daily set" to the daily DAG's validate: `gmp dates`
    # lists no day, so the day fan-out is skipped (dag.go expandTask: empty withParam), and
    # the snapshots fan out on their own.
    args = {"start_date": "2024-05-01", "end_date": "2024-05-03", "endpoints": "genres,tags"}
    result = fake_gmp.run(copy.deepcopy(list(rendered.values())), names.BACKFILL_TEMPLATE, args)
    assert result.status == "Succeeded"
    extracts = sorted(c["argv"] for c in fake_gmp.calls() if c["argv"][0] == "extract")
    assert extracts == [
        ["extract", name, "--run-date", "2024-05-03", "--covers-from", "2024-05-01"]
        for name in ("genres", "tags")
    ]
    status = {s.name: s.status for s in result.steps}
    assert status["transform"] == "Succeeded", status
    assert [(n, s) for n, s in status.items() if n.startswith("days")] == [
        ("days.day", "Skipped")  # the fan-out over no day
    ]
    assert not _argv(fake_gmp.calls(), "validate")
