"""The local runner's Argo semantics, on small WorkflowTemplates and a fast stand-in gmp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, max_overlap, task, workflow
from workflows.names import NO_RETRY_EXIT_CODES
from workflows.runner.model import Step
from workflows.spec import SpecError, retry_expression

RETRY = {
    "limit": 2,
    "retryPolicy": "Always",
    "expression": retry_expression(NO_RETRY_EXIT_CODES),
    "backoff": {"duration": "1s"},
}


def test_dependency_order_with_a_concurrent_fan_out(fake_gmp: Fake) -> None:
    # dag.go executeDAGTask/evaluateDependsLogic: a task starts when its dependencies are done;
    # expandTask fans withItems out into nodes that run at once.
    doc = workflow(
        "wf",
        [
            task("first", "echo"),
            task(
                "fan", "sleep", "first", withItems=["a", "b", "c"], arguments=args(what="{{item}}")
            ),
            task("last", "echo", "fan"),
        ],
        container("echo", "echo", "hi"),
        container("sleep", "sleep", "0.5", inputs=("what",)),
    )
    result = fake_gmp.run([doc], "wf", {})
    assert result.status == "Succeeded", result
    calls = fake_gmp.calls()
    first, *fan, last = calls
    assert first["argv"][0] == "echo" and last["argv"][0] == "echo"
    assert all(c["argv"][0] == "sleep" for c in fan) and len(fan) == 3
    assert first["end"] <= min(c["start"] for c in fan)
    assert max(c["end"] for c in fan) <= last["start"]
    assert max_overlap(fan) >= 2, "the fan-out ran one item at a time"
    assert [s.name for s in result.steps] == [
        "first",
        "fan(0:a)",
        "fan(1:b)",
        "fan(2:c)",
        "last",
    ] or sorted(s.name for s in result.steps) == sorted(
        ["first", "fan(0:a)", "fan(1:b)", "fan(2:c)", "last"]
    )


def test_parallelism_caps_the_nodes_in_flight(fake_gmp: Fake) -> None:
    # operator.go checkParallelism + node_counters.go getActiveChildren: the template's
    # parallelism counts its Pending/Running pod and DAG children.
    doc = workflow(
        "wf",
        [task("fan", "sleep", withItems=list("abcde"), arguments=args(what="{{item}}"))],
        container("sleep", "sleep", "0.3", inputs=("what",)),
        dag_extra={"parallelism": 2},
    )
    result = fake_gmp.run([doc], "wf", {})
    assert result.status == "Succeeded"
    assert len(fake_gmp.calls()) == 5
    assert max_overlap(fake_gmp.calls()) <= 2


def test_the_run_can_override_the_entry_dags_parallelism(fake_gmp: Fake) -> None:
    doc = workflow(
        "wf",
        [task("fan", "sleep", withItems=list("abcd"), arguments=args(what="{{item}}"))],
        container("sleep", "sleep", "0.3", inputs=("what",)),
        dag_extra={"parallelism": 4},
    )
    assert fake_gmp.run([doc], "wf", {}, parallelism=1).status == "Succeeded"
    assert max_overlap(fake_gmp.calls()) == 1


def test_a_mutex_serialises_and_a_semaphore_caps(fake_gmp: Fake) -> None:
    # workflow/sync/mutex.go and semaphore.go via sync_manager.go TryAcquire.
    mutex = {"mutexes": [{"name": "m"}]}
    semaphore = {"semaphores": [{"configMapKeyRef": {"name": "cm", "key": "k"}}]}
    doc = workflow(
        "wf",
        [
            task("locked", "locked", withItems=list("abc"), arguments=args(what="{{item}}")),
            task("capped", "capped", withItems=list("abcd"), arguments=args(what="{{item}}")),
        ],
        container("locked", "sleep", "0.2", inputs=("what",), synchronization=mutex),
        container("capped", "sleep", "0.21", inputs=("what",), synchronization=semaphore),
    )
    result = fake_gmp.run([doc], "wf", {}, semaphores={"cm/k": 2})
    assert result.status == "Succeeded"
    calls = fake_gmp.calls()
    assert max_overlap([c for c in calls if c["argv"][1] == "0.2"]) == 1
    assert max_overlap([c for c in calls if c["argv"][1] == "0.21"]) <= 2


def test_retries_follow_the_limit_and_skip_the_exit_codes_that_cannot_be_fixed(
    fake_gmp: Fake, tmp_path: Path
) -> None:
    # operator.go processNodeRetries: limit, then the expression over lastRetry.exitCode.
    counter = tmp_path / "flaky"
    doc = workflow(
        "wf",
        [task("flaky", "flaky"), task("bad", "bad"), task("down", "down")],
        container("flaky", "flaky", str(counter), "2", retryStrategy=RETRY),
        container("bad", "exit", "2", retryStrategy=RETRY),
        container("down", "exit", "1", retryStrategy=RETRY),
        dag_extra={
            "dag": {
                "failFast": False,
                "tasks": [task("flaky", "flaky"), task("bad", "bad"), task("down", "down")],
            }
        },
    )
    result = fake_gmp.run([doc], "wf", {}, backoff_scale=0.01)
    steps = {s.name: s for s in result.steps}
    assert (steps["flaky"].status, steps["flaky"].attempts) == ("Succeeded", 3)
    assert (steps["bad"].status, steps["bad"].attempts, steps["bad"].exit_code) == ("Failed", 1, 2)
    # operator.go processNodeRetries: the expression refuses exit 2 after one backoff.
    assert "retryStrategy.expression evaluated to false" in steps["bad"].message
    assert (steps["down"].status, steps["down"].attempts) == ("Failed", 3)
    assert result.status == "Failed"
    assert result.exit_code() == 2  # the contract code of the failing step wins over a generic 1


def test_a_failure_omits_what_depends_on_it_and_the_exit_handler_hears_of_it(
    fake_gmp: Fake,
) -> None:
    # dag.go evaluateDependsLogic: a failed dependency omits the task; operator.go operate
    # runs onExit with workflow.status and workflow.failures.
    tasks = [
        task("fan", "extract", withItems=["games", "tags"], arguments=args(endpoint="{{item}}")),
        task("after", "echo", "fan"),
    ]
    doc = workflow(
        "wf",
        tasks,
        container("extract", "extract", "{{inputs.parameters.endpoint}}", inputs=("endpoint",)),
        container("echo", "echo", "never"),
        container("bye", "echo", "{{workflow.status}} {{workflow.failures}}"),
        onExit="bye",
        dag_extra={"dag": {"failFast": False, "tasks": tasks}},
    )
    import os

    os.environ["FAKE_FAIL_EXTRACT"] = "games"
    try:
        result = fake_gmp.run([doc], "wf", {})
    finally:
        del os.environ["FAKE_FAIL_EXTRACT"]
    steps = {s.name: s for s in result.steps}
    assert steps["fan(0:games)"].status == "Failed"
    assert steps["fan(1:tags)"].status == "Succeeded"  # failFast off: the others still land
    assert steps["after"].status == "Omitted"
    assert result.status == "Failed"
    said = [c for c in fake_gmp.calls() if c["argv"][0] == "echo"]
    assert len(said) == 1 and said[0]["argv"][1].startswith('Failed "[')
    # operator.go operate: strconv.Quote(json.Marshal(failures)) - decoded twice.
    failures = json.loads(json.loads(said[0]["argv"][1].removeprefix("Failed ")))
    names = {f["displayName"] for f in failures}
    assert names == {result.workflow, "fan", "fan(0:games)"}  # entry DAG, TaskGroup, pod
    assert result.exit_handler is not None and result.exit_handler.status == "Succeeded"


def test_template_ref_with_param_and_task_outputs(fake_gmp: Fake) -> None:
    # templateresolution (templateRef), dag.go expandTask (withParam from
    # {{tasks.x.outputs.result}}), executor.go CaptureScriptResult (the result).
    inner = workflow(
        "inner",
        [task("say", "say", arguments=args(word="{{inputs.parameters.day}}"))],
        container("say", "echo", "{{inputs.parameters.word}}", inputs=("word",)),
    )
    inner["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "day"}]}
    outer = workflow(
        "outer",
        [
            task("dates", "dates"),
            {
                "name": "day",
                "depends": "dates",
                "templateRef": {"name": "inner", "template": "main"},
                "withParam": "{{tasks.dates.outputs.result}}",
                "arguments": args(day="{{item}}"),
            },
        ],
        container(
            "dates",
            "dates",
            "--start",
            "{{workflow.parameters.a}}",
            "--end",
            "{{workflow.parameters.b}}",
        ),
        arguments={"parameters": [{"name": "a"}, {"name": "b", "value": "2024-01-03"}]},
    )
    result = fake_gmp.run([inner, outer], "outer", {"a": "2024-01-01"})
    assert result.status == "Succeeded"
    said = sorted(c["argv"][1] for c in by_command(fake_gmp, "echo"))
    assert said == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert "day(1:2024-01-02).say" in {s.name for s in result.steps}


def test_missing_and_unknown_parameters_are_refused(fake_gmp: Fake) -> None:
    doc = workflow(
        "wf",
        [task("t", "echo")],
        container("echo", "echo", "x"),
        arguments={"parameters": [{"name": "d"}]},
    )
    with pytest.raises(SpecError, match="'d' is required"):
        fake_gmp.run([doc], "wf", {})
    with pytest.raises(SpecError, match="unknown parameter"):
        fake_gmp.run([doc], "wf", {"d": "1", "e": "2"})


def test_secrets_come_from_local_variables_of_the_same_name_and_nothing_else_leaks(
    fake_gmp: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "API_KEY"}}}
    optional = {
        "name": "OTHER",
        "valueFrom": {"secretKeyRef": {"name": "s", "key": "OTHER", "optional": True}},
    }
    doc = workflow(
        "wf",
        [
            task("with", "with"),
            task("without", "without", "with"),
            task("optional", "optional", "without"),
        ],
        container(
            "with",
            "env",
            "API_KEY",
            **{"container": {"command": ["gmp"], "args": ["env", "API_KEY"], "env": [secret]}},
        ),
        container("without", "env", "API_KEY"),
        container(
            "optional",
            "env",
            "OTHER",
            **{"container": {"command": ["gmp"], "args": ["env", "OTHER"], "env": [optional]}},
        ),
    )
    monkeypatch.setenv("API_KEY", "local-value")
    monkeypatch.delenv("OTHER", raising=False)
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"
    outputs = {c["argv"][1]: c for c in by_command(fake_gmp, "env")}
    logs = sorted((fake_gmp.tmp / "logs").glob("*.stdout"))
    printed = {p.name.split(".")[0]: p.read_text().strip() for p in logs}
    assert printed == {"with": "local-value", "without": "<unset>", "optional": "<unset>"}
    assert outputs


def test_an_empty_dir_is_a_fresh_local_directory_per_attempt(fake_gmp: Fake) -> None:
    # Each retry attempt is a new pod (operator.go executeTemplate), so a new emptyDir.
    template = {
        "name": "t",
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "container": {
            "command": ["gmp"],
            "args": ["touch", "/tmp/marker"],
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        },
    }
    doc = workflow("wf", [task("a", "t"), task("b", "t", "a")], template)
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"
    paths = [c["argv"][1] for c in fake_gmp.calls()]
    assert len(set(paths)) == 2
    assert all(p.startswith(str(fake_gmp.tmp / "logs")) and Path(p).exists() for p in paths)


def test_a_step_past_its_deadline_is_stopped(fake_gmp: Fake) -> None:
    # workflowpod.go createWorkflowPod: the template's activeDeadlineSeconds is the pod's.
    doc = workflow(
        "wf", [task("t", "slow")], container("slow", "sleep", "30", activeDeadlineSeconds=1)
    )
    result = fake_gmp.run([doc], "wf", {})
    (step,) = result.steps
    assert step.status == "Failed" and "deadline" in step.message
    assert step.seconds < 15


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"name": "t", "script": {"image": "x", "source": "print(1)"}}, "only container and dag"),
        (container("t", "echo", "{{=sprig.now()}}"), "not supported locally"),
        (
            {"name": "t", "container": {"command": ["bash"], "args": ["-c", "id"]}},
            "only `gmp` containers",
        ),
    ],
)
def test_what_the_runner_does_not_do_is_refused_clearly(
    fake_gmp: Fake, template: dict[str, Any], message: str
) -> None:
    doc = workflow("wf", [task("t", "t")], template)
    with pytest.raises(SpecError, match=message):
        fake_gmp.run([doc], "wf", {})


def test_a_false_when_skips_a_task_and_what_follows_still_runs(fake_gmp: Fake) -> None:
    # dag.go executeDAGTask: a false `when` is Skipped; common/ancestry.go: `depends: maybe`
    # means maybe.Succeeded || maybe.Skipped || maybe.Daemoned, so `after` runs.
    doc = workflow(
        "wf",
        [
            task("maybe", "echo", when="{{workflow.parameters.go}} == true"),
            task("surely", "echo", when="{{workflow.parameters.go}} != true"),
            task("after", "echo", "maybe"),
        ],
        container("echo", "echo", "x"),
        arguments={"parameters": [{"name": "go", "value": "false"}]},
    )
    result = fake_gmp.run([doc], "wf", {})
    assert result.status == "Succeeded"
    assert {s.name: s.status for s in result.steps} == {
        "maybe": "Skipped",
        "surely": "Succeeded",
        "after": "Succeeded",
    }


def test_a_steps_record_count_comes_from_the_hook_it_is_given(fake_gmp: Fake) -> None:
    # The runner knows no command's output: what a succeeded step landed is whatever the
    # caller's hook reads from its stdout (`gmp run` reads `gmp extract`'s summary line).
    doc = workflow(
        "wf",
        [task("games", "extract", arguments=args(e="games")), task("bad", "fail")],
        container("extract", "extract", "{{inputs.parameters.e}}", inputs=("e",)),
        container("fail", "exit", "1"),
    )
    seen: list[tuple[str, str, str]] = []

    def hook(step: Step, stdout: str) -> int:
        seen.append((step.name, step.template, stdout))
        return 42

    counted = fake_gmp.run([doc], "wf", {}, records=hook)
    assert {s.name: s.records for s in counted.steps} == {"games": 42, "bad": None}
    assert seen == [("games", "extract", '{"endpoint": "games", "records": 5}\n')]
    summary = fake_gmp.run([doc], "wf", {})  # the tests' default: `gmp run`'s own hook
    assert {s.name: s.records for s in summary.steps} == {"games": 5, "bad": None}
    unhooked = fake_gmp.run([doc], "wf", {}, records=None)
    assert {s.name: s.records for s in unhooked.steps} == {"games": None, "bad": None}
