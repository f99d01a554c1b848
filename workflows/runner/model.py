"""What a local run reports: each step's record, the run's result, and the options it takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass
class Step:
    """What happened to one container node (all its attempts)."""

    name: str
    template: str
    status: str = "Running"  # Running, Succeeded, Failed, Error; Omitted or Skipped: never started
    attempts: int = 0
    exit_code: int | None = None
    seconds: float = 0.0
    records: int | None = None
    log_path: Path | None = None
    message: str = ""

    @property
    def retries(self) -> int:
        return max(self.attempts - 1, 0)


class Reporter(Protocol):
    def started(self, step: Step) -> None: ...
    def retrying(self, step: Step, wait_s: float) -> None: ...
    def finished(self, step: Step) -> None: ...


# What a succeeded step landed, read from its stdout by whoever knows the commands' output
# (None: nothing to count). The runner itself knows no command's output.
RecordCount = Callable[[Step, str], int | None]


@dataclass
class RunOptions:
    log_dir: Path | None = None
    backoff_scale: float = 1.0  # multiply every retry wait (tests and impatient people)
    semaphores: Mapping[str, int] = field(default_factory=dict)  # "configmap/key" → limit
    parallelism: int | None = None  # override the entry DAG's literal parallelism
    records: RecordCount | None = None  # no hook: no step reports records


@dataclass
class RunResult:
    workflow: str
    status: str  # Succeeded | Failed | Error (the workflow phases of operator.go `operate`)
    steps: list[Step]
    seconds: float
    log_dir: Path
    exit_handler: Step | None = None
    failures_parameter: str = '"null"'  # what {{workflow.failures}} gave the exit handler

    def failures(self) -> list[Step]:
        return [s for s in self.steps if s.status in ("Failed", "Error")]

    def exit_code(self) -> int:
        """0, or the failing step's contract code (2 input, 3 key, 4 quota, 5 refused), else 1."""
        if self.status == "Succeeded":
            return 0
        codes = {s.exit_code for s in self.failures()}
        return next((c for c in (2, 3, 4, 5) if c in codes), 1)
