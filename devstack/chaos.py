"""Chaos runs: a command killed with SIGKILL at given moments and resumed after each, under
RAWG faults spread over the run. Used by tests/workflows/test_chaos.py and bench/bench_chaos.py.

A kill models a lost controller and its pods at once: every process of the run (the command's
process group, and every process that carries the run's marker variable in its environment, so
the step processes in their own groups too) is frozen with SIGSTOP, then all get SIGKILL; none
writes on after the moment. Then the same command is started again (the resume), until it ends
on its own. A run that fails on its own (a step out of retries) is resumed the same way.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devstack.standin_faults import Fault

MARKER = "GMP_CHAOS_RUN"  # the variable whose value tells this run's processes from any other


@dataclass
class Attempt:
    """One start of the command: how it ended and what the lake held when it started."""

    number: int
    started: float  # Unix time, comparable with the stand-in's `received_at`
    ended: float = 0.0
    exit_code: int | None = None  # None: killed
    committed_at_start: frozenset[tuple[str, str]] = frozenset()
    killed_processes: int = 0
    log: Path | None = None

    @property
    def killed(self) -> bool:
        return self.exit_code is None

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class ChaosRun:
    """Runs `argv` with `env` until it ends on its own, killing it when its cumulative run time
    reaches each of `kill_at` (seconds). `committed` reads what the lake holds (before each
    start). Each attempt gets `--logs LOGS/attempt-N` (gmp run/backfill: the steps' logs) and
    writes its own output to LOGS/attempt-N.log."""

    argv: Sequence[str]
    env: dict[str, str]
    kill_at: Sequence[float]
    committed: Callable[[], frozenset[tuple[str, str]]]
    logs: Path
    max_failures: int = 3  # resumes after runs that failed on their own, before giving up
    timeout: float = 1800.0  # one attempt's limit
    attempts: list[Attempt] = field(default_factory=list)

    def run(self) -> list[Attempt]:
        self.logs.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(8)
        env = {**self.env, MARKER: token}
        kills = sorted(self.kill_at)
        elapsed, failures = 0.0, 0
        while True:
            attempt = Attempt(len(self.attempts) + 1, time.time())
            attempt.committed_at_start = self.committed()
            attempt.log = self.logs / f"attempt-{attempt.number}.log"
            argv = [*self.argv, "--logs", str(self.logs / f"attempt-{attempt.number}")]
            killed = sum(a.killed for a in self.attempts)
            limit = kills[killed] - elapsed if killed < len(kills) else self.timeout
            attempt.started = time.time()
            clock = time.monotonic()
            with attempt.log.open("w") as log:
                proc = subprocess.Popen(
                    argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
                try:
                    attempt.exit_code = proc.wait(timeout=max(limit, 0.0))
                except subprocess.TimeoutExpired:
                    attempt.killed_processes = kill_run(proc, token)
                    attempt.exit_code = None
            attempt.ended = time.time()
            elapsed += time.monotonic() - clock
            self.attempts.append(attempt)
            if attempt.exit_code == 0:
                return self.attempts
            if attempt.exit_code is not None:
                failures += 1
                if failures > self.max_failures:
                    return self.attempts

    @property
    def kills(self) -> int:
        return sum(a.killed for a in self.attempts)

    def step_logs_saying(self, text: str) -> int:
        """How many step logs of all attempts contain `text`."""
        return sum(
            text in path.read_text(errors="replace")
            for path in self.logs.glob("attempt-*/**/*")
            if path.is_file()
        )


def kill_moments(rng: random.Random, count: int, run_seconds: float) -> list[float]:
    """`count` moments spread over a run of `run_seconds`: one drawn in each of `count` equal
    slices of 5..80 % of it (no two kills in one instant, and all of them before a resumed run
    that loses little to them could end, even on a quieter machine than the one it was timed on)."""
    first, span = 0.05 * run_seconds, 0.75 * run_seconds
    return [first + span * (i + rng.random()) / count for i in range(count)]


def spread_faults(
    rng: random.Random,
    count: int,
    paths: dict[str, int],
    *,
    hang_seconds: float,
    burst: tuple[int, int] = (3, 5),
) -> list[Fault]:
    """`count` faults (5xx, bursts of 429, hangs, in turn) on the given paths (`paths`: path ->
    its requests in a fault-free run): one on each path first, the rest on paths drawn in
    proportion to their requests; each starts after a seeded number of that path's requests."""
    names = sorted(paths)
    weights = [paths[n] for n in names]
    faults = []
    for i in range(count):
        path = names[i] if i < len(names) else rng.choices(names, weights)[0]
        skip = rng.randrange(max(paths[path], 1))
        kind = ("5xx", "429", "hang")[i % 3]
        if kind == "5xx":
            status = rng.choice(("500", "502", "503"))
            faults.append(Fault(status, path=path, times=rng.randint(1, 2), skip=skip))  # type: ignore[arg-type]
        elif kind == "429":
            faults.append(Fault("429", path=path, times=rng.randint(*burst), skip=skip))
        else:
            faults.append(Fault("hang", path=path, times=1, skip=skip, hang_seconds=hang_seconds))
    return faults


def kill_run(proc: subprocess.Popen[bytes], token: str, *, settle: float = 10.0) -> int:
    """Freeze every process of the run, then SIGKILL them all; how many there were. Raises
    RuntimeError when one still lives after `settle` seconds."""
    frozen: set[int] = set()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGSTOP)
    while True:  # a process may start between a scan and the SIGSTOPs: scan until none new
        found = _marked(token) | _group(proc.pid)
        new = found - frozen
        if not new:
            break
        for pid in new:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
        frozen |= new
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in frozen:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + settle
    while alive := _marked(token):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of the killed run still alive: {sorted(alive)}")
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    return len(frozen)


def _marked(token: str) -> set[int]:
    """Live processes (not zombies) whose environment carries MARKER=token."""
    needle = f"{MARKER}={token}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0") and not _zombie(entry):
                found.add(int(entry.name))
        except OSError:  # gone, or not ours
            continue
    return found


def _group(pgid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _zombie(entry: Path) -> bool:
    try:
        return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
