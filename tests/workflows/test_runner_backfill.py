"""The rendered backfill under the local runner when a day fails: the stop marker (`gmp gate`)
keeps later days from starting, the days in flight finish, and the workflow ends Failed with
its exit handler run (workflows/backfill.py says what the controller does with this shape).

The shape shipped before it, template-level failFast on the `days` DAG over days that are DAGs,
would leave the workflow Running forever on Argo once a day fails while another runs: the
runner refuses it, naming the template."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from gmp.commands import local
from tests.workflows.conftest import Fake
from workflows import names
from workflows.runner import RunOptions
from workflows.runner.failfast import NeverFinishes


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


def _with_days_fail_fast(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The backfill as shipped until issue 20: `failFast: true` on the `days` DAG template, whose
    tasks are days (the daily DAG by templateRef, no gate), 2 at a time. Built here from the
    rendered file, so the test keeps this shape whatever the backfill becomes."""
    docs = copy.deepcopy(rendered)
    (days,) = [t for t in docs["backfill"]["spec"]["templates"] if t["name"] == "days"]
    days.update({"failFast": True, "parallelism": 2})
    (day,) = days["dag"]["tasks"]
    (wrapper,) = [t for t in docs["backfill"]["spec"]["templates"] if t["name"] == day["template"]]
    (daily,) = [t for t in wrapper["dag"]["tasks"] if "templateRef" in t]
    arguments = {"run_date": "{{item.run_date}}", "endpoints": "{{item.endpoints}}"}
    for parameter in daily["arguments"]["parameters"]:
        parameter["value"] = arguments.get(parameter["name"], parameter["value"])
    day.pop("template")
    day.update({"templateRef": daily["templateRef"], "arguments": daily["arguments"]})
    return docs


ARGS = {"start_date": "2024-05-01", "end_date": "2024-05-04", "endpoints": '["games", "tags"]'}
ITEM = '{{"endpoints":"games","run_date":"2024-05-0{}"}}'
NEVER = (
    "template 'days' would never finish on Argo: failFast marked it Failed while child DAG "
    f"'day(1:{ITEM.format(2)})' was still running; 'day(2:{ITEM.format(3)})' was held back by "
    "parallelism and never created (operator.go checkParallelism; executeTemplate no longer walks "
    "it), so dag.go assessDAGPhase keeps 'backfill' Running and no exit handler runs"
)


def test_a_failing_day_under_a_fail_fast_days_dag_never_finishes_on_argo(
    fake_gmp: Fake, rendered: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go checkParallelism: day 1 (a DAG node inside `days`) Failed and no pod has `days`
    # as its boundary (day 2's pods belong to day 2), so `days` is marked Failed while day 2 runs
    # and day 3 is connected but not created; executeTemplate never walks `days` again and
    # dag.go assessDAGPhase keeps `backfill` Running: no transform, no exit handler, ever.
    monkeypatch.setenv("FAKE_PASS_SLEEP", "3")  # day 2 is still extracting when day 1 fails
    monkeypatch.setenv("FAKE_FAIL_DAY", "2024-05-01")
    docs = list(_with_days_fail_fast(rendered).values())
    with pytest.raises(NeverFinishes) as raised:
        fake_gmp.run(docs, names.BACKFILL_TEMPLATE, ARGS, backoff_scale=0.001)
    assert str(raised.value) == NEVER
    calls = fake_gmp.calls()
    started = sorted(c["argv"][2] for c in calls if c["argv"][0] == "validate")
    assert started == ["2024-05-01", "2024-05-02"]  # parallelism 2: day 3 never starts
    assert not [c for c in calls if c["argv"][0] in ("transform", "outcome")]


def test_gmp_backfill_ends_with_the_never_finishes_line_not_a_traceback(
    fake_gmp: Fake,
    rendered: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The CLI's path (gmp/commands/local.py _execute under cli_errors): one `gmp: error:` line
    # naming the template, a non-zero exit.
    monkeypatch.setenv("FAKE_PASS_SLEEP", "3")
    monkeypatch.setenv("FAKE_FAIL_DAY", "2024-05-01")
    for key, doc in _with_days_fail_fast(rendered).items():
        (tmp_path / names.RENDERED_FILES[key]).write_text(yaml.safe_dump(doc), encoding="utf-8")
    options = RunOptions(
        log_dir=tmp_path / "logs",
        backoff_scale=0.001,
        semaphores={"game-market-pipeline-sync/rawg-extractors": 4},
    )
    with pytest.raises(typer.Exit) as exited:
        local._execute(
            names.BACKFILL_TEMPLATE,
            ARGS,
            manifests=tmp_path,
            from_code=False,
            options=options,
            as_json=False,
        )
    assert exited.value.exit_code == 1
    err = capsys.readouterr().err
    assert f"gmp: error: {NEVER}\n" in err
    assert "Traceback" not in err
