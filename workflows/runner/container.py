"""A container task: its locks, attempts and retries, as operator.go `executeTemplate` runs them.

Node names follow the controller: a template with a retryStrategy is a retry node `x` whose
attempts are pod nodes `x(0)`, `x(1)`, ...; without one, `x` is the pod node itself. Each Failed or
Error node, attempts included, is one entry of workflow.failures.
Deadlines (workflow/controller/workflowpod.go `createWorkflowPod`): a pod's activeDeadlineSeconds is
the template's, lowered to what is left of the workflow's (not for the exit handler) and to what is
left of `backoff.maxDuration`; with nothing left the pod is never created and the node fails with
"Step exceeded its deadline" (operator.go `failNodesWithoutCreatedPodsAfterDeadlineOrShutdown`).
Past the workflow's deadline no retry node retries, the exit handler's included (operator.go
`processNodeRetries` checks `woc.workflowDeadline` for every retry node, before the backoff; the
workflow is requeued at its deadline, so a backoff running across it ends there).
On Kubernetes the clock starts before the image pull, which a local process cannot imitate.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from workflows.runner.boundary import Boundary, NodeResult
from workflows.runner.expressions import ExpressionError
from workflows.runner.model import Step
from workflows.runner.process import Attempt, run_attempt
from workflows.runner.retry import Outcome, RetryPolicy
from workflows.runner.sync import LockWaitAbandoned

if TYPE_CHECKING:
    from workflows.runner.engine import Run

STOPPED = "Stopped with strategy 'Stop'"


def safe(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", path)[:150]


def human(attempt: Attempt) -> str:
    """The attempt's message for a person: "exit code N" rather than the pod's wording."""
    pod_wording = f"main: Error (exit code {attempt.exit_code})"
    if attempt.message.startswith(pod_wording):  # then, maybe, ": <its termination message>"
        return f"exit code {attempt.exit_code}{attempt.message.removeprefix(pod_wording)}"
    return attempt.message


def pause(seconds: float, give_up: Any) -> bool:
    """Sleep, waking early (True) when `give_up()` turns true."""
    until = time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        if give_up():
            return True
        time.sleep(min(left, 0.05))
    return bool(give_up())


class Container:
    def __init__(
        self,
        run: Run,
        template: dict[str, Any],
        scope: dict[str, Any],
        step: Step,
        *,
        display: str,
        boundary: Boundary | None,
        on_exit: bool,
    ) -> None:
        self.run, self.template, self.scope, self.step = run, template, scope, step
        self.display = display
        self.boundary, self.on_exit = boundary, on_exit
        self.policy = RetryPolicy.parse(template.get("retryStrategy"))
        self.first_started: float | None = None

    def halted(self) -> bool:
        return self.boundary is not None and self.boundary.halted()

    def give_up(self) -> bool:
        return self.halted() or self.run.processes.cancelled.is_set()

    def count(self, what: str, delta: int) -> None:
        if self.boundary is not None:
            self.boundary.count(what, delta)

    def pod_deadline(self) -> float | None:
        """Seconds the next pod may live; 0: the pod would not even be created."""
        limits = []
        if "activeDeadlineSeconds" in self.template:
            limits.append(float(int(self.template["activeDeadlineSeconds"])))
        run = self.run
        if run.deadline is not None and not self.on_exit:
            limits.append(float(max(int(run.deadline - time.monotonic()), 0)))
        policy = self.policy
        if policy and policy.max_duration_s is not None and self.first_started is not None:
            left = self.first_started + policy.max_duration_s - time.monotonic()
            limits.append(float(max(int(left), 0)))
        return min(limits) if limits else None

    def attempt(self, number: int) -> Attempt:
        log_path = self.run.log_dir / f"{safe(self.step.name)}.{number}.log"
        deadline = self.pod_deadline()
        if deadline is not None and deadline <= 0:
            # No pod: the node stays Pending until the workflow's deadline, then fails.
            if self.run.deadline is not None and not self.on_exit:
                pause(self.run.deadline - time.monotonic(), self.give_up)
            log_path.write_text("Step exceeded its deadline\n", encoding="utf-8")
            return Attempt("Failed", None, 0.0, "", log_path, "Step exceeded its deadline")
        self.count("active_pods", 1)
        try:
            return run_attempt(
                self.template,
                self.scope,
                base_env=self.run.base_env,
                log_path=log_path,
                deadline_s=deadline,
                processes=self.run.processes,
            )
        except InterruptedError:
            return Attempt("Failed", None, 0.0, "", log_path, STOPPED)
        finally:
            self.count("active_pods", -1)

    def after_failure(self, number: int, last: Attempt, finished: float) -> str | None:
        """operator.go `processNodeRetries`: None to retry, else the retry node's message."""
        policy = self.policy
        assert policy is not None and self.first_started is not None
        stopped = self.stopped(last)
        if stopped:
            return stopped
        wait_s, final = policy.backoff(number, self.first_started, finished, time.monotonic())
        if final:
            return final
        if wait_s > 0:
            scaled = wait_s * self.run.options.backoff_scale
            self.run.reporter.retrying(self.step, scaled)
            self.count("active_children", -1)  # a retry node in backoff holds no slot
            try:
                if pause(scaled, lambda: self.give_up() or self.run.past_deadline()):
                    return self.stopped(last)
            finally:
                self.count("active_children", 1)
        outcome = Outcome(last.phase, last.exit_code, last.message, last.seconds)
        return policy.verdict(number, outcome)

    def stopped(self, last: Attempt) -> str | None:
        """Why no retry may follow (stopped, failFast, the workflow's deadline), or None."""
        if self.run.processes.cancelled.is_set():
            return STOPPED
        if self.halted():
            return f"{last.message} (not retried: failFast stopped the DAG it belongs to)"
        if self.run.past_deadline():  # Go's time.Time %s: 2026-12-07 13:41:19 +0000 UTC
            at = self.run.deadline_at
            return f"retry exceeded workflow deadline {at:%Y-%m-%d %H:%M:%S} +0000 UTC"
        return None

    def attempts(self) -> tuple[str, str, Attempt]:
        """Run attempts until one succeeds or the retry node is done: (phase, message, last)."""
        step, number = self.step, 0
        while True:
            number += 1
            if self.first_started is None:
                self.first_started = time.monotonic()
            last = self.attempt(number)
            finished = time.monotonic()
            step.attempts, step.exit_code = number, last.exit_code
            step.log_path, step.message = last.log_path, human(last)
            if last.phase != "Succeeded":
                self.count("unsuccessful", 1)  # node_counters.go: failed pods count
                suffix = f"({number - 1})" if self.policy else ""
                self.run.failed(
                    self.step.name + suffix,
                    self.display + suffix,
                    self.template["name"],
                    last.phase,
                    last.message,
                )
            if last.phase == "Succeeded" or self.policy is None:
                return last.phase, last.message, last
            try:
                final = self.after_failure(number, last, finished)
            except ExpressionError as exc:  # operator.go: markNodeError on the retry node
                return "Error", str(exc), last
            if final is not None:
                return last.phase, final, last

    def execute(self) -> NodeResult:
        step, run = self.step, self.run
        wanted = run.locks.wanted(self.template.get("synchronization"), self.scope)
        started = time.monotonic()
        try:
            with run.locks.hold(wanted, self.give_up):
                run.reporter.started(step)
                phase, message, last = self.attempts()
        except LockWaitAbandoned:
            step.status, step.message = "Omitted", "never started: its DAG stopped first"
            return NodeResult("Omitted")
        step.seconds = time.monotonic() - started
        step.status = phase
        said = human(last)
        step.message = said if message == last.message else f"{said}; {message}".lstrip("; ")
        if phase == "Succeeded":
            if run.options.records is not None:
                step.records = run.options.records(step, last.stdout)
        elif self.policy is not None:  # the retry node itself
            run.failed(step.name, self.display, self.template["name"], phase, message)
        run.reporter.finished(step)
        return NodeResult(phase, last.result() if phase == "Succeeded" else "", message)


def run_container(
    run: Run,
    template: dict[str, Any],
    scope: dict[str, Any],
    *,
    path: str,
    display: str,
    boundary: Boundary | None,
    on_exit: bool,
) -> NodeResult:
    step = Step(path, template["name"])
    with run.lock:
        run.steps.append(step)
    container = Container(
        run, template, scope, step, display=display, boundary=boundary, on_exit=on_exit
    )
    return container.execute()
