"""The rendered backfill under the local runner when a day fails: the template-level failFast of
its `days` DAG stops new days: a backfill stops on a quota or auth failure."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.workflows.conftest import Fake
from workflows import names


def test_after_a_day_fails_no_new_day_starts_running_days_finish_and_no_transform(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go checkParallelism + node_counters.go getUnsuccessfulChildren: the day nodes are
    # DAG nodes inside the rendered `days` DAG template, which sets the template-level failFast;
    # once one is Failed, no new child starts (no new day), the backfill's transform is omitted
    # and the backfill is Failed.
    monkeypatch.setenv("FAKE_PASS_SLEEP", "3")  # day 2 is still extracting when day 1 fails
    monkeypatch.setenv("FAKE_FAIL_DAY", "2024-05-01")
    args = {"start_date": "2024-05-01", "end_date": "2024-05-08", "endpoints": '["games", "tags"]'}
    docs = copy.deepcopy(list(rendered.values()))
    result = fake_gmp.run(docs, names.BACKFILL_TEMPLATE, args, backoff_scale=0.001)
    calls = fake_gmp.calls()
    failing = [
        c for c in calls if c["argv"][:4] == ["extract", "games", "--run-date", "2024-05-01"]
    ]
    assert len(failing) == 4  # 4 attempts (the extract's retry limit 3); tags: once, at the end
    started = sorted(
        c["argv"][2] for c in calls if c["argv"][0] == "validate" and "--only" not in c["argv"]
    )
    assert started == ["2024-05-01", "2024-05-02"]  # parallelism 2: no third day ever starts
    day2 = [s for s in result.steps if s.name.startswith("days.day(1:2024-05-02).extract")]
    assert [s.status for s in day2] == ["Succeeded"]  # it finished what it ran
    assert not [c for c in calls if c["argv"][0] == "transform"]
    assert result.status == "Failed" and result.exit_code() == 4


def test_without_template_fail_fast_every_day_still_starts(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # dag.go assessDAGPhase: dag.failFast does not stop new withParam items.
    monkeypatch.setenv("FAKE_FAIL_DAY", "2024-05-01")
    args = {"start_date": "2024-05-01", "end_date": "2024-05-04", "endpoints": '["games"]'}
    docs = copy.deepcopy(list(rendered.values()))
    for doc in docs:
        for template in doc["spec"].get("templates", []):
            template.pop("failFast", None)
    result = fake_gmp.run(docs, names.BACKFILL_TEMPLATE, args, backoff_scale=0.001)
    validated = sorted(
        c["argv"][2]
        for c in fake_gmp.calls()
        if c["argv"][0] == "validate" and "--only" not in c["argv"]
    )
    assert validated == [f"2024-05-0{i}" for i in range(1, 5)]
    assert result.status == "Failed"


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
    assert not [
        c for c in fake_gmp.calls() if c["argv"][0] == "validate" and "--only" not in c["argv"]
    ]
