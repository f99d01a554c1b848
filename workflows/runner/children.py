"""Child processes tied to their parent: a `kill -9` of gmp ends them and, level by level, theirs.

Each child asks the kernel for SIGKILL when its parent dies (Linux `PR_SET_PDEATHSIG`, set between
fork and exec), and checks right after that its parent is still the one that started it (else the
parent died in between, and the child kills itself). The kernel sends the signal when the *thread*
that forked the child exits, not the process: every caller here waits for its child in the thread
that started it (the runner's worker threads do `start` then `wait`), so that thread never ends
first while the process lives. A grandchild is covered when its parent uses this module too
(`gmp run` → `gmp transform` → `dbt`); anything else left in a child's process group is swept by
`wait` when the child ends, as a container's processes end with its main process, and by the
`Reaper` when this process dies first: a small process that holds the read end of a pipe, learns
each group as it starts, and SIGKILLs the groups still listed when the pipe closes (EOF: this
process ended, however it ended).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_prctl: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    _prctl = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl


def _tie_to(parent: int) -> Callable[[], None]:
    """The function the child runs before exec (resolved in the parent: no import in the child)."""
    prctl = _prctl

    def tie() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return tie


def popen(argv: Sequence[str], *, own_group: bool = False, **kwargs: Any) -> subprocess.Popen[Any]:
    """subprocess.Popen of a child that dies with this process; `own_group`: a new process group."""
    if own_group:
        kwargs["process_group"] = 0
    return subprocess.Popen(list(argv), preexec_fn=_tie_to(os.getpid()), **kwargs)  # noqa: PLW1509


def signal_group(proc: subprocess.Popen[Any], signum: int) -> None:
    """Send `signum` to the child's process group (it must have been started with own_group)."""
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        return


def wait(proc: subprocess.Popen[Any], timeout: float | None = None) -> int | None:
    """Wait for a child started with own_group, then SIGKILL what it left in its group.

    The group is swept while the exited child is still a zombie (waitid WNOWAIT), so its id cannot
    have been reused by another process. None: still running after `timeout` seconds.
    """
    limit = None if timeout is None else time.monotonic() + timeout
    pause = 0.005
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        if limit is not None and time.monotonic() >= limit:
            return None
        time.sleep(pause if limit is None else min(pause, max(limit - time.monotonic(), 0)))
        pause = min(pause * 2, 0.1)
    signal_group(proc, signal.SIGKILL)
    return proc.wait()


_REAPER = """
import os, signal, sys
groups = set()
for line in sys.stdin:
    sign, pgid = line[0], int(line[1:])
    (groups.add if sign == "+" else groups.discard)(pgid)
for pgid in groups:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
"""


class Reaper:
    """Kills the process groups still running when this process ends, even by SIGKILL."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None

    def _pipe(self) -> Any:
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _REAPER],
                stdin=subprocess.PIPE,
                text=True,
                start_new_session=True,  # Ctrl-C in the terminal must not stop it first
            )
        return self._proc.stdin

    def watch(self, pgid: int) -> None:
        self._say(f"+{pgid}\n", start=True)

    def forget(self, pgid: int) -> None:
        self._say(f"-{pgid}\n", start=False)

    def _say(self, line: str, *, start: bool) -> None:
        if self._proc is None and not start:
            return
        try:
            pipe = self._pipe()
            pipe.write(line)
            pipe.flush()
        except OSError:  # the reaper is gone: PR_SET_PDEATHSIG still covers the steps
            return

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                with contextlib.suppress(OSError):
                    self._proc.stdin.close()
            self._proc.wait()
            self._proc = None
