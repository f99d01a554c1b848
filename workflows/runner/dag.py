"""A DAG template's tasks, scheduled as workflow/controller/dag.go and operator.go schedule them.

- A task runs when its `depends` holds once its dependencies ended (common/ancestry.go: `depends: a`
  and `dependencies` mean `a.Succeeded || a.Skipped || a.Daemoned`; `a.Failed`, `a.Errored` ask
  for that result); otherwise it is Omitted.
- `when` (dag.go `executeDAGTask` → steps.go `shouldExecute`), `withItems`/`withParam`
  (dag.go `expandTask`): see `expand`.
- `dag.failFast` only decides the DAG's final phase (dag.go `assessDAGPhase`): new nodes, withParam
  items included, keep starting after a failure.
- Template-level `failFast: true` (operator.go `checkParallelism`, node_counters.go
  `getUnsuccessfulChildren`): once a Pod, DAG or Steps node directly inside this DAG is Failed or
  Error (a failed attempt counts, even one a retry would recover), the controller stops executing
  this DAG: nothing new starts anywhere under it, retries included; what runs keeps running. When no
  pod directly inside it is active any more, the DAG is Failed at once ("template has failed or
  errored children and failFast enabled"), even while nested DAGs still have pods running. As the
  entry, the workflow fails and its exit handler runs. Inside another DAG, if a child DAG is still
  running, an item was held back by parallelism or a retry node is open, the workflow would never
  finish: the runner raises failfast.NeverFinishes naming the DAG (see failfast.py).
- Template `parallelism`: Pod/DAG children Pending or Running (node_counters.go
  `getActiveChildren`); a retry node in its backoff holds no slot.
"""

from __future__ import annotations

import json
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from workflows.runner.boundary import Boundary, Callbacks, NodeResult, Unit
from workflows.runner.expressions import ExpressionError, when
from workflows.runner.failfast import Unfinished, never_finishes
from workflows.spec import SpecError, dependencies, depends_met, substitute, topological

MAX_WORKERS = 64
FAIL_FAST_MESSAGE = "template has failed or errored children and failFast enabled"
DONE = ("Succeeded", "Failed", "Error", "Skipped", "Omitted")
_GO_TYPES = {dict: "object", str: "string", bool: "bool", int: "number", float: "number"}


@dataclass
class TaskState:
    phase: str | None = None  # None: waiting; Running; then one of DONE
    fanned: bool = False  # expanded over items: a TaskGroup node
    units: int = 0
    results: list[NodeResult] = field(default_factory=list)


