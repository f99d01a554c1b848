"""The commit lease of one partition, kept in the lake itself with S3 conditional writes.

Only the run holding `_incoming/{endpoint}/run_date=D/_lease.json` may touch the committed
partition. It is taken with `PUT If-None-Match: *`, renewed with `PUT If-Match: <etag>` (each
renewal changes the body, so the ETag), and taken over once it is older than the lease time by
the S3 server's own clock (`Date` minus `Last-Modified`: no clock skew between machines) with
`If-Match` on the ETag seen, so two runs can never both take over one expired lease. A
heartbeat thread renews it, and also touches the run's `_alive` marker from start to end, so
the staging area of a run that died can be told from one that is only slow.

Without conditional writes (old S3 servers) the lease is advisory: write, wait, read back. Two
runs that commit within that moment can still interleave; docs/lake.md says to keep the Argo mutex.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from typing import Any

from extractor.lake import Lake
from gmp.errors import LakeError

log = logging.getLogger(__name__)

LEASE = "_lease.json"
ALIVE = "_alive"


class Lease:
    """The right to swap one partition's pages into place, for one run."""

    def __init__(self, lake: Lake, key: str, run_id: str, staged: str, *, seconds: float) -> None:
        self._lake, self.key, self.run_id, self.staged = lake, key, run_id, staged
        self.seconds = seconds
        self.etag: str | None = None
        self.lost = False
        self._renewals = 0
        self._last_renewed = 0.0
        self._lock = threading.Lock()

    def _body(self) -> bytes:
        body: dict[str, Any] = {
            "run_id": self.run_id,
            "staged": self.staged,
            "holder": f"{socket.gethostname()}:{os.getpid()}",
            "renewals": self._renewals,
        }
        return json.dumps(body, sort_keys=True).encode()

    def expired(self, age_s: float) -> bool:
        # Last-Modified and Date have one-second resolution: a second of margin.
        return age_s > self.seconds + 1

    def acquire(self, *, wait_max: float) -> None:
        """Take the lease, waiting while a live run holds it; LakeError after wait_max."""
        deadline = time.monotonic() + wait_max
        poll = min(1.0, max(0.1, self.seconds / 4))
        while True:
            head = self._lake.head(self.key)
            if head is None:
                if self._write(None):
                    return
            elif self.expired(head.age_s):
                holder = self._lake.get_json(self.key) or {}
                if self._write(head.etag):
                    log.warning(
                        "took over the commit lease of run %s (no renewal for %.0fs)",
                        holder.get("run_id", "?"),
                        head.age_s,
                    )
                    return
            if time.monotonic() > deadline:
                raise LakeError(
                    f"{self.key} is held by another run of this partition for over "
                    f"{wait_max:.0f}s; nothing committed — re-run when it has finished"
                )
            time.sleep(poll)

    def take_over(self, etag: str) -> bool:
        """Take an expired lease whose ETag is `etag`; False when another run was first."""
        return self._write(etag)

    def _write(self, etag: str | None) -> bool:
        with self._lock:
            self._renewals = 0
            written = self._lake.put_if(self.key, self._body(), etag=etag)
            if written is None:
                return False
            if not self._lake.conditional:  # advisory: the last writer wins; check it is us
                time.sleep(min(1.0, self.seconds / 5))
                if (self._lake.get_json(self.key) or {}).get("run_id") != self.run_id:
                    return False
            self.etag, self.lost = written, False
            self._last_renewed = time.monotonic()
            return True

    def renew(self) -> None:
        """Called by the heartbeat: extend the lease, or mark it lost."""
        with self._lock:
            if self.etag is None or self.lost:
                return
            self._renewals += 1
            try:
                if not self._lake.conditional:  # advisory: only renew what is still ours
                    current = self._lake.head(self.key)
                    if current is None or current.etag != self.etag:
                        self.lost = True
                        return
                written = self._lake.put_if(self.key, self._body(), etag=self.etag)
            except Exception:  # S3 unreachable: lost once it may have expired for the others
                log.warning("could not renew the commit lease", exc_info=True)
                if time.monotonic() - self._last_renewed > self.seconds:
                    self.lost = True
                return
            if written is None:
                self.lost = True
                log.warning("the commit lease of run %s was taken over", self.run_id)
            else:
                self.etag, self._last_renewed = written, time.monotonic()

    def check(self) -> None:
        """Raise when the lease is no longer ours: another run may be swapping now."""
        if self.lost:
            raise LakeError(
                f"run {self.run_id} lost the commit lease {self.key} (no renewal for "
                f"{self.seconds:.0f}s); stopped before touching the partition further"
            )

    def release(self) -> None:
        with self._lock:
            etag, self.etag = self.etag, None
        if etag is not None and not self.lost:
            self._lake.delete_if(self.key, etag)


class Heartbeat:
    """A daemon thread: touches the run's `_alive` marker and renews its lease, if any."""

    def __init__(self, lake: Lake, alive_key: str, *, seconds: float) -> None:
        self._lake, self._key, self._interval = lake, alive_key, seconds / 3
        self.lease: Lease | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beats = 0

    def start(self) -> None:
        self._touch()  # before any page: a staging folder without `_alive` is a dead one
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def _touch(self) -> None:
        self._beats += 1
        self._lake.put(self._key, json.dumps({"beats": self._beats}).encode())

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if self.lease is not None:
                self.lease.renew()
            try:
                self._touch()
            except Exception:  # the run itself will meet the S3 failure and report it
                log.debug("heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
