"""`dag.failFast` versus the template-level `failFast`, as the v4.0.10 controller reads them.

The template-level failFast on the entry DAG ends the workflow (operator.go `operate` reads the
entry node's phase); on a DAG inside another DAG (the backfill's `days`), it can leave the workflow
Running forever, which the runner refuses (workflows/runner/failfast.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, task, workflow
from workflows.runner.failfast import NeverFinishes

Doc = dict[str, Any]


def _fan(**dag_extra: object) -> dict[str, object]:
    """Six items, two at a time; the first fails at once, the others take 0.3 s."""
    tasks = [
        task("fan", "item", withItems=list("abcdef"), arguments=args(what="{{item}}")),
        task("after", "done", "fan"),
    ]
    return workflow(
        "wf",
        tasks,
        container(
            "item",
            "fails",
            "{{inputs.parameters.what}}",
            "{{workflow.parameters.dir}}",
            inputs=("what",),
        ),
        container("done", "echo", "after"),
        arguments={"parameters": [{"name": "dir"}]},
        dag_extra={"parallelism": 2, **dag_extra},
    )


def test_dag_fail_fast_lets_every_with_param_item_start(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dag.go assessDAGPhase reads dag.failFast only to decide the DAG's final phase, and
    # operator.go checkParallelism reads only the template-level failFast: new items keep
    # starting as parallelism frees up.
    monkeypatch.setenv("FAKE_FAILS", "a=9")
    doc = _fan()  # dag.failFast unset: true by default
    result = fake_gmp.run([doc], "wf", {"dir": str(tmp_path)})
    assert len(by_command(fake_gmp, "fails")) == 6
    assert result.status == "Failed"
    assert {s.name: s.status for s in result.steps}["after"] == "Omitted"


def test_template_fail_fast_refuses_new_children_after_one_failed(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go checkParallelism + node_counters.go getUnsuccessfulChildren: with the
    # template's failFast, one Failed pod inside the DAG stops the controller from executing it:
    # the running sibling finishes, nothing new starts, and the DAG fails when no pod of it is
    # active ("template has failed or errored children and failFast enabled").
    monkeypatch.setenv("FAKE_FAILS", "a=9")
    monkeypatch.setenv("FAKE_PASS_SLEEP", "0.3")
    doc = _fan(failFast=True)
    result = fake_gmp.run([doc], "wf", {"dir": str(tmp_path)})
    started = [c["argv"][1] for c in by_command(fake_gmp, "fails")]
    assert sorted(started) == ["a", "b"]
    steps = {s.name: s.status for s in result.steps}
    assert steps["fan(1:b)"] == "Succeeded"  # already running: it finished
    assert "after" not in steps and by_command(fake_gmp, "echo") == []
    assert result.status == "Failed"
    assert "template has failed or errored children and failFast enabled" in (
        result.failures_parameter
    )


def test_template_fail_fast_counts_a_failed_attempt_that_a_retry_would_recover(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # node_counters.go getUnsuccessfulChildren counts Pod nodes, and each attempt is a Pod node;
    # once the DAG is refused, executeDAG no longer runs, so the retry never starts.
    monkeypatch.setenv("FAKE_FAILS", "x=1")
    doc = workflow(
        "wf",
        [task("flaky", "flaky")],
        container(
            "flaky",
            "fails",
            "x",
            str(tmp_path),
            retryStrategy={"limit": 2, "retryPolicy": "Always"},
        ),
        dag_extra={"failFast": True},
    )
    result = fake_gmp.run([doc], "wf", {})
    (step,) = result.steps
    assert (step.status, step.attempts) == ("Failed", 1)
    assert result.status == "Failed"
    # Without the template's failFast the same step is retried and succeeds.
    (tmp_path / "x").unlink()
    del doc["spec"]["templates"][0]["failFast"]
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"


def test_template_fail_fast_on_the_entry_freezes_running_child_dags_and_runs_the_exit_handler(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # failFast on the ENTRY DAG, whose tasks are DAGs. getActivePods counts only pods directly
    # inside the refusing DAG, so it is Failed while day 1 still runs; being the entry node,
    # operator.go operate reads its phase and starts onExit at once; day 1's running pod
    # finishes (markWorkflowPhase waits for task results) but nothing after it in that day starts.
    # (The same DAG one level down never finishes: see the nested tests below.)
    monkeypatch.setenv("FAKE_FAILS", "day0=9")
    day = {
        "name": "day",
        "inputs": {"parameters": [{"name": "d"}, {"name": "s"}]},
        "dag": {
            "tasks": [
                task("a", "step", arguments=args(what="{{inputs.parameters.d}}")),
                task("slow", "slow", arguments=args(s="{{inputs.parameters.s}}")),
                task("b", "late", "a && slow"),
            ]
        },
    }
    items = [{"d": "day0", "s": "0"}, {"d": "day1", "s": "1.5"}, {"d": "day2", "s": "0"}]
    doc = workflow(
        "wf",
        [task("days", "day", withItems=items, arguments=args(d="{{item.d}}", s="{{item.s}}"))],
        day,
        container("step", "fails", "{{inputs.parameters.what}}", str(tmp_path), inputs=("what",)),
        container("slow", "sleep", "{{inputs.parameters.s}}", inputs=("s",)),
        container("late", "echo", "late"),
        container("bye", "echo", "{{workflow.status}}"),
        onExit="bye",
        dag_extra={"failFast": True, "parallelism": 2},
    )
    result = fake_gmp.run([doc], "wf", {})
    day1 = [s for s in result.steps if s.name.startswith("days(1:")]
    assert {s.name.rsplit(".", 1)[1]: s.status for s in day1} == {
        "a": "Succeeded",
        "slow": "Succeeded",
    }
    day2 = [s for s in result.steps if s.name.startswith("days(2:")]
    assert [(s.status, s.message.split(":")[0]) for s in day2] == [("Omitted", "never started")]
    assert not [c for c in fake_gmp.calls() if "day2" in c["argv"]]
    (bye,) = [c for c in by_command(fake_gmp, "echo") if c["argv"][1] == "Failed"]
    (slow,) = [c for c in by_command(fake_gmp, "sleep") if c["argv"][1] == "1.5"]
    assert bye["start"] < slow["end"], "the exit handler waited for day 1"
    assert result.status == "Failed"


# --- template-level failFast on a DAG inside another DAG (the backfill's `days`) -------------


def _nested(items: list[dict[str, str]], child: dict[str, Any], *templates: dict[str, Any]) -> Doc:
    """main → `days` (failFast, parallelism 2, one `day` per item) → `after`; onExit `bye`."""
    days = {
        "name": "days",
        "failFast": True,
        "parallelism": 2,
        "dag": {"tasks": [task("day", child["name"], withItems=items, arguments=ITEM_ARGS)]},
    }
    return workflow(
        "wf",
        [task("days", "days"), task("after", "done", "days")],
        days,
        child,
        *templates,
        container("done", "echo", "after"),
        container("bye", "echo", "{{workflow.status}}"),
        onExit="bye",
    )


ITEM_ARGS = args(d="{{item.d}}", s="{{item.s}}")
DAY = {  # a day: sleep s, then `fails d` (fails as FAKE_FAILS says)
    "name": "one-day",
    "inputs": {"parameters": [{"name": "d"}, {"name": "s"}]},
    "dag": {
        "tasks": [
            task("slow", "slow", arguments=args(s="{{inputs.parameters.s}}")),
            task("a", "step", "slow", arguments=args(what="{{inputs.parameters.d}}")),
        ]
    },
}


def _day_templates(tmp_path: Path) -> tuple[dict[str, Any], ...]:
    return (
        container("step", "fails", "{{inputs.parameters.what}}", str(tmp_path), inputs=("what",)),
        container("slow", "sleep", "{{inputs.parameters.s}}", inputs=("s",)),
    )


def test_nested_fail_fast_with_a_child_dag_still_running_never_finishes_on_argo(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go checkParallelism: day 0 (a DAG node) Failed, getActivePods(days) == 0 (day 1's
    # pod has day 1 as its boundary): `days` is marked Failed; executeTemplate returns early for
    # it from then on, so day 1 stays Running and day 2 (added to the TaskGroup's children by
    # dag.go executeDAGTask before checkParallelism refused it) is never created; dag.go
    # assessDAGPhase keeps `main` Running: no exit handler, ever.
    monkeypatch.setenv("FAKE_FAILS", "day0=9")
    items = [{"d": "day0", "s": "0"}, {"d": "day1", "s": "2"}, {"d": "day2", "s": "0"}]
    doc = _nested(items, DAY, *_day_templates(tmp_path))
    with pytest.raises(NeverFinishes) as raised:
        fake_gmp.run([doc], "wf", {})
    message = str(raised.value)
    assert message.startswith("template 'days' would never finish on Argo: failFast marked it")
    assert "child DAG 'day(1:" in message and "'day(2:" in message
    assert "keeps 'main' Running" in message
    assert by_command(fake_gmp, "echo") == []  # neither `after` nor the exit handler


def test_nested_fail_fast_whose_failed_child_dag_is_the_last_one_finishes(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Day 1 is done before day 0 fails and no item is held back: in the pass where day 0 fails,
    # dag.go executeDAGTask completes the TaskGroup and assessDAGPhase finds every descendant
    # fulfilled: `days` is Failed by its own assessment, `after` is omitted, onExit runs.
    monkeypatch.setenv("FAKE_FAILS", "day0=9")
    items = [{"d": "day0", "s": "1.5"}, {"d": "day1", "s": "0"}]
    doc = _nested(items, DAY, *_day_templates(tmp_path))
    result = fake_gmp.run([doc], "wf", {})
    assert result.status == "Failed"
    assert {s.name: s.status for s in result.steps}["after"] == "Omitted"
    assert result.exit_handler is not None and result.exit_handler.status == "Succeeded"


def test_nested_fail_fast_over_pods_fails_at_once(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pods directly in `days`: checkParallelism waits for getActivePods(days) to reach 0 (b
    # finishes), marks `days` Failed, and `main`'s assessDAGPhase completes the TaskGroup from its
    # fulfilled children (completableTaskGroupPhase): the workflow fails and onExit runs.
    monkeypatch.setenv("FAKE_FAILS", "a=9")
    monkeypatch.setenv("FAKE_PASS_SLEEP", "0.3")
    item = container("item", "fails", "{{inputs.parameters.d}}", str(tmp_path), inputs=("d", "s"))
    doc = _nested([{"d": "a", "s": "0"}, {"d": "b", "s": "0"}], item)
    result = fake_gmp.run([doc], "wf", {})
    steps = {s.name[:11]: s.status for s in result.steps}  # "days.day(1:" for the item b
    assert steps["days.day(1:"] == "Succeeded" and steps["after"] == "Omitted"
    assert result.status == "Failed"
    assert result.exit_handler is not None and result.exit_handler.status == "Succeeded"


@pytest.mark.parametrize(
    ("items", "retry", "expected"),
    [
        ("abc", None, "'day(2:"),  # held back by parallelism 2: connected, never created
        ("a", {"limit": 2, "retryPolicy": "Always"}, "retry node 'day(0:"),
    ],
)
def test_nested_fail_fast_over_pods_never_finishes_with_an_item_held_back_or_a_retry_node(
    fake_gmp: Fake,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    items: str,
    retry: dict[str, Any] | None,
    expected: str,
) -> None:
    # dag.go executeDAGTask connects the third item to the TaskGroup before checkParallelism
    # refuses it, and completableTaskGroupPhase needs every child to exist; a retry node is
    # resolved only by processNodeRetries in the walk that `days` no longer gets.
    monkeypatch.setenv("FAKE_FAILS", "a=9")
    monkeypatch.setenv("FAKE_PASS_SLEEP", "1.5")  # b still runs when a fails: c waits
    extra = {"retryStrategy": retry} if retry else {}
    item = container(
        "item", "fails", "{{inputs.parameters.d}}", str(tmp_path), inputs=("d", "s"), **extra
    )
    doc = _nested([{"d": d, "s": "0"} for d in items], item)
    with pytest.raises(NeverFinishes, match="template 'days' would never finish") as raised:
        fake_gmp.run([doc], "wf", {})
    assert expected in str(raised.value)
