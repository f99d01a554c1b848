"""Progress while a run goes, and the summary after it: on a terminal with rich, plain otherwise."""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from gmp.redact import redact_text
from workflows.runner.model import RunResult, Step

TAIL_LINES = 15
NOT_RUN = ("Skipped", "Omitted")
# Why a task of the product's workflows (workflows/daily.py, workflows/backfill.py) was skipped
# by its `when` or omitted by its `depends`, said for a reader. Any other step that did not run
# shows the runner's own message (Argo's node message: "when 'false == true' evaluated false").
REASONS = {
    ("extract", "Skipped"): "a detail endpoint: extract-details takes it",
    ("extract-details", "Skipped"): "not a detail endpoint: extract takes it",
    ("transform", "Skipped"): "a backfill's day: the backfill transforms once, at its end",
    ("report", "Skipped"): "a backfill's day: no report per day",
    ("stop", "Omitted"): "the day did not fail, so no stop marker",
    ("day", "Skipped"): "the gate was closed: a day of this backfill had failed",
}
_RULED_OUT = ("when '", "omitted: depends condition not met")
_FANNED = re.compile(r"\(\d+:")


def tail(step: Step, secrets: list[str], lines: int = TAIL_LINES) -> str:
    if step.log_path is None or not step.log_path.exists():
        return step.message
    text = step.log_path.read_text(encoding="utf-8", errors="replace")
    return redact_text("\n".join(text.rstrip().splitlines()[-lines:]), secrets)


def _done_line(step: Step) -> str:
    mark = "[green]✓[/]" if step.status == "Succeeded" else "[red]✗[/]"
    extra = [f"{step.seconds:.1f}s"]
    if step.retries:
        extra.append(f"{step.retries} retr{'y' if step.retries == 1 else 'ies'}")
    if step.records is not None:
        extra.append(f"{step.records:,} records")
    if step.status != "Succeeded":
        extra.append(step.message)
    return f"{mark} {step.name}  [dim]{', '.join(extra)}[/]"


def fan_out_pattern(name: str) -> str:
    """A node's path with each fan-out item `(i:item)` written `(…)`: the task it expands."""
    out, i = [], 0
    while i < len(name):
        if not _FANNED.match(name, i):
            out.append(name[i])
            i += 1
            continue
        depth = 0
        for j in range(i, len(name)):  # the item's closing parenthesis (items may nest them)
            depth += {"(": 1, ")": -1}.get(name[j], 0)
            if depth == 0:
                break
        out.append("(…)")
        i = j + 1
    return "".join(out)


@dataclass
class NotRun:
    """Steps that never started for one reason, at one place of the DAG: one summary line."""

    status: str  # Skipped | Omitted
    where: str  # the node path, its fan-out items as (…) when there are several
    reason: str
    names: list[str]

    def line(self) -> str:
        where = self.names[0] if len(self.names) == 1 else self.where
        return f"{len(self.names)} {self.status.lower()}: {self.reason} — {where}"


def not_run(steps: list[Step]) -> list[NotRun]:
    """The steps that never started, grouped by where they are and why, in order of appearance."""
    groups: dict[tuple[str, str, str], NotRun] = {}
    for step in steps:
        if step.status not in NOT_RUN:
            continue
        where = fan_out_pattern(step.name)
        task = re.sub(r"\(…\)$", "", where).rsplit(".", 1)[-1]
        reason = step.message or step.status
        if step.message.startswith(_RULED_OUT):
            reason = REASONS.get((task, step.status), reason)
        key = (step.status, where, reason)
        groups.setdefault(key, NotRun(step.status, where, reason, [])).names.append(step.name)
    return list(groups.values())


