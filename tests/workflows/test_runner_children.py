"""Children die with their parent: `gmp run`/`backfill` steps and their own
children, and `gmp transform`'s dbt, end when the parent is killed with SIGKILL, interrupted, or
when a pod deadline stops a step (a container's processes all end with its main process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.workflows.conftest import FAKE_GMP, Fake, args, container, task, workflow

DRIVER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from workflows.runner import RunOptions, process, run_workflow
    from workflows.spec import Catalogue

    class Quiet:
        def started(self, step): pass
        def retrying(self, step, wait_s): pass
        def finished(self, step): pass

    process.LOCAL_COMMANDS["gmp"] = [sys.executable, "-S", sys.argv[1]]
    doc = json.loads(sys.argv[2])
    run_workflow(Catalogue.of([doc]), "wf", {}, RunOptions(log_dir=Path(sys.argv[3])), Quiet())
    """
)


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(files: list[Path], proc: subprocess.Popen[bytes]) -> list[int]:
    limit = time.monotonic() + 30
    while not all(f.exists() for f in files):
        assert proc.poll() is None, "the runner ended early"
        assert time.monotonic() < limit, "the steps never started"
        time.sleep(0.05)
    return [int(pid) for f in files for pid in f.read_text().split()]


def gone(pids: list[int], within: float = 10.0) -> list[int]:
    limit = time.monotonic() + within
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < limit:
        time.sleep(0.05)
    return left


def _spawning_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[Path]]:
    """A runner process whose two steps each start a grandchild and sleep a minute."""
    files = [tmp_path / "a.pids", tmp_path / "b.pids"]
    doc = workflow(
        "wf",
        [task("fan", "spawn", withItems=[str(f) for f in files], arguments=args(f="{{item}}"))],
        container("spawn", "spawn", "{{inputs.parameters.f}}", "60", inputs=("f",)),
    )
    env = {**os.environ, "FAKE_GMP_LOG": str(tmp_path / "calls.jsonl")}
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(FAKE_GMP), json.dumps(doc), str(tmp_path / "logs")],
        env=env,
    )
    return proc, files


def _cleanup(pids: list[int]) -> None:
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_kill_9_of_the_runner_ends_every_step_and_grandchild(tmp_path: Path) -> None:
    # PR_SET_PDEATHSIG on each step (workflows/runner/children.py) and the reaper that kills the
    # steps' process groups when the runner's pipe closes.
    proc, files = _spawning_run(tmp_path)
    pids = wait_for(files, proc)
    descendants = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    try:
        assert len(pids) == 4 and all(alive(p) for p in pids)
        proc.kill()
        proc.wait()
        assert gone(descendants) == []
        assert set(pids) <= set(descendants)
    finally:
        _cleanup(descendants)


def test_ctrl_c_of_the_runner_stops_every_step_and_grandchild(tmp_path: Path) -> None:
    proc, files = _spawning_run(tmp_path)
    pids = wait_for(files, proc)
    descendants = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    try:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) != 0  # KeyboardInterrupt after everything stopped
        assert gone(pids, within=1.0) == []
        assert gone(descendants) == []
    finally:
        _cleanup(descendants)


def test_a_step_stopped_at_its_deadline_leaves_no_process_behind(
    fake_gmp: Fake, tmp_path: Path
) -> None:
    # A pod ends whole: the step's process group is swept when its main process has ended.
    pid_file = tmp_path / "pids"
    doc = workflow(
        "wf",
        [task("t", "spawn")],
        container("spawn", "spawn", str(pid_file), "60", activeDeadlineSeconds=1),
    )
    result = fake_gmp.run([doc], "wf", {})
    (step,) = result.steps
    assert step.status == "Failed"
    pids = [int(p) for p in pid_file.read_text().split()]
    try:
        assert gone(pids, within=1.0) == []
    finally:
        _cleanup(pids)


# Started through `env`, so run_dbt runs the script itself (warehouse.dbt._interpreter finds no
# interpreter of its own to start the launcher with, which would import the real dbt).
FAKE_DBT = """#!/usr/bin/env {python}
import os, sys, time
open({pids!r} + ".tmp", "w").write(str(os.getpid()))
os.replace({pids!r} + ".tmp", {pids!r})
print("dbt running", flush=True)
time.sleep(60)
"""

TRANSFORM_DRIVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from warehouse.dbt import DbtSettings, run_dbt

    here = Path(sys.argv[2])
    run_dbt(DbtSettings(here, here, "dev", sys.argv[1]), ["build"], {}, sys.stdout)
    """
)


def test_kill_9_of_gmp_transform_ends_dbt(tmp_path: Path) -> None:
    # warehouse/dbt.py run_dbt starts dbt through workflows/runner/children.py: the
    # DuckDB lock dies with gmp instead of blocking the next run.
    pid_file = tmp_path / "dbt.pid"
    dbt = tmp_path / "dbt"
    dbt.write_text(FAKE_DBT.format(python=sys.executable, pids=str(pid_file)))
    dbt.chmod(0o755)
    proc = subprocess.Popen(
        [sys.executable, "-c", TRANSFORM_DRIVER, str(dbt), str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    (pid,) = wait_for([pid_file], proc)
    try:
        assert alive(pid)
        proc.kill()
        proc.wait()
        assert gone([pid]) == []
    finally:
        _cleanup([pid])


@pytest.fixture(autouse=True)
def _linux_only() -> Any:
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    return None
