"""Run one WorkflowTemplate: arguments → entrypoint → every node → onExit; a record per step."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import wait as wait_all
from pathlib import Path
from typing import Any

from workflows.runner.boundary import Boundary, Callbacks, NodeResult, Unit, new_boundary
from workflows.runner.container import run_container
from workflows.runner.dag import DagRun
from workflows.runner.failfast import NeverFinishes
from workflows.runner.failures import FailedNode, failures_parameter
from workflows.runner.model import Reporter, RunOptions, RunResult, Step
from workflows.runner.params import resolve_tags
from workflows.runner.process import Processes
from workflows.runner.sync import Locks
from workflows.spec import Catalogue, SpecError, substitute

# operator.go `operate`: the workflow phase of its entry node.
WORKFLOW_PHASE = {"Succeeded": "Succeeded", "Skipped": "Succeeded", "Omitted": "Succeeded"}


class Run(Callbacks):
    """The state of one workflow run: its parameters, steps, nodes, locks and processes."""

    def __init__(
        self,
        catalogue: Catalogue,
        name: str,
        options: RunOptions,
        reporter: Reporter,
        workflow: str | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.options = options
        self.reporter = reporter
        self.workflow = workflow or f"{name}-{secrets.token_hex(3)}"
        self.log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix=f"gmp-{self.workflow}-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.steps: list[Step] = []
        self.failed_nodes: list[FailedNode] = []
        self.stragglers: list[Future[NodeResult]] = []
        self.globals: dict[str, Any] = {"workflow.name": self.workflow}
        self.locks = Locks(options.semaphores)
        self.processes = Processes()
        hidden = catalogue.secret_keys()
        self.base_env = {k: v for k, v in os.environ.items() if k not in hidden}
        self.lock = threading.RLock()
        self.deadline: float | None = None  # the workflow's activeDeadlineSeconds, monotonic
        self.deadline_at: dt.datetime | None = None

    # -- Callbacks for the DAGs -------------------------------------------------------------
    def run_unit(self, unit: Unit, boundary: Boundary) -> NodeResult:
        scope_name, template = self.catalogue.resolve(unit.task["__scope"], unit.task)
        args = {
            p["name"]: substitute_value(p, unit.scope)
            for p in (unit.task.get("arguments") or {}).get("parameters", [])
        }
        return self.execute(
            scope_name, template, args, path=unit.path, display=unit.display, boundary=boundary
        )

    def template_of(self, unit: Unit) -> dict[str, Any]:
        return self.catalogue.resolve(unit.task["__scope"], unit.task)[1]

    def not_run(self, path: str, status: str, why: str) -> None:
        with self.lock:
            self.steps.append(Step(path, "", status=status, message=why))

    def failed(self, path: str, display: str, template: str, phase: str, message: str) -> None:
        node = f"{self.workflow}.{path}" if path else self.workflow
        now = dt.datetime.now(dt.UTC)
        with self.lock:
            self.failed_nodes.append(FailedNode(node, display, template, phase, message, now))

    def straggle(self, futures: list[Future[NodeResult]]) -> None:
        with self.lock:
            self.stragglers.extend(futures)

    # -- Nodes ----------------------------------------------------------------------------
    def execute(
        self,
        scope_name: str,
        template: dict[str, Any],
        args: Mapping[str, str],
        *,
        path: str,
        display: str,
        boundary: Boundary | None,
        on_exit: bool = False,
    ) -> NodeResult:
        inputs = resolve_inputs(template, args)
        scope = {**self.globals, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}}
        if "dag" in template:
            inner = new_boundary(template, boundary, self.lock)
            tasks = [{**t, "__scope": scope_name} for t in template["dag"]["tasks"]]
            dag = {**template, "dag": {**template["dag"], "tasks": tasks}}
            result = DagRun(dag, scope, path, inner, self).run()
            if not result.ok:
                self.failed(path, display, template["name"], result.phase, result.message)
                if boundary is not None:
                    boundary.count("unsuccessful")
            return result
        if "container" in template:
            return run_container(
                self,
                template,
                scope,
                path=path or template["name"],
                display=display,
                boundary=boundary,
                on_exit=on_exit,
            )
        raise SpecError(
            f"template {template['name']!r}: only container and dag templates run locally"
        )

    def past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


def substitute_value(param: dict[str, Any], scope: dict[str, Any]) -> str:
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


def _in_thread(work: Any, run: Run) -> Any:
    """Run `work()` in a thread, so that Ctrl-C here can stop every process before waiting."""
    outcome: list[Any] = []

    def main() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the calling thread below
            outcome.append(exc)

    worker = threading.Thread(target=main, name="gmp-run", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        run.processes.cancel()
        worker.join()
        wait_all(run.stragglers)
        raise
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def run_workflow(
    catalogue: Catalogue,
    name: str,
    arguments: Mapping[str, str],
    options: RunOptions,
    reporter: Reporter,
) -> RunResult:
    """Submit-and-wait, locally: the WorkflowTemplate `name` with these parameters."""
    return submit(Run(catalogue, name, options, reporter), name, arguments)


def submit(run: Run, name: str, arguments: Mapping[str, str]) -> RunResult:
    """Run the WorkflowTemplate `name` with `arguments` as given (their raw text) to the end.

    operator.go `setExecWorkflow`: `setGlobalParameters` copies each argument into
    `workflow.parameters.*` as given, then `substituteGlobalVariables` resolves the tags in the
    spec's own copy (its arguments included) with the globals; the entry template gets that copy
    (params.py says why a cron run's exit handler still sees the date).
    """
    catalogue, options = run.catalogue, run.options
    spec = catalogue.workflow_template(name)["spec"]
    given = workflow_arguments(spec, arguments)
    run.globals.update({f"workflow.parameters.{k}": v for k, v in given.items()})
    params = {k: resolve_tags(v, run.globals) for k, v in given.items()}
    entry = catalogue.template(name, spec["entrypoint"])
    if options.parallelism is not None:
        entry = {**entry, "parallelism": options.parallelism}
    started = time.monotonic()
    if "activeDeadlineSeconds" in spec:
        limit = float(spec["activeDeadlineSeconds"])
        run.deadline = started + limit
        # operator.go getWorkflowDeadline: startedAt.Truncate(time.Second) + activeDeadlineSeconds
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        run.deadline_at = now + dt.timedelta(seconds=limit)
    try:
        status, exit_step, failures = _run(run, name, spec, entry, params)
    except NeverFinishes:  # what still runs would run on Argo, but nothing waits for it here
        run.processes.cancel()
        raise
    finally:
        run.processes.close()
    return RunResult(
        run.workflow,
        status,
        run.steps,
        time.monotonic() - started,
        run.log_dir,
        exit_step,
        failures,
    )


def _run(
    run: Run, name: str, spec: dict[str, Any], entry: dict[str, Any], params: dict[str, str]
) -> tuple[str, Step | None, str]:
    """The entry node, then the exit handler, then whatever still runs: (status, exit, failures)."""
    result = _in_thread(
        lambda: run.execute(name, entry, params, path="", display=run.workflow, boundary=None),
        run,
    )
    status = WORKFLOW_PHASE.get(result.phase, result.phase)
    exit_step = None
    with run.lock:
        failures = failures_parameter(run.workflow, run.failed_nodes)
    if spec.get("onExit"):
        run.globals.update({"workflow.status": status, "workflow.failures": failures})
        handler = run.catalogue.template(name, spec["onExit"])
        display = f"{run.workflow}.onExit"  # common.GenerateOnExitNodeName
        exit_result = _in_thread(
            lambda: run.execute(
                name, handler, {}, path="onExit", display=display, boundary=None, on_exit=True
            ),
            run,
        )
        with run.lock:  # the exit handler is reported apart from the steps
            exit_step = next(s for s in run.steps if s.name == "onExit")
            run.steps.remove(exit_step)
        if status == "Succeeded" and not exit_result.ok:
            status = exit_result.phase
    # operator.go `markWorkflowPhase`: not completed while pods still report; wait for them.
    _in_thread(lambda: wait_all(run.stragglers), run)
    return status, exit_step, failures
