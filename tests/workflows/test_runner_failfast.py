"""`dag.failFast` versus the template-level `failFast`, as the v4.0.9 controller reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, task, workflow


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


def test_template_fail_fast_freezes_running_nested_dags_and_runs_the_exit_handler_at_once(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backfill's shape: days are nested DAG nodes. getActivePods counts only pods directly
    # inside the refusing DAG, so it is Failed while day 1 still runs; operator.go operate then
    # starts onExit; day 1's running pod finishes (markWorkflowPhase waits for task results) but
    # nothing after it in that day starts.
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
