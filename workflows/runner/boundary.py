"""What a DAG and the nodes in it share: a node's result, a unit of work, the DAG's counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any


@dataclass
class NodeResult:
    phase: str  # Succeeded | Failed | Error
    output: str = ""  # a container's outputs.result: {{tasks.x.outputs.result}}
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.phase == "Succeeded"


class Boundary:
    """A DAG node in flight, as operator.go `checkParallelism` counts what is inside it."""

    def __init__(
        self,
        parent: Boundary | None,
        fail_fast: bool,
        parallelism: int | None,
        lock: Any,
        name: str = "",
    ) -> None:
        self.parent, self.fail_fast, self.parallelism = parent, fail_fast, parallelism
        self.name = name  # the DAG's template
        self.lock = lock
        self.unsuccessful = 0  # Failed/Error pod attempts and DAG nodes directly inside
        self.active_pods = 0  # attempts running directly inside (not those waiting for a lock)
        self.active_children = 0  # pod and DAG nodes Pending or Running directly inside

    def count(self, what: str, delta: int = 1) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + delta)

    def refusing(self) -> bool:
        return self.fail_fast and self.unsuccessful > 0

    def halted(self) -> bool:
        """The controller no longer executes this DAG (or one around it): nothing new starts."""
        return self.refusing() or (self.parent is not None and self.parent.halted())


@dataclass(frozen=True)
class Unit:
    """One node to run: a task, or one item of a fanned-out task."""

    task: dict[str, Any]
    path: str  # the node name below the workflow: "day(0:2024-01-01).extract(1:genres)"
    display: str  # Argo's displayName: "extract(1:genres)"
    scope: dict[str, Any]


class Callbacks:
    """What a DAG needs from the run: start a unit, note a node that never ran or that failed."""

    run_unit: Callable[[Unit, Boundary], NodeResult]
    not_run: Callable[[str, str, str], None]  # path, Omitted|Skipped|Error, why
    failed: Callable[[str, str, str, str, str], None]  # path, display, template, phase, message
    straggle: Callable[[list[Future[NodeResult]]], None]
    template_of: Callable[[Unit], dict[str, Any]]  # the unit's template (templateRef resolved)


def new_boundary(template: dict[str, Any], parent: Boundary | None, lock: Any) -> Boundary:
    parallelism = template.get("parallelism")
    return Boundary(
        parent,
        bool(template.get("failFast")),  # Template.IsFailFast: only an explicit true
        None if parallelism is None else int(parallelism),
        lock if lock is not None else threading.Lock(),
        str(template.get("name", "")),
    )
