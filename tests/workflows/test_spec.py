"""workflows.spec: how `gmp render`'s checks and `gmp run` both read the documents."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.workflows.conftest import container, task, workflow
from workflows import names
from workflows.spec import (
    Catalogue,
    SpecError,
    dependencies,
    depends_met,
    no_retry_codes,
    retry_expression,
    topological,
)


@pytest.mark.parametrize("codes", [(2, 3, 5), (), (1,), (137, 2, 255)])
def test_the_retry_expression_reads_back_as_the_codes_it_was_built_from(
    codes: tuple[int, ...],
) -> None:
    assert no_retry_codes(retry_expression(codes)) == codes


def test_the_rendered_retry_expression_is_the_one_built_from_the_contract(
    rendered: dict[str, Any],
) -> None:
    expressions = {
        template["retryStrategy"]["expression"]
        for doc in rendered.values()
        if doc["kind"] == "WorkflowTemplate"
        for template in doc["spec"]["templates"]
        if "retryStrategy" in template
    }
    assert expressions == {
        'lastRetry.status == "Error" || lastRetry.exitCode not in ["2", "3", "5"]'
    }
    assert no_retry_codes(expressions.pop()) == names.NO_RETRY_EXIT_CODES


@pytest.mark.parametrize(
    "expression",
    [
        'lastRetry.exitCode not in ["2", "3", "5"]',  # pod errors not retried
        'lastRetry.status == "Error" || lastRetry.exitCode not in [2, 3, 5]',  # numbers: no match
        'lastRetry.status == "Error" || lastRetry.exitCode not in ["02"]',
        'lastRetry.status == "Error" || lastRetry.exitCode not in ["2","3"]',
        'lastRetry.status == "Error" || lastRetry.exitCode not in ["2", "3", "5"] || true',
        "",
    ],
)
def test_any_other_retry_expression_is_refused_not_guessed(expression: str) -> None:
    with pytest.raises(SpecError, match="is not of the shape"):
        no_retry_codes(expression)


def test_a_template_ref_resolves_in_the_workflow_template_it_names() -> None:
    # workflow/templateresolution/context.go GetTemplate: a templateRef's template is looked up
    # in the WorkflowTemplate it names; a plain `template` in the caller's own.
    caller = workflow("caller", [task("a", "step")], container("step", "exit", "0"))
    callee = workflow("callee", [], container("step", "exit", "1"))
    catalogue = Catalogue.of([caller, callee, {"kind": "CronWorkflow", "metadata": {"name": "c"}}])
    ref = {"name": "a", "templateRef": {"name": "callee", "template": "step"}}
    scope, template = catalogue.resolve("caller", ref)
    assert (scope, template["container"]["args"]) == ("callee", ["exit", "1"])
    assert catalogue.resolve("caller", {"name": "a", "template": "step"})[0] == "caller"
    assert catalogue.find("callee", "nothing") is None
    assert catalogue.find("c", "main") is None  # only WorkflowTemplates are looked in
    with pytest.raises(SpecError, match="template 'nothing' not found in WorkflowTemplate"):
        catalogue.resolve("caller", {"name": "a", "template": "nothing"})
    with pytest.raises(SpecError, match="WorkflowTemplate 'gone' not found"):
        catalogue.resolve("caller", {"name": "a", "templateRef": {"name": "gone", "template": "x"}})


def test_tasks_come_in_dependency_order_and_a_cycle_is_refused() -> None:
    tasks = [task("c", "t", "a && b"), task("b", "t", dependencies=["a"]), task("a", "t")]
    assert topological(tasks) == ["a", "b", "c"]
    with pytest.raises(SpecError, match="cycle"):
        topological([task("a", "t", "b"), task("b", "t", "a")])
    with pytest.raises(SpecError, match=re.escape("joined by && and || locally")):
        topological([task("a", "t", "b.AnySucceeded"), task("b", "t")])
    with pytest.raises(SpecError, match=re.escape("joined by && and || locally")):
        topological([task("a", "t", "!b"), task("b", "t")])


def test_depends_with_results_as_common_ancestry_reads_them() -> None:
    # common/ancestry.go: a bare name is Succeeded || Skipped || Daemoned; `.Errored` is Error.
    stop = task("stop", "t", "day.Failed || day.Errored")
    assert dependencies(stop) == ["day"]
    assert depends_met(stop, {"day": "Failed"}) and depends_met(stop, {"day": "Error"})
    assert not depends_met(stop, {"day": "Succeeded"}) and not depends_met(stop, {"day": "Skipped"})
    both = task("c", "t", "a && b.Succeeded || a.Omitted")
    assert dependencies(both) == ["a", "b"]
    assert depends_met(both, {"a": "Skipped", "b": "Succeeded"})
    assert not depends_met(both, {"a": "Succeeded", "b": "Skipped"})
    assert depends_met(both, {"a": "Omitted", "b": "Failed"})
