"""Run one WorkflowTemplate: arguments → entrypoint → every node → onExit; a record per step."""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workflows.runner.dag import NodeResult, Unit, run_dag
from workflows.runner.model import Reporter, RunOptions, RunResult, Step
from workflows.runner.process import Attempt, MissingSecret, Processes, run_attempt
from workflows.runner.retry import RetryPolicy
from workflows.runner.spec import Catalogue, SpecError
from workflows.runner.sync import Locks


class Run:
    """The state of one workflow run: its parameters, steps, locks and processes."""

    def __init__(
        self, catalogue: Catalogue, name: str, options: RunOptions, reporter: Reporter
    ) -> None:
        self.catalogue = catalogue
        self.options = options
        self.reporter = reporter
        self.workflow = f"{name}-{secrets.token_hex(3)}"
        self.log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix=f"gmp-{self.workflow}-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.steps: list[Step] = []
        self.globals: dict[str, Any] = {"workflow.name": self.workflow}
        self.locks = Locks(options.semaphores)
        self.processes = Processes()
        hidden = catalogue.secret_keys()
        self.base_env = {k: v for k, v in os.environ.items() if k not in hidden}
        self._lock = threading.Lock()
        self.deadline: float | None = None

    def execute(
        self, scope_name: str, template: dict[str, Any], args: dict[str, str], display: str
    ) -> NodeResult:
        inputs = resolve_inputs(template, args)
        scope = {**self.globals, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}}
        if "dag" in template:
            return run_dag(
                template,
                scope,
                display + "." if display else "",
                lambda unit: self.run_unit(scope_name, unit),
                self.not_run,
            )
        if "container" in template:
            return self.run_container(template, scope, display or template["name"])
        raise SpecError(
            f"template {template['name']!r}: only container and dag templates run locally"
        )

    def run_unit(self, scope_name: str, unit: Unit) -> NodeResult:
        owner, template = self.catalogue.resolve(scope_name, unit.task)
        args = {
            p["name"]: substitute_value(p, unit.scope)
            for p in (unit.task.get("arguments") or {}).get("parameters", [])
        }
        return self.execute(owner, template, args, unit.display)

    def not_run(self, display: str, status: str, why: str) -> None:
        step = Step(display, "", status=status, message=why)
        with self._lock:
            self.steps.append(step)

    def run_container(
        self, template: dict[str, Any], scope: dict[str, Any], display: str
    ) -> NodeResult:
        step = Step(display, template["name"])
        with self._lock:
            self.steps.append(step)
        self.reporter.started(step)
        policy = RetryPolicy.parse(template.get("retryStrategy"))
        started = time.monotonic()
        attempt: Attempt | None = None
        while True:
            step.attempts += 1
            log_path = self.log_dir / f"{safe(display)}.{step.attempts}.log"
            try:
                with self.locks.hold(template.get("synchronization")):
                    attempt = run_attempt(
                        template,
                        scope,
                        base_env=self.base_env,
                        log_path=log_path,
                        deadline_s=self.step_deadline(template),
                        processes=self.processes,
                    )
            except MissingSecret as exc:
                attempt = Attempt(exc.exit_code, 0.0, "", log_path, str(exc))
                log_path.write_text(str(exc) + "\n", encoding="utf-8")
            except InterruptedError as exc:
                attempt = Attempt(None, 0.0, "", log_path, str(exc))
            step.exit_code, step.log_path, step.message = (
                attempt.exit_code,
                log_path,
                attempt.message,
            )
            if attempt.exit_code == 0 or self.processes.cancelled.is_set():
                break
            if not policy.should_retry(step.attempts, attempt.exit_code):
                break
            wait_s = policy.wait(step.attempts) * self.options.backoff_scale
            self.reporter.retrying(step, wait_s)
            if self.processes.cancelled.wait(wait_s):
                break
        step.seconds = time.monotonic() - started
        step.status = "Succeeded" if attempt.exit_code == 0 else "Failed"
        if step.status == "Succeeded":
            step.records = attempt.records()
        elif not step.message:
            step.message = f"exit code {attempt.exit_code}"
            if policy.limit and attempt.exit_code in policy.no_retry:
                step.message += " (not retried: retrying cannot fix it)"
        self.reporter.finished(step)
        return NodeResult(step.status == "Succeeded", attempt.stdout.strip())

    def step_deadline(self, template: dict[str, Any]) -> float | None:
        limits = (
            [float(template["activeDeadlineSeconds"])]
            if "activeDeadlineSeconds" in template
            else []
        )
        if self.deadline is not None:
            limits.append(max(self.deadline - time.monotonic(), 0.1))
        return min(limits) if limits else None