class ConsoleReporter:
    """Live spinners for running steps (on a terminal), one line per finished step."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self._lock = threading.Lock()
        self._tasks: dict[int, TaskID] = {}
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )

    def __enter__(self) -> ConsoleReporter:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.progress.stop()

    def started(self, step: Step) -> None:
        with self._lock:
            if self.live:
                self._tasks[id(step)] = self.progress.add_task(step.name, total=None)
            else:
                self.console.print(f"… {step.name}", highlight=False)

    def retrying(self, step: Step, wait_s: float) -> None:
        with self._lock:
            self.console.print(
                f"[yellow]↻[/] {step.name}  [dim]attempt {step.attempts} failed "
                f"({step.message or f'exit code {step.exit_code}'}); retrying in {wait_s:.1f}s[/]",
                highlight=False,
            )

    def finished(self, step: Step) -> None:
        with self._lock:
            task = self._tasks.pop(id(step), None)
            if task is not None:
                self.progress.remove_task(task)
            self.console.print(_done_line(step), highlight=False)


def summary(result: RunResult) -> dict[str, Any]:
    ran = [s for s in result.steps if s.status not in ("Omitted", "Skipped")]
    records: dict[str, int] = defaultdict(int)
    for step in ran:
        if step.records is not None:
            records[step.name.rsplit(".", 1)[-1]] += step.records
    return {
        "workflow": result.workflow,
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "steps": len(ran),
        "retries": sum(s.retries for s in ran),
        "records": sum(records.values()),
        "records_by_node": dict(sorted(records.items())),
        "failed": [s.name for s in result.failures()],
        "omitted": [s.name for s in result.steps if s.status == "Omitted"],
        "skipped": [s.name for s in result.steps if s.status == "Skipped"],
        "not_run": [
            {"status": g.status, "count": len(g.names), "where": g.where, "reason": g.reason}
            for g in not_run(result.steps)
        ],
        "log_dir": str(result.log_dir),
        "step_details": [
            {
                "name": s.name,
                "template": s.template,
                "status": s.status,
                "attempts": s.attempts,
                "exit_code": s.exit_code,
                "seconds": round(s.seconds, 3),
                "records": s.records,
                "message": s.message,
            }
            for s in result.steps
        ],
        "exit_handler": result.exit_handler.status if result.exit_handler else None,
    }


def print_summary(
    result: RunResult, console: Console, secrets: list[str], *, as_json: bool
) -> None:
    data = summary(result)
    if as_json:
        console.out(json.dumps(data), highlight=False)
        return
    table = Table(title=f"{result.workflow}: {result.status}", title_justify="left")
    for column in ("step", "status", "attempts", "seconds", "records"):
        # A backfill's step names carry their day's item ({"endpoints":…,"run_date":…}): fold
        # them rather than cut the day and the step off.
        table.add_column(
            column,
            justify="left" if column in ("step", "status") else "right",
            overflow="fold" if column == "step" else "ellipsis",
        )
    # Steps that never started are not rows: one line per task and reason, under the table
    # (a backfill's days would otherwise list each day's skipped steps, row after row).
    for step in (s for s in result.steps if s.status not in NOT_RUN):
        style = {"Succeeded": "green", "Failed": "red", "Error": "red"}.get(step.status, "dim")
        table.add_row(
            step.name,
            f"[{style}]{step.status}[/]",
            str(step.attempts or ""),
            f"{step.seconds:.1f}" if step.attempts else "",
            f"{step.records:,}" if step.records is not None else "",
        )
    console.print(table)
    for group in not_run(result.steps):
        console.print(f"[dim]{escape(group.line())}[/]", highlight=False)
    console.print(
        f"{result.status} in {result.seconds:.1f}s: {data['steps']} steps, "
        f"{data['retries']} retries, {data['records']:,} records landed. Logs: {result.log_dir}",
        highlight=False,
    )
    for step in result.failures():
        console.print(
            f"\n[red]failed step {step.name}[/] (template {step.template}, "
            f"{step.attempts} attempt{'s' if step.attempts != 1 else ''}): {step.message}",
            highlight=False,
        )
        console.print(f"[dim]last lines of {step.log_path}:[/]", highlight=False)
        console.out(tail(step, secrets), highlight=False)
    skipped = [s for s in result.steps if s.status == "Omitted"]
    if skipped and result.failures():
        names = ", ".join(s.name for s in skipped)
        console.print(f"\nnot run because of the failure: {names}", highlight=False)