def parse_items(text: str) -> list[Any]:
    """withParam's value as dag.go `expandTask` reads it: json.Unmarshal into []Item."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    if parsed is None:  # Go decodes null into an empty slice
        return []
    if not isinstance(parsed, list):
        kind = _GO_TYPES.get(type(parsed), "value")
        raise ValueError(f"json: cannot unmarshal {kind} into Go value of type []v1alpha1.Item")
    return parsed


def label(item: Any) -> str:
    """v1alpha1 `Item.String` (item.go): a string as is, else its compact JSON (keys sorted)."""
    return (
        item if isinstance(item, str) else json.dumps(item, sort_keys=True, separators=(",", ":"))
    )


def template_name(task: dict[str, Any]) -> str:
    """workflow/util `GetTemplateFromNode`: the task's template, or its templateRef's."""
    return str(task.get("template") or (task.get("templateRef") or {}).get("template", ""))


class DagRun:
    """One invocation of a DAG template."""

    def __init__(
        self,
        template: dict[str, Any],
        scope: dict[str, Any],
        path: str,
        boundary: Boundary,
        calls: Callbacks,
    ) -> None:
        self.tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        self.order = topological(list(self.tasks.values()))
        self.dag_fail_fast = template["dag"].get("failFast", True)
        self.scope, self.prefix, self.boundary, self.calls = scope, path, boundary, calls
        self.states = {name: TaskState() for name in self.tasks}
        self.queue: list[tuple[str, Unit]] = []
        self.has_dependants = {d for t in self.tasks.values() for d in dependencies(t)}
        self.name = str(template.get("name", ""))
        self.unfinished = Unfinished()
        # dag.go `executeDAG`: `dag.target` (space-separated names), else the tasks without
        # dependants. Locally every task runs, so each must be a target or a target's ancestor.
        target = str(template["dag"].get("target") or "").split()
        self.targets = target or [n for n in self.tasks if n not in self.has_dependants]
        self._check_targets()

    def _check_targets(self) -> None:
        reached: set[str] = set()
        pending = list(self.targets)
        while pending:
            name = pending.pop()
            if name not in self.tasks:
                raise SpecError(f"template {self.name!r}: target {name!r} is not a task here")
            if name not in reached:
                reached.add(name)
                pending += dependencies(self.tasks[name])
        if set(self.tasks) - reached:
            raise SpecError(
                f"template {self.name!r}: tasks {sorted(set(self.tasks) - reached)} lead to no "
                "target (the controller would never run them; the runner does not model that)"
            )

    def node(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def outputs(self) -> dict[str, str]:
        return {
            f"tasks.{n}.outputs.result": s.results[0].output
            for n, s in self.states.items()
            if not s.fanned and s.results
        }

    def settle(self, name: str, phase: str, why: str = "") -> None:
        self.states[name].phase = phase
        if phase in ("Omitted", "Skipped") or (phase == "Error" and why):
            self.calls.not_run(self.node(name), phase, why)
        if phase == "Error" and why:
            self.calls.failed(self.node(name), name, template_name(self.tasks[name]), "Error", why)

    def release(self) -> None:
        """Expand every waiting task whose dependencies are done (none while halted)."""
        if self.boundary.halted():
            return
        for name in self.order:
            if self.states[name].phase is not None:
                continue
            needs = {n: self.states[n].phase for n in dependencies(self.tasks[name])}
            if not all(p in DONE for p in needs.values()):
                continue
            if not depends_met(self.tasks[name], needs):
                self.settle(name, "Omitted", "omitted: depends condition not met")
                continue
            self.expand(name)

    def expand(self, name: str) -> None:
        """dag.go `resolveDependencyReferences` + `expandTask`, then each item's `when`."""
        task = self.tasks[name]
        scope = {**self.scope, **self.outputs()}
        condition = task.get("when")
        verdict = None
        if condition is not None and "{{item" not in condition:
            resolved = substitute(condition, scope)
            try:
                verdict = when(resolved)
            except ExpressionError as exc:
                self.settle(name, "Error", str(exc))
                return
            if not verdict:
                self.settle(name, "Skipped", f"when '{resolved}' evaluated false")
                return
        try:
            items = self.items(task, scope)
        except ValueError as exc:
            self.settle(name, "Error", str(exc))
            return
        state = self.states[name]
        if items is None:
            units = [Unit(task, self.node(name), name, scope)]
        else:
            state.fanned = True
            units = [
                Unit(
                    task,
                    self.node(f"{name}({i}:{label(item)})"),
                    f"{name}({i}:{label(item)})",
                    {**scope, "item": item},
                )
                for i, item in enumerate(items)
            ]
            if not units:
                self.settle(name, "Skipped", "Skipped, empty params")
                return
        state.phase, state.units = "Running", len(units)
        for unit in units:
            if not self.item_when(name, unit):
                continue
            self.queue.append((name, unit))

    @staticmethod
    def items(task: dict[str, Any], scope: dict[str, Any]) -> list[Any] | None:
        """The items a task fans out over, or None when it does not fan out."""
        if "withItems" in task:
            return list(task["withItems"])
        if "withParam" not in task:
            return None
        text = substitute(task["withParam"], scope).strip()
        try:
            return parse_items(text)
        except ValueError as exc:
            message = f"withParam value could not be parsed as a JSON list: {text}: {exc}"
            raise ValueError(message) from None

    def item_when(self, name: str, unit: Unit) -> bool:
        """An item's own `when` (after {{item}} substitution): False if it does not run."""
        condition = unit.task.get("when")
        if condition is None or "{{item" not in condition:
            return True
        resolved = substitute(condition, unit.scope)
        try:
            go = when(resolved)
        except ExpressionError as exc:
            self.calls.not_run(unit.path, "Error", str(exc))
            self.calls.failed(unit.path, unit.display, template_name(unit.task), "Error", str(exc))
            self.finish(name, NodeResult("Error", message=str(exc)))
            return False
        if not go:
            self.calls.not_run(unit.path, "Skipped", f"when '{resolved}' evaluated false")
            self.finish(name, NodeResult("Skipped"))
        return go

    def finish(self, name: str, result: NodeResult) -> None:
        state = self.states[name]
        state.results.append(result)
        if len(state.results) < state.units:
            return
        phases = [r.phase for r in state.results]
        if not state.fanned:
            state.phase = phases[0]
            return
        failing = [p for p in phases if p in ("Failed", "Error")]
        state.phase = failing[-1] if failing else "Succeeded"  # dag.go: the TaskGroup's phase
        if failing:
            self.calls.failed(
                self.node(name), name, template_name(self.tasks[name]), state.phase, ""
            )

    def assess(self) -> str:
        """dag.go `assessDAGPhase` once every task is done: the targets' branch phases."""
        branch: dict[str, str] = {}
        for name in self.order:
            phase = self.states[name].phase or "Omitted"
            if phase in ("Omitted", "Skipped"):
                inherited = [branch[d] for d in dependencies(self.tasks[name])]
                failing = [p for p in inherited if p in ("Failed", "Error")]
                phase = failing[0] if failing else "Succeeded"
            branch[name] = phase
        result = "Succeeded"
        for name in self.targets:
            if branch[name] not in ("Failed", "Error"):
                continue
            result = branch[name]
            if self.dag_fail_fast:
                break
        return result

    def drop_queue(self, why: str) -> None:
        for _, unit in self.queue:
            self.calls.not_run(unit.path, "Omitted", why)
        self.queue.clear()

    def start(self, unit: Unit) -> NodeResult:
        """Run a unit; a retry node that ends once this DAG refuses is never resolved on Argo."""
        result = self.calls.run_unit(unit, self.boundary)
        if self.boundary.refusing() and "retryStrategy" in self.calls.template_of(unit):
            with self.boundary.lock:
                self.unfinished.retries.append(unit)
        return result

    def connected(self) -> list[Unit]:
        """The queued units the controller has connected without creating them: dag.go
        `executeDAGTask` adds a task's first uncreated item to its TaskGroup (or a task to its
        parents) before `executeTemplate` refuses it, then returns."""
        first: dict[str, Unit] = {}
        for name, unit in self.queue:
            first.setdefault(name, unit)
        return list(first.values())

    def refused(self, running: dict[Future[NodeResult], tuple[str, Unit]]) -> NodeResult:
        """checkParallelism marked this DAG Failed: as the entry, that is the end of it; inside
        another DAG, anything left unfinished under it means the workflow never finishes."""
        if self.boundary.parent is not None:
            for _, unit in running.values():
                template = self.calls.template_of(unit)
                if "dag" in template:
                    self.unfinished.dags.append(unit)
                elif "retryStrategy" in template:
                    self.unfinished.retries.append(unit)
            error = never_finishes(self.name, self.boundary.parent.name, self.unfinished)
            if error is not None:
                raise error
        self.calls.straggle(list(running))
        return NodeResult("Failed", message=FAIL_FAST_MESSAGE)

    def run(self) -> NodeResult:
        running: dict[Future[NodeResult], tuple[str, Unit]] = {}
        pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="gmp-node")
        limit = self.boundary.parallelism
        try:
            self.release()
            while True:
                if self.boundary.halted():
                    if self.boundary.refusing():
                        self.unfinished.held.extend(self.connected())
                    self.drop_queue("never started: failFast stopped the DAG it belongs to")
                    if self.boundary.refusing() and self.boundary.active_pods == 0:
                        return self.refused(running)
                while (
                    self.queue
                    and not self.boundary.halted()
                    and (limit is None or self.boundary.active_children < limit)
                ):
                    name, unit = self.queue.pop(0)
                    self.boundary.count("active_children")
                    running[pool.submit(self.start, unit)] = (name, unit)
                if not running:
                    if self.queue:
                        raise SpecError("parallelism 0 lets no task start")
                    break
                done, _ = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    self.boundary.count("active_children", -1)
                    self.finish(running.pop(future)[0], future.result())
                self.release()
        finally:
            pool.shutdown(wait=False)
        return NodeResult(self.assess())