def safe(display: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", display)[:150]


def substitute_value(param: dict[str, Any], scope: dict[str, Any]) -> str:
    from workflows.runner.expr import substitute

    if "value" not in param:
        raise SpecError(f"argument {param['name']!r} has no value")
    return substitute(str(param["value"]), scope)


def resolve_inputs(template: dict[str, Any], args: Mapping[str, str]) -> dict[str, str]:
    """A template's input parameters: the argument given, else the default; else an error."""
    values = {}
    for param in (template.get("inputs") or {}).get("parameters", []):
        name = param["name"]
        if "value" in param:
            values[name] = str(param["value"])
        elif name in args:
            values[name] = args[name]
        elif "default" in param:
            values[name] = str(param["default"])
        else:
            raise SpecError(f"template {template['name']!r} needs input parameter {name!r}")
    return values


def workflow_arguments(spec: dict[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    declared = {p["name"]: p for p in (spec.get("arguments") or {}).get("parameters", [])}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise SpecError(
            f"unknown parameter(s) {', '.join(unknown)}; declared: {', '.join(declared)}"
        )
    values = {}
    for name, param in declared.items():
        if name in given:
            values[name] = given[name]
        elif "value" in param:
            values[name] = str(param["value"])
        else:
            raise SpecError(f"parameter {name!r} is required (-p {name}=...)")
    return values


def run_workflow(
    catalogue: Catalogue,
    name: str,
    arguments: Mapping[str, str],
    options: RunOptions,
    reporter: Reporter,
) -> RunResult:
    """Submit-and-wait, locally: the WorkflowTemplate `name` with these parameters."""
    doc = catalogue.workflow_template(name)
    spec = doc["spec"]
    run = Run(catalogue, name, options, reporter)
    params = workflow_arguments(spec, arguments)
    run.globals.update({f"workflow.parameters.{k}": v for k, v in params.items()})
    entry = catalogue.template(name, spec["entrypoint"])
    if options.parallelism is not None:
        entry = {**entry, "parallelism": options.parallelism}
    started = time.monotonic()
    timer = None
    if "activeDeadlineSeconds" in spec:
        run.deadline = started + float(spec["activeDeadlineSeconds"])
        timer = threading.Timer(float(spec["activeDeadlineSeconds"]), run.processes.cancel)
        timer.daemon = True
        timer.start()
    outcome: list[NodeResult | BaseException] = []

    def main() -> None:
        try:
            outcome.append(run.execute(name, entry, params, ""))
        except BaseException as exc:  # handed to the calling thread below
            outcome.append(exc)

    # The DAG runs in a thread so that Ctrl-C here can stop every process before waiting for it.
    worker = threading.Thread(target=main, name=f"gmp-{name}", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        run.processes.cancel()
        worker.join()
        raise
    finally:
        if timer:
            timer.cancel()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    result = outcome[0]
    status = "Succeeded" if result.ok else "Failed"
    exit_step = None
    if spec.get("onExit"):
        exit_step = run_exit_handler(run, name, spec["onExit"], status)
        if exit_step.status != "Succeeded":
            status = "Failed"
    return RunResult(
        run.workflow, status, run.steps, time.monotonic() - started, run.log_dir, exit_step
    )


def run_exit_handler(run: Run, name: str, template_name: str, status: str) -> Step:
    failures = [
        {"displayName": s.name, "templateName": s.template, "phase": s.status, "message": s.message}
        for s in run.steps
        if s.status == "Failed"
    ]
    run.globals.update({"workflow.status": status, "workflow.failures": json.dumps(failures)})
    run.processes.cancelled.clear()
    run.deadline = None
    run.execute(name, run.catalogue.template(name, template_name), {}, "onExit")
    step = run.steps.pop()  # the exit handler is reported apart from the workflow's steps
    return step
