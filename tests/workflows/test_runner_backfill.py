"""The rendered backfill under the local runner when a day fails.

A template-level failFast on its `days` DAG (days are DAGs, by templateRef) would leave the
workflow Running forever on Argo once a day fails while another runs: the runner refuses it."""

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


def _with_days_fail_fast(rendered: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The backfill as shipped until issue 20: `failFast: true` on the `days` DAG template, whose
    tasks are days (the daily DAG by templateRef), 2 at a time. Set here, not read from the
    rendered file, so the test keeps this shape whatever the backfill becomes."""
    docs = copy.deepcopy(rendered)
    (days,) = [t for t in docs["backfill"]["spec"]["templates"] if t["name"] == "days"]
    days.update({"failFast": True, "parallelism": 2})
    return docs


ARGS = {"start_date": "2024-05-01", "end_date": "2024-05-04", "endpoints": '["games", "tags"]'}
NEVER = (
    "template 'days' would never finish on Argo: failFast marked it Failed while child DAG "
    "'day(1:2024-05-02)' was still running; 'day(2:2024-05-03)' was held back by parallelism "
    "and never created (operator.go checkParallelism; executeTemplate no longer walks it), so "
    "dag.go assessDAGPhase keeps 'backfill' Running and no exit handler runs"
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
    started = sorted(
        c["argv"][2] for c in calls if c["argv"][0] == "validate" and "--only" not in c["argv"]
    )
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
