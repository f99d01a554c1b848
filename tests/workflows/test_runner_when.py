"""`when` and `withParam` on DAG tasks, as workflow/controller/dag.go and steps.go handle them."""

from __future__ import annotations

import json

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, task, workflow
from workflows.runner.expressions import ExpressionError, when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true == true", True),
        ("false == true", False),
        ("games == games", True),  # bare words become strings
        ("games != 'games'", False),
        ("maybe == true", False),  # a string is not the boolean true
        ("2 < 10", True),  # numbers compare as numbers
        ("(a == b) || !(c == d)", True),
        ("a == a && b != c", True),
    ],
)
def test_when_evaluates_like_govaluate_with_words_as_strings(text: str, expected: bool) -> None:
    # steps.go shouldExecute: govaluate, every VARIABLE token turned into a STRING.
    assert when(text) is expected


@pytest.mark.parametrize("text", ["a b", "== a", "a == (b", "a # b", "a"])
def test_a_when_govaluate_rejects_is_an_error(text: str) -> None:
    # steps.go shouldExecute: "Invalid 'when' expression ..." or a non-boolean result.
    with pytest.raises(ExpressionError):
        when(text)


def _daily_like(transform_when: str, endpoints_from: str) -> dict[str, object]:
    """validate prints the endpoints as JSON; extract fans out over them; transform is optional."""
    tasks = [
        task("validate", "validate"),
        task(
            "extract",
            "extract",
            "validate",
            withParam=endpoints_from,
            arguments=args(endpoint="{{item}}"),
        ),
        task("transform", "transform", "extract", when=transform_when),
    ]
    return workflow(
        "wf",
        tasks,
        container("validate", "echo", "{{workflow.parameters.endpoints}}"),
        container("extract", "extract", "{{inputs.parameters.endpoint}}", inputs=("endpoint",)),
        container("transform", "echo", "built"),
        container("bye", "echo", "{{workflow.failures}}"),
        onExit="bye",
        arguments={"parameters": [{"name": "endpoints"}, {"name": "transform"}]},
    )


@pytest.mark.parametrize(("flag", "runs"), [("true", True), ("false", False)])
def test_when_true_runs_and_false_skips_the_task(fake_gmp: Fake, flag: str, runs: bool) -> None:
    # dag.go executeDAGTask: a false `when` makes a Skipped node "when '...' evaluated false".
    doc = _daily_like("{{workflow.parameters.transform}} == true", '["games"]')
    result = fake_gmp.run([doc], "wf", {"endpoints": "x", "transform": flag})
    assert result.status == "Succeeded"
    step = next(s for s in result.steps if s.name == "transform")
    assert step.status == ("Succeeded" if runs else "Skipped")
    if not runs:
        assert step.message == "when 'false == true' evaluated false"


def test_an_invalid_when_errors_the_task_and_the_workflow(fake_gmp: Fake) -> None:
    # dag.go executeDAGTask: a shouldExecute error makes the node Error; the DAG and the
    # workflow take that phase (operator.go operate: NodeError → WorkflowError).
    doc = _daily_like("{{workflow.parameters.transform}} is on", '["games"]')
    result = fake_gmp.run([doc], "wf", {"endpoints": "x", "transform": "true"})
    step = next(s for s in result.steps if s.name == "transform")
    assert step.status == "Error" and step.message.startswith("Invalid 'when' expression 'true is")
    assert result.status == "Error" and result.exit_code() == 1


def test_with_param_reads_the_json_list_a_task_printed(fake_gmp: Fake) -> None:
    # dag.go expandTask: json.Unmarshal of the substituted withParam into a list of items.
    doc = _daily_like("true == true", "{{tasks.validate.outputs.result}}")
    result = fake_gmp.run([doc], "wf", {"endpoints": '["games", "genres"]', "transform": "true"})
    assert result.status == "Succeeded"
    assert sorted(c["argv"][1] for c in by_command(fake_gmp, "extract")) == ["games", "genres"]


def test_with_param_that_is_not_a_json_list_errors_the_task_and_the_workflow(
    fake_gmp: Fake,
) -> None:
    # dag.go expandTask: "withParam value could not be parsed as a JSON list: <value>: <err>";
    # the TaskGroup node is Error, transform is omitted, the workflow is Error.
    doc = _daily_like("true == true", "{{tasks.validate.outputs.result}}")
    result = fake_gmp.run([doc], "wf", {"endpoints": "games,genres", "transform": "true"})
    steps = {s.name: s for s in result.steps}
    assert steps["extract"].status == "Error"
    assert steps["extract"].message.startswith(
        "withParam value could not be parsed as a JSON list: games,genres: "
    )
    assert steps["transform"].status == "Omitted"
    assert by_command(fake_gmp, "extract") == []
    assert result.status == "Error"
    (bye,) = [c for c in by_command(fake_gmp, "echo") if c["argv"][1].startswith('"')]
    failed = {n["displayName"]: n["phase"] for n in json.loads(json.loads(bye["argv"][1]))}
    assert failed == {"extract": "Error", result.workflow: "Error"}


@pytest.mark.parametrize(("value", "why"), [('"games"', "string"), ('{"a": 1}', "object")])
def test_with_param_json_that_is_not_a_list_is_the_same_error(
    fake_gmp: Fake, value: str, why: str
) -> None:
    doc = _daily_like("true == true", "{{tasks.validate.outputs.result}}")
    result = fake_gmp.run([doc], "wf", {"endpoints": value, "transform": "true"})
    step = next(s for s in result.steps if s.name == "extract")
    assert step.status == "Error"
    assert f"cannot unmarshal {why} into Go value of type []v1alpha1.Item" in step.message


def test_an_empty_with_param_list_skips_the_task(fake_gmp: Fake) -> None:
    # dag.go executeDAGTask: "Skipped, empty params"; what depends on it still runs.
    doc = _daily_like("true == true", "{{tasks.validate.outputs.result}}")
    result = fake_gmp.run([doc], "wf", {"endpoints": "[]", "transform": "true"})
    statuses = {s.name: s.status for s in result.steps}
    assert statuses["extract"] == "Skipped" and statuses["transform"] == "Succeeded"
    assert result.status == "Succeeded"


def test_an_item_when_is_evaluated_per_item(fake_gmp: Fake) -> None:
    # dag.go executeDAGTask: each expanded task's own `when`, after {{item}} substitution.
    doc = workflow(
        "wf",
        [
            task(
                "fan",
                "say",
                withItems=["a", "b"],
                when="{{item}} != b",
                arguments=args(w="{{item}}"),
            )
        ],
        container("say", "echo", "{{inputs.parameters.w}}", inputs=("w",)),
    )
    result = fake_gmp.run([doc], "wf", {})
    assert {s.name: s.status for s in result.steps} == {
        "fan(0:a)": "Succeeded",
        "fan(1:b)": "Skipped",
    }
