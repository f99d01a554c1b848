"""The committed YAML itself, run by the local runner with a stand-in gmp: the wiring, fast."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from gmp.endpoints import DEFAULT_ENDPOINTS
from tests.workflows.conftest import Fake, max_overlap
from workflows import names

DAILY_SET = list(DEFAULT_ENDPOINTS)


def commands(fake: Fake) -> list[list[str]]:
    return [c["argv"] for c in fake.calls()]


def test_the_daily_template_validates_extracts_each_endpoint_then_transforms_and_reports(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    docs = list(rendered.values())
    result = fake_gmp.run(docs, names.DAILY_TEMPLATE, {"run_date": "2024-05-01"})
    assert result.status == "Succeeded", [(s.name, s.status, s.message) for s in result.steps]
    argv = commands(fake_gmp)
    assert argv[0] == ["validate", "--run-date", "2024-05-01", "--endpoints", json.dumps(DAILY_SET)]
    extracts = sorted(a for a in argv if a[0] == "extract")
    # A daily run passes no backfill range to game_details: the empty parameters.
    once = {"game_details": ["--once-from", "", "--once-to", ""]}
    assert extracts == sorted(
        ["extract", e, "--run-date", "2024-05-01", *once.get(e, [])] for e in DAILY_SET
    )
    assert argv[-3] == ["transform", "--run-date", "2024-05-01"]
    assert argv[-2][:3] == ["report", "--run-date", "2024-05-01"] and "--lake" in argv[-2]
    assert argv[-1][:5] == ["outcome", "--workflow", result.workflow, "--status", "Succeeded"]
    assert "run_date=2024-05-01" in argv[-1]
    calls = fake_gmp.calls()
    last_extract = max(c["end"] for c in calls if c["argv"][0] == "extract")
    assert calls[-3]["start"] >= last_extract
    assert calls[-2]["start"] >= calls[-3]["end"]  # the report reads what transform built
    assert sum(s.records or 0 for s in result.steps) == sum(len(e) for e in DAILY_SET)
    # game_details reads the day's committed games: it starts once every list extract is done.
    (details,) = [c for c in calls if c["argv"][:2] == ["extract", "game_details"]]
    lists = [c for c in calls if c["argv"][0] == "extract" and c is not details]
    assert details["start"] >= max(c["end"] for c in lists)
    status = {s.name: s.status for s in result.steps}
    assert status["extract-details(1:game_details)"] == "Succeeded"
    assert status["extract(1:game_details)"] == "Skipped"
    assert status["extract-details(0:games)"] == "Skipped"


@pytest.mark.parametrize(
    ("endpoints", "extracted"),
    [('["game_details"]', ["game_details"]),  # reads the lake: runs alone too
     ("games,tags", ["games", "tags"]),  # not asked for: not run, transform still runs
     ('["tags", "game_details", "games"]', ["tags", "games", "game_details"])],
)  # fmt: skip
def test_game_details_runs_after_the_lists_when_asked_for(
    fake_gmp: Fake, rendered: dict[str, Any], endpoints: str, extracted: list[str]
) -> None:
    args = {"run_date": "2024-05-01", "endpoints": endpoints}
    result = fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args)
    assert result.status == "Succeeded", [(s.name, s.status, s.message) for s in result.steps]
    calls = [c for c in fake_gmp.calls() if c["argv"][0] == "extract"]
    assert sorted(c["argv"][1] for c in calls) == sorted(extracted)
    if "game_details" in extracted:
        assert calls[-1]["argv"][1] == "game_details"
        assert all(calls[-1]["start"] >= c["end"] for c in calls[:-1])
    assert [c["argv"][0] for c in fake_gmp.calls()][-3] == "transform"


def test_the_endpoints_parameter_narrows_the_fan_out(
    fake_gmp: Fake, rendered: dict[str, Any]
) -> None:
    args = {"run_date": "2024-05-01", "endpoints": '["games", "publishers"]'}
    assert fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args).status == "Succeeded"
    assert sorted(a[1] for a in commands(fake_gmp) if a[0] == "extract") == ["games", "publishers"]


@pytest.mark.parametrize("allow", [None, "true"])
def test_allow_over_quota_reaches_the_validate_step(
    fake_gmp: Fake, rendered: dict[str, Any], allow: str | None
) -> None:
    args = {"run_date": "2024-05-01", **({"allow_over_quota": allow} if allow else {})}
    assert fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args).status == "Succeeded"
    (validate,) = [c for c in fake_gmp.calls() if c["argv"][0] == "validate"]
    assert validate["allow_over_quota"] == (allow or "false")  # the guard runs unless "true"


def test_a_bad_run_date_stops_at_the_first_step(fake_gmp: Fake, rendered: dict[str, Any]) -> None:
    result = fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, {"run_date": "bad-date"})
    assert result.status == "Failed" and result.exit_code() == 2
    assert [a[0] for a in commands(fake_gmp)] == ["validate", "outcome"]  # exit 2: not retried
    assert {s.name: s.status for s in result.steps} == {
        "validate": "Failed",
        "extract": "Omitted",
        "extract-details": "Omitted",
        "transform": "Omitted",
        "report": "Omitted",
    }


@pytest.mark.parametrize("parallelism", [1, 2])
def test_the_backfill_runs_the_daily_dag_per_day_within_its_parallelism(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch, parallelism: int
) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0.05")
    args = {"start_date": "2024-05-01", "end_date": "2024-05-05", "endpoints": '["games", "tags"]'}
    docs = copy.deepcopy(rendered)  # as the chart (and `gmp backfill --parallelism`) sets it
    next(t for t in docs["backfill"]["spec"]["templates"] if t["name"] == "days")["parallelism"] = (
        parallelism
    )
    result = fake_gmp.run(list(docs.values()), names.BACKFILL_TEMPLATE, args)
    assert result.status == "Succeeded"
    calls = fake_gmp.calls()
    days = [f"2024-05-0{i}" for i in range(1, 6)]
    assert calls[0]["argv"] == [
        "dates", "--start", "2024-05-01", "--end", "2024-05-05", "--endpoints", '["games", "tags"]'
    ]  # fmt: skip
    daily = [c for c in calls if c["argv"][0] == "validate"]
    assert sorted(c["argv"][2] for c in daily) == days
    extracts = [c["argv"] for c in calls if c["argv"][0] == "extract"]
    # games per day; the snapshot (tags) once, on the last day, covering the range
    assert sorted(a[3] for a in extracts if a[1] == "games") == days
    assert [a for a in extracts if a[1] == "tags"] == [
        ["extract", "tags", "--run-date", "2024-05-05", "--covers-from", "2024-05-01"]
    ]
    # `dates` runs the quota guard for the range; the days' validate steps then skip it.
    assert calls[0]["allow_over_quota"] == "false"
    assert {c["allow_over_quota"] for c in daily} == {"true"}
    # The days only extract; the warehouse is built once for the range, after the last day.
    (transform,) = [c for c in calls if c["argv"][0] == "transform"]
    assert transform["argv"] == ["transform", "--start", "2024-05-01", "--end", "2024-05-05"]
    assert transform["start"] >= max(c["end"] for c in calls if c["argv"][0] == "extract")
    skipped = {s.name for s in result.steps if s.status == "Skipped"}
    # Each item: the day with the per-day endpoints it lacks (dag.go expandTask names the node
    # by the item's compact JSON, item.go Item.String); its daily DAG is the `day` task inside.
    node = 'days.day({i}:{{"endpoints":"games","run_date":"{day}"}}).day'
    assert skipped == {
        f"{node.format(i=i, day=day)}.{step}"
        for i, day in enumerate(days)
        for step in ("transform", "report")
    } | {
        f"{node.format(i=i, day=day)}.extract-details({j}:{e})"  # not a detail endpoint here
        for i, day in enumerate(days)
        for j, e in enumerate(["games"])
    }
    # A day is in flight from its validate's start to its last extract's end.
    per_day = [c for c in calls if c["argv"][:2] == ["extract", "games"]]
    spans = []
    for day in days:
        mine = [c for c in calls if day in c["argv"] and c in daily + per_day]
        spans.append({"start": min(c["start"] for c in mine), "end": max(c["end"] for c in mine)})
    assert max_overlap(spans) <= parallelism
    assert calls[-1]["argv"][:5] == [
        "outcome",
        "--workflow",
        result.workflow,
        "--status",
        "Succeeded",
    ]


def test_a_bad_range_fails_in_the_dates_step(fake_gmp: Fake, rendered: dict[str, Any]) -> None:
    args = {"start_date": "2024-05-05", "end_date": "2024-05-01"}
    result = fake_gmp.run(list(rendered.values()), names.BACKFILL_TEMPLATE, args)
    assert result.status == "Failed" and result.exit_code() == 2
    assert [a[0] for a in commands(fake_gmp)] == ["dates", "outcome"]
