"""retryStrategy and synchronization as operator.go and workflow/sync in Argo v4.0.9 do them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.workflows.conftest import Fake, args, by_command, container, max_overlap, task, workflow
from workflows.names import NO_RETRY_EXIT_CODES
from workflows.runner.retry import Outcome, RetryPolicy, seconds
from workflows.spec import no_retry_codes, retry_expression

PRODUCT = {"limit": 2, "retryPolicy": "Always", "expression": retry_expression(NO_RETRY_EXIT_CODES)}


def _one(fake: Fake, template: dict[str, Any], **options: Any) -> Any:
    doc = workflow("wf", [task("t", template["name"])], template)
    started = time.monotonic()
    result = fake.run([doc], "wf", {}, **options)
    (step,) = result.steps
    return step, time.monotonic() - started


def test_the_product_expression_refuses_exactly_the_contract_codes() -> None:
    # operator.go buildRetryStrategyLocalScope: lastRetry.exitCode is a string ("-1" when none),
    # so `not in ["2", "3", "5"]` compares strings; an Error attempt is always retried.
    # The runner evaluates the expression as Argo would; what it refuses is exactly what
    # workflows.spec reads back from it, which `gmp render`'s checks compare with the contract.
    policy = RetryPolicy.parse(PRODUCT)
    assert policy is not None
    refused = tuple(
        code for code in range(1, 256) if policy.verdict(1, Outcome("Failed", code, "", 1.0))
    )
    assert refused == no_retry_codes(PRODUCT["expression"]) == NO_RETRY_EXIT_CODES == (2, 3, 5)
    assert policy.verdict(1, Outcome("Error", 2, "", 1.0)) is None
    assert policy.verdict(1, Outcome("Failed", None, "", 1.0)) is None  # "-1": retried


def test_an_exit_code_compared_as_a_number_never_matches() -> None:
    # expr-lang: the string "4" is not equal to the number 4.
    numeric = RetryPolicy.parse({"limit": 3, "expression": "lastRetry.exitCode == 4"})
    text = RetryPolicy.parse({"limit": 3, "expression": 'lastRetry.exitCode == "4"'})
    assert numeric is not None and text is not None
    last = Outcome("Failed", 4, "", 1.0)
    assert numeric.verdict(1, last) == "retryStrategy.expression evaluated to false"
    assert text.verdict(1, last) is None


def test_backoff_delays_grow_by_the_factor_up_to_the_cap_and_max_duration_ends_them() -> None:
    # operator.go processNodeRetries: duration * factor^(attempts-1), then the cap; maxDuration
    # counts from the first attempt's start.
    policy = RetryPolicy.parse(
        {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "cap": "1m", "maxDuration": "2m"}}
    )
    assert policy is not None
    assert [policy.delay(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]
    assert policy.backoff(1, 0.0, 5.0, 5.0) == (10.0, None)
    assert policy.backoff(3, 0.0, 100.0, 100.0) == (0.0, "Backoff would exceed max duration limit")
    assert policy.backoff(3, 0.0, 100.0, 121.0) == (0.0, "Max duration limit exceeded")
    assert policy.backoff(6, 0.0, 5.0, 5.0) == (0.0, None)  # past the limit: no wait
    assert seconds("1m30s") == 90 and seconds("45") == 45


def test_the_backoff_is_waited_before_the_expression_refuses_the_exit_code(fake_gmp: Fake) -> None:
    # operator.go processNodeRetries computes and waits the backoff BEFORE it evaluates the
    # expression, so an exit 2 that will never be retried still costs one backoff.
    strategy = {**PRODUCT, "backoff": {"duration": "1s"}}
    step, took = _one(fake_gmp, container("bad", "exit", "2", retryStrategy=strategy))
    assert (step.status, step.attempts, step.exit_code) == ("Failed", 1, 2)
    assert step.message.endswith("retryStrategy.expression evaluated to false")
    assert took >= 1.0


def test_no_backoff_is_waited_once_the_limit_is_used_up(fake_gmp: Fake) -> None:
    # processNodeRetries waits only while attempts <= limit: 2 attempts, 1 wait.
    strategy = {"limit": 1, "retryPolicy": "Always", "backoff": {"duration": "1s"}}
    step, took = _one(fake_gmp, container("down", "exit", "1", retryStrategy=strategy))
    assert (step.status, step.attempts) == ("Failed", 2)
    assert step.message.endswith("No more retries left")
    assert 1.0 <= took < 1.9


def test_retry_policy_on_error_does_not_retry_a_failed_exit(fake_gmp: Fake) -> None:
    # processNodeRetries: OnError retries Error attempts only; the node keeps the pod's message.
    strategy = {"limit": 3, "retryPolicy": "OnError"}
    step, _ = _one(fake_gmp, container("down", "exit", "1", retryStrategy=strategy))
    assert (step.status, step.attempts, step.message) == ("Failed", 1, "exit code 1")


def test_an_expression_argo_cannot_evaluate_errors_the_node(fake_gmp: Fake) -> None:
    # processNodeRetries → argoexpr.EvalBool error → executeTemplate markNodeError.
    strategy = {"limit": 3, "expression": 'lastRetry.nope == "x"'}
    step, _ = _one(fake_gmp, container("down", "exit", "1", retryStrategy=strategy))
    assert step.status == "Error" and "unknown name lastRetry.nope" in step.message


def test_a_retried_step_holds_its_mutex_through_its_backoff(
    fake_gmp: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # operator.go executeTemplate: the lock is taken for the retry node and released only when
    # that node is fulfilled, so another holder waits through the backoff.
    monkeypatch.setenv("FAKE_FAILS", "first=1")
    mutex = {"mutexes": [{"name": "m"}]}
    strategy = {"limit": 1, "retryPolicy": "Always", "backoff": {"duration": "1s"}}
    doc = workflow(
        "wf",
        [task("first", "first"), task("pause", "pause"), task("second", "second", "pause")],
        container(
            "first", "fails", "first", str(tmp_path), synchronization=mutex, retryStrategy=strategy
        ),
        container("pause", "sleep", "0.2"),
        container("second", "echo", "second", synchronization=mutex),
    )
    assert fake_gmp.run([doc], "wf", {}).status == "Succeeded"
    first = by_command(fake_gmp, "fails")
    (second,) = by_command(fake_gmp, "echo")
    assert len(first) == 2 and second["start"] >= max(c["end"] for c in first)


def test_lock_names_take_the_templates_parameters(fake_gmp: Fake) -> None:
    # workflow/common/util.go SubstituteParams marshals the whole template, synchronization
    # included; workflow/sync/lock_name.go keys a mutex by its (substituted) name. Mutex and
    # semaphore are taken together (sync_manager.go TryAcquire).
    sync = {
        "mutexes": [{"name": "gmp-extract-{{inputs.parameters.what}}"}],
        "semaphores": [{"configMapKeyRef": {"name": "cm", "key": "k"}}],
    }
    doc = workflow(
        "wf",
        [task("fan", "t", withItems=["x", "x", "y", "z"], arguments=args(what="{{item}}"))],
        container(
            "t",
            "sleep",
            "0.3",
            "{{inputs.parameters.what}}",
            inputs=("what",),
            synchronization=sync,
        ),
    )
    result = fake_gmp.run([doc], "wf", {}, semaphores={"cm/k": 2})
    assert result.status == "Succeeded"
    calls = fake_gmp.calls()
    assert max_overlap(calls) == 2  # the semaphore
    xs = [c for c in calls if c["argv"][2] == "x"]
    assert len(xs) == 2 and max_overlap(xs) == 1  # one mutex per endpoint value
