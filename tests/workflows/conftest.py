"""Fixtures for the workflow tests: rendered documents, and the runner with a fast stand-in gmp."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmp.commands.local import extract_records
from workflows import render
from workflows.runner import RunOptions, RunResult, process, run_workflow
from workflows.runner.model import Step
from workflows.spec import Catalogue

FAKE_GMP = Path(__file__).with_name("fake_gmp.py")


@pytest.fixture(scope="session")
def rendered() -> dict[str, dict[str, Any]]:
    """The documents `gmp render` writes, by short name (daily, backfill, cron)."""
    return render.load(None)


@dataclass
class Quiet:
    """A reporter that only remembers what happened."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def started(self, step: Step) -> None:
        self.events.append(("started", step.name))

    def retrying(self, step: Step, wait_s: float) -> None:
        self.events.append(("retrying", step.name))

    def finished(self, step: Step) -> None:
        self.events.append(("finished", step.name))


@dataclass
class Fake:
    log: Path
    tmp: Path

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def run(
        self, docs: list[dict[str, Any]], name: str, args: dict[str, str], **options: Any
    ) -> RunResult:
        options.setdefault("log_dir", self.tmp / "logs")
        options.setdefault("semaphores", {"game-market-pipeline-sync/rawg-extractors": 4})
        options.setdefault("records", extract_records)  # the hook `gmp run` gives the runner
        return run_workflow(Catalogue.of(docs), name, args, RunOptions(**options), Quiet())


@pytest.fixture
def fake_gmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Fake:
    """Containers' `gmp` becomes tests/workflows/fake_gmp.py (python -S: milliseconds to start)."""
    monkeypatch.setitem(process.LOCAL_COMMANDS, "gmp", [sys.executable, "-S", str(FAKE_GMP)])
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_GMP_LOG", str(log))
    monkeypatch.setenv("RAWG_API_KEY", "a-test-key")  # the extract template requires it
    return Fake(log, tmp_path)


def max_overlap(calls: list[dict[str, Any]]) -> int:
    """The most calls that were running at one moment."""
    edges = sorted([(c["start"], 1) for c in calls] + [(c["end"], -1) for c in calls])
    current = best = 0
    for _, delta in edges:
        current += delta
        best = max(best, current)
    return best


def container(name: str, *args: str, inputs: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """A container template running the stand-in gmp with `args`."""
    template: dict[str, Any] = {
        "name": name,
        "container": {"image": "x", "command": ["gmp"], "args": list(args)},
    }
    if inputs:
        template["inputs"] = {"parameters": [{"name": i} for i in inputs]}
    template.update(extra)
    return template


def workflow(
    name: str, tasks: list[dict[str, Any]], *templates: dict[str, Any], **spec: Any
) -> dict[str, Any]:
    """A WorkflowTemplate whose entrypoint `main` is a DAG of `tasks` (dag_extra: main's fields)."""
    dag = {"name": "main", "dag": {"tasks": tasks}}
    dag.update(spec.pop("dag_extra", {}))
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": name},
        "spec": {"entrypoint": "main", "templates": [dag, *templates], **spec},
    }


def task(name: str, template: str, depends: str | None = None, **extra: Any) -> dict[str, Any]:
    found = {"name": name, "template": template, **extra}
    if depends:
        found["depends"] = depends
    return found


def args(**values: str) -> dict[str, Any]:
    return {"parameters": [{"name": k, "value": v} for k, v in values.items()]}


def by_command(fake: Fake, command: str) -> list[dict[str, Any]]:
    return [c for c in fake.calls() if c["argv"][0] == command]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


OptionsFactory = Callable[..., RunOptions]
