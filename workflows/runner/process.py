"""One attempt of a container template, run as a local process with its command and env."""

from __future__ import annotations

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

from workflows.runner import children
from workflows.runner.params import substitute_params
from workflows.spec import SpecError

# Where a step writes its termination message (gmp/boundary.py `say_error`): in a pod,
# /dev/termination-log, which Kubernetes mounts; here, a file of the attempt's own.
TERMINATION_LOG_ENV = "GMP_TERMINATION_LOG"

# A container command → the local argv prefix that runs it (tests point `gmp` at a stand-in).
LOCAL_COMMANDS: dict[str, list[str]] = {"gmp": [str(Path(sys.executable).with_name("gmp"))]}


RESULT_LIMIT = 256 * 1024  # workflow/executor/executor.go CaptureScriptResult: maxAnnotationSize
GRACE_S = 10.0  # a pod's SIGTERM → SIGKILL grace (Kubernetes' default is 30 s)
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


@dataclass
class Attempt:
    """One pod node: how it ended (operator.go `inferFailedReason` phases and messages)."""

    phase: str  # Succeeded | Failed | Error
    exit_code: int | None  # None: the main container never ran or reported none
    seconds: float
    stdout: str
    log_path: Path
    message: str = ""

    def result(self) -> str:
        """outputs.result as the executor stores it (CaptureScriptResult): one trailing newline
        trimmed, and above 256 kB only the LAST 256 kB kept."""
        data = self.stdout.encode("utf-8")
        if data.endswith(b"\n"):
            data = data[:-1]
        if len(data) > RESULT_LIMIT:
            data = data[-RESULT_LIMIT:]
        return data.decode("utf-8", errors="replace")


class MissingSecret(Exception):
    """A required secretKeyRef has no local variable of that name: a pod that cannot start.

    On Argo such a pod sits in CreateContainerConfigError until its activeDeadlineSeconds; the
    kubelet then fails it ("Pod was active on the node longer than the specified deadline", no exit
    code) and the retryStrategy decides as for any Failed attempt. Locally the attempt fails at
    once, with that phase, no exit code, and a message saying so: nobody waits an hour.
    """


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
            env[name] = remap(substitute_params(str(var["value"]), scope), mounts)
            continue
        ref = (var.get("valueFrom") or {}).get("secretKeyRef")
        if ref is None:
            raise SpecError(f"env {name}: only value and secretKeyRef are supported locally")
        local = os.environ.get(ref["key"])
        if local is not None:
            env[name] = local
        elif not ref.get("optional"):
            raise MissingSecret(
                f"secret key {ref['key']} (Secret {ref['name']}) is required and missing: on Argo "
                "the pod waits in CreateContainerConfigError until its activeDeadlineSeconds, then "
                f"fails as this attempt does; locally, set the environment variable {ref['key']}"
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
    """Every process still running, so Ctrl-C can stop them all; new starts refused after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self.cancelled = threading.Event()
        self.reaper = children.Reaper()

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self.cancelled.is_set():
                raise InterruptedError("the run was stopped")
            # Its own process group (like a pod, it ends whole) tied to this process.
            proc = children.popen(argv, own_group=True, **kwargs)
            self.reaper.watch(proc.pid)
            self._running.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[bytes]) -> None:
        """After `children.wait` reaped the child and swept its group."""
        with self._lock:
            self._running.discard(proc)
            self.reaper.forget(proc.pid)

    def close(self) -> None:
        with self._lock:
            self.reaper.close()

    def cancel(self) -> None:
        """SIGTERM every step's group now, SIGKILL what is left after the grace period."""
        with self._lock:
            self.cancelled.set()
            for proc in self._running:
                children.signal_group(proc, signal.SIGTERM)
        timer = threading.Timer(GRACE_S, self._kill_all)
        timer.daemon = True
        timer.start()

    def _kill_all(self) -> None:
        with self._lock:
            for proc in self._running:
                children.signal_group(proc, signal.SIGKILL)


def stop(proc: subprocess.Popen[bytes]) -> int:
    """What the kubelet does at a pod's deadline: SIGTERM, a grace period, then SIGKILL."""
    children.signal_group(proc, signal.SIGTERM)
    code = children.wait(proc, GRACE_S)
    if code is None:
        children.signal_group(proc, signal.SIGKILL)
        code = children.wait(proc)
    assert code is not None
    return code


def run_attempt(
    template: dict[str, Any],
    scope: Mapping[str, Any],
    *,
    base_env: Mapping[str, str],
    log_path: Path,
    deadline_s: float | None,
    processes: Processes,
) -> Attempt:
    """Run the container's command + args; stdout and stderr go to `log_path`.

    The attempt's phase follows operator.go `inferFailedReason`: a non-zero exit of the main
    container is Failed with "main: Error (exit code N)", followed by ": <message>" when the
    container left a termination message (v4.0.9: `if t.Message != "" { msg = ... }`); a signal
    shows as exit code 128+N, as a container reports it; the pod deadline is Failed with the
    kubelet's message.
    """
    container = template["container"]
    command = [substitute_params(str(c), scope) for c in container.get("command", [])]
    if not command or command[0] not in LOCAL_COMMANDS:
        raise SpecError(f"template {template['name']!r}: only `gmp` containers run locally")
    workdir = log_path.parent
    mounts = empty_dirs(template, workdir)
    argv = [*LOCAL_COMMANDS[command[0]], *command[1:]]
    argv += [remap(substitute_params(str(a), scope), mounts) for a in container.get("args", [])]
    started = time.monotonic()
    try:
        env = container_env(container, scope, base_env, mounts)
    except MissingSecret as exc:
        log_path.write_text(str(exc) + "\n", encoding="utf-8")
        return Attempt("Failed", None, 0.0, "", log_path, str(exc))
    termination_path = log_path.with_suffix(".termination")
    termination_path.write_bytes(b"")  # the kubelet's file: there, empty, before the start
    env[TERMINATION_LOG_ENV] = str(termination_path)
    stdout_path = log_path.with_suffix(".stdout")
    with stdout_path.open("wb") as out, log_path.open("wb") as err:
        proc = processes.start(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            code = children.wait(proc, deadline_s)
            timed_out = code is None
            if code is None:
                code = stop(proc)
        finally:
            processes.done(proc)
    if code < 0:  # killed by a signal: a container reports 128 + the signal
        code = 128 - code
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    with log_path.open("a", encoding="utf-8") as log:
        log.write(stdout)
    seconds = time.monotonic() - started
    if timed_out:
        return Attempt("Failed", code, seconds, stdout, log_path, DEADLINE_MESSAGE)
    if code == 0:
        return Attempt("Succeeded", 0, seconds, stdout, log_path)
    if processes.cancelled.is_set():
        return Attempt("Failed", code, seconds, stdout, log_path, "stopped")
    message = f"main: Error (exit code {code})"
    left = termination_path.read_text(encoding="utf-8", errors="replace").strip()
    if left:
        message = f"{message}: {left}"
    return Attempt("Failed", code, seconds, stdout, log_path, message)
