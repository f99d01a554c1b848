"""A DAG template's tasks: dependency order, fan-out over items, failFast and parallelism."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from workflows.runner.expr import substitute
from workflows.runner.spec import SpecError

_TASK_NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_]*$")
MAX_WORKERS = 64


@dataclass
class NodeResult:
    ok: bool
    output: str = ""  # a container's stdout: {{tasks.x.outputs.result}}


@dataclass(frozen=True)
class Unit:
    """One node to run: a task, or one item of a fanned-out task."""

    task: dict[str, Any]
    display: str
    scope: dict[str, Any]


@dataclass
class TaskState:
    units: int = 0  # nodes the task expanded into
    finished: int = 0
    failed: int = 0
    dropped: int = 0  # queued nodes never started (failFast)
    omitted: bool = False  # never expanded: a dependency failed
    skipped: bool = False  # its `when` was false: counts as done for the tasks after it
    outputs: list[str] = field(default_factory=list)


def dependencies(task: dict[str, Any]) -> list[str]:
    """`depends: "a && b"` (success of each) or `dependencies: [a, b]`; nothing fancier."""
    if "depends" in task:
        names = [n.strip() for n in task["depends"].split("&&")]
        if not all(_TASK_NAME.match(n) for n in names):
            raise SpecError(f"depends {task['depends']!r}: only task names joined by && locally")
        return names
    return list(task.get("dependencies", []) or [])


def topological(tasks: list[dict[str, Any]]) -> list[str]:
    """Task names in an order that respects dependencies; missing names and cycles are errors."""
    deps = {t["name"]: dependencies(t) for t in tasks}
    for name, needs in deps.items():
        for need in needs:
            if need not in deps:
                raise SpecError(f"task {name!r} depends on {need!r}, which is not a task here")
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise SpecError(f"tasks depend on each other in a cycle through {name!r}")
        visiting.add(name)
        for need in deps[name]:
            visit(need)
        visiting.discard(name)
        order.append(name)

    for name in deps:
        visit(name)
    return order


def items(task: dict[str, Any], scope: dict[str, Any]) -> list[Any] | None:
    """The items a task fans out over, or None when it does not."""
    if "withItems" in task:
        return list(task["withItems"])
    if "withParam" in task:
        text = substitute(task["withParam"], scope)
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise SpecError(f"withParam of {task['name']!r} is not JSON: {text[:80]!r}") from None
        if not isinstance(parsed, list):
            raise SpecError(f"withParam of {task['name']!r} is not a JSON list: {text[:80]!r}")
        return parsed
    return None


def condition(text: str) -> bool:
    """A `when` after substitution: `a == b` or `a != b` on plain words, nothing fancier."""
    for operator in ("==", "!="):
        left, found, right = text.partition(operator)
        if found and operator not in right:
            same = left.strip().strip("'\"") == right.strip().strip("'\"")
            return same if operator == "==" else not same
    raise SpecError(f"when {text!r}: only `a == b` or `a != b` run locally")


def label(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item, sort_keys=True)


class DagRun:
    """One invocation of a DAG template: which tasks wait, which nodes are queued or running."""

    def __init__(
        self,
        template: dict[str, Any],
        scope: dict[str, Any],
        prefix: str,
        on_not_run: Callable[[str, str, str], None],
    ) -> None:
        self.tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        self.waiting = topological(list(self.tasks.values()))
        self.fail_fast = template["dag"].get("failFast", True)
        # Argo counts the DAG's own nodes in flight: each item of a fan-out is one.
        self.limit = int(template.get("parallelism") or MAX_WORKERS)
        self.scope = scope
        self.prefix = prefix
        self.on_not_run = on_not_run
        self.states = {name: TaskState() for name in self.tasks}
        self.queue: list[tuple[str, Unit]] = []

    def status(self, name: str) -> str:
        state = self.states[name]
        if name in self.waiting:
            return "waiting"
        if state.omitted:
            return "omitted"
        if state.skipped:
            return "succeeded"
        if state.finished + state.dropped < state.units:
            return "running"
        return "failed" if state.failed or state.dropped else "succeeded"

    def any_failed(self) -> bool:
        return any(s.failed for s in self.states.values())

    def outputs(self) -> dict[str, str]:
        return {
            f"tasks.{n}.outputs.result": s.outputs[0]
            for n, s in self.states.items()
            if s.units == 1 and s.finished == 1 and s.outputs
        }

    def release(self) -> None:
        """Expand tasks whose dependencies are all done; omit those behind a failure."""
        for name in list(self.waiting):
            needs = [self.status(n) for n in dependencies(self.tasks[name])]
            if any(s in ("waiting", "running") for s in needs):
                continue
            self.waiting.remove(name)
            if any(s in ("failed", "omitted") for s in needs) or (
                self.fail_fast and self.any_failed()
            ):
                self.states[name].omitted = True
                why = "a task it depends on failed" if needs else "failFast: a task failed"
                self.on_not_run(self.prefix + name, "Omitted", why)
                continue
            when = self.tasks[name].get("when")
            if when is not None and not condition(
                substitute(when, {**self.scope, **self.outputs()})
            ):
                self.states[name].skipped = True
                self.on_not_run(self.prefix + name, "Skipped", f"when {when!r} is false")
                continue
            self.expand(name)

    def expand(self, name: str) -> None:
        task = self.tasks[name]
        scope = {**self.scope, **self.outputs()}
        fan = items(task, scope)
        if fan is None:
            units = [Unit(task, self.prefix + name, scope)]
        else:
            units = [
                Unit(task, f"{self.prefix}{name}({i}:{label(item)})", {**scope, "item": item})
                for i, item in enumerate(fan)
            ]
        self.states[name].units = len(units)
        self.queue.extend((name, unit) for unit in units)

    def drop_queued(self) -> None:
        for name, unit in self.queue:
            self.states[name].dropped += 1
            self.on_not_run(unit.display, "Omitted", "failFast: a task failed")
        self.queue.clear()

    def finish(self, name: str, result: NodeResult) -> None:
        state = self.states[name]
        state.finished += 1
        state.outputs.append(result.output)
        state.failed += not result.ok

    def run(self, run_unit: Callable[[Unit], NodeResult]) -> NodeResult:
        running: dict[Future[NodeResult], str] = {}
        with ThreadPoolExecutor(max_workers=min(self.limit, MAX_WORKERS)) as pool:
            self.release()
            while self.queue or running:
                if self.fail_fast and self.any_failed():
                    self.drop_queued()
                while self.queue and len(running) < self.limit:
                    name, unit = self.queue.pop(0)
                    running[pool.submit(run_unit, unit)] = name
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    self.finish(running.pop(future), future.result())
                self.release()
        return NodeResult(all(self.status(n) == "succeeded" for n in self.tasks))


def run_dag(
    template: dict[str, Any],
    scope: dict[str, Any],
    prefix: str,
    run_unit: Callable[[Unit], NodeResult],
    on_not_run: Callable[[str, str, str], None],
) -> NodeResult:
    """Run the DAG's tasks; a task starts when every task it depends on succeeded."""
    return DagRun(template, scope, prefix, on_not_run).run(run_unit)
