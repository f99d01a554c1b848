"""A template-level failFast DAG that the controller marks Failed while something under it is
unfinished: inside another DAG, the workflow never finishes (Argo v4.0.10).

How the controller gets there (workflow/controller):
- operator.go `checkParallelism`, at `executeTemplate` of the failFast DAG (or of a new child, for
  its boundary): once `getUnsuccessfulChildren(boundary)` > 0 (a Failed/Error Pod, DAG or Steps
  node whose boundary is this DAG; a failed attempt of a retry node counts) and
  `getActivePods(boundary)` is 0 (pods whose *own* boundary is this DAG: those inside a child DAG
  do not count), the DAG is marked Failed, "template has failed or errored children and failFast
  enabled".
- operator.go `executeTemplate` returns early for a fulfilled node (`handleNodeFulfilled`), so
  `executeDAG` never walks it again: a child DAG still Running stays Running (only pods get their
  phase from their pod), a retry node is never resolved (`processNodeRetries` runs only in the
  walk), and a withParam item held back by parallelism was already added to its TaskGroup's
  children (dag.go `executeDAGTask`: `connectDependencies` before `executeTemplate`) but is never
  created.
- dag.go `assessDAGPhase` of the DAG around it walks every descendant breadth-first and answers
  Running at the first unfulfilled node, or at a child ID with no node; a TaskGroup is completed
  only when every child exists and is fulfilled (`completableTaskGroupPhase`). So that parent
  stays Running, the entry node never finishes, and `operate` never runs the exit handler; the
  workflow deadline does not help (`failNodesWithoutCreatedPodsAfterDeadlineOrShutdown` fails
  only Pending and suspended nodes).
- When the failFast DAG is the entry (or the exit handler), `operate` reads that node's phase
  itself: the workflow fails and the exit handler runs at once (see dag.py).
- With nothing left unfinished under it (the failed child was the last one, every sibling done,
  no item held back, no retry node open), `executeDAG` itself completes the TaskGroup and
  assesses the DAG Failed in the pass the child failed, or the parent's assessment completes the
  TaskGroup: the workflow finishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.runner.boundary import Unit
from workflows.spec import SpecError

SHOWN = 3  # names per kind in the message


class NeverFinishes(SpecError):
    """The shape would leave the workflow Running forever on Argo: the runner refuses it."""


@dataclass
class Unfinished:
    """What a failFast DAG leaves unfulfilled when checkParallelism marks it Failed."""

    dags: list[Unit] = field(default_factory=list)  # child DAG nodes still Running
    held: list[Unit] = field(default_factory=list)  # connected to the DAG, never created
    retries: list[Unit] = field(default_factory=list)  # retry nodes never resolved

    def reasons(self) -> list[str]:
        found = []
        if self.dags:
            found.append(f"child DAG {_names(self.dags)} was still running")
        if self.held:
            found.append(f"{_names(self.held)} was held back by parallelism and never created")
        if self.retries:
            found.append(f"retry node {_names(self.retries)} was never resolved")
        return found


def _names(units: list[Unit]) -> str:
    names = ", ".join(f"'{u.display}'" for u in units[:SHOWN])
    return names + (f" (and {len(units) - SHOWN} more)" if len(units) > SHOWN else "")


def never_finishes(template: str, parent: str, left: Unfinished) -> NeverFinishes | None:
    """The error for a nested failFast DAG marked Failed with `left` unfinished, else None."""
    reasons = left.reasons()
    if not reasons:
        return None
    return NeverFinishes(
        f"template {template!r} would never finish on Argo: failFast marked it Failed while "
        f"{'; '.join(reasons)} (operator.go checkParallelism; executeTemplate no longer walks "
        f"it), so dag.go assessDAGPhase keeps {parent!r} Running and no exit handler runs"
    )
