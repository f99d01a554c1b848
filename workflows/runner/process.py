"""One attempt of a container template, run as a local process with its command and env."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflows.runner.expr import substitute
from workflows.runner.spec import SpecError

# A container command → the local argv prefix that runs it (tests point `gmp` at a stand-in).
LOCAL_COMMANDS: dict[str, list[str]] = {"gmp": [str(Path(sys.executable).with_name("gmp"))]}


@dataclass
class Attempt:
    exit_code: int | None  # None: the step errored before or instead of exiting (deadline, env)
    seconds: float
    stdout: str
    log_path: Path
    message: str = ""

    def records(self) -> int | None:
        """`records` from the JSON summary line a `gmp extract` prints last on stdout."""
        for line in reversed(self.stdout.strip().splitlines()):
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                return None
            records = parsed.get("records") if isinstance(parsed, dict) else None
            return records if isinstance(records, int) else None
        return None


class MissingSecret(SpecError):
    """A required secretKeyRef has no local variable of that name: like a pod that cannot start."""

    exit_code = 2


def container_env(
    container: dict[str, Any],
    scope: Mapping[str, Any],
    base: Mapping[str, str],
    mounts: Mapping[str, str],
) -> dict[str, str]:
    """`base` (the ConfigMap/envFrom analogue) plus the container's own env entries."""
    env = dict(base)
    for var in container.get("env", []) or []:
        name = var["name"]
        if "value" in var:
            env[name] = remap(substitute(str(var["value"]), scope), mounts)
            continue
        ref = (var.get("valueFrom") or {}).get("secretKeyRef")
        if ref is None:
            raise SpecError(f"env {name}: only value and secretKeyRef are supported locally")
        local = os.environ.get(ref["key"])
        if local is not None:
            env[name] = local
        elif not ref.get("optional"):
            raise MissingSecret(
                f"secret key {ref['key']} (Secret {ref['name']}) is required: "
                f"set the environment variable {ref['key']}"
            )
    return env


def empty_dirs(template: dict[str, Any], workdir: Path) -> dict[str, str]:
    """mountPath → a fresh local directory, for each emptyDir the container mounts."""
    volumes = {v["name"] for v in template.get("volumes", []) or [] if "emptyDir" in v}
    mapping = {}
    for mount in template["container"].get("volumeMounts", []) or []:
        if mount["name"] not in volumes:
            raise SpecError(f"volume {mount['name']!r}: only emptyDir volumes exist locally")
        local = Path(tempfile.mkdtemp(prefix=mount["name"] + "-", dir=workdir))
        mapping[mount["mountPath"].rstrip("/")] = str(local)
    return mapping


def remap(value: str, mounts: Mapping[str, str]) -> str:
    """A path under a mounted emptyDir points into its local directory instead."""
    for mount, local in mounts.items():
        if value == mount or value.startswith(mount + "/"):
            return local + value[len(mount) :]
    return value


class Processes:
    """Every process still running, so a deadline or Ctrl-C can stop them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.cancelled = threading.Event()

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self.cancelled.is_set():
                raise InterruptedError("the workflow was stopped")
            proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
            self._running.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.discard(proc)

    def cancel(self) -> None:
        with self._lock:
            self.cancelled.set()
            for proc in self._running:
                kill(proc)


def kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return


def run_attempt(
    template: dict[str, Any],
    scope: Mapping[str, Any],
    *,
    base_env: Mapping[str, str],
    log_path: Path,
    deadline_s: float | None,
    processes: Processes,
) -> Attempt:
    """Run the container's command + args; stdout and stderr go to `log_path`."""
    container = template["container"]
    command = [substitute(str(c), scope) for c in container.get("command", [])]
    if not command or command[0] not in LOCAL_COMMANDS:
        raise SpecError(f"template {template['name']!r}: only `gmp` containers run locally")
    workdir = log_path.parent
    mounts = empty_dirs(template, workdir)
    argv = [*LOCAL_COMMANDS[command[0]], *command[1:]]
    argv += [remap(substitute(str(a), scope), mounts) for a in container.get("args", [])]
    env = container_env(container, scope, base_env, mounts)
    started = time.monotonic()
    stdout_path = log_path.with_suffix(".stdout")
    with stdout_path.open("wb") as out, log_path.open("wb") as err:
        proc = processes.start(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        message = ""
        try:
            code: int | None = proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            kill(proc)
            proc.wait()
            code, message = None, f"deadline of {deadline_s:.0f} s exceeded"
        finally:
            processes.done(proc)
    if code is not None and code < 0:  # killed by a signal: an error, not an exit code
        signal_number = -code
        code = None
        message = "stopped" if processes.cancelled.is_set() else f"killed by signal {signal_number}"
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    with log_path.open("a", encoding="utf-8") as log:
        log.write(stdout)
    return Attempt(code, time.monotonic() - started, stdout, log_path, message)
