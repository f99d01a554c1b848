"""Argo synchronization as local locks: a semaphore per ConfigMap key, a mutex per name.

As workflow/sync/sync_manager.go `TryAcquire`: a node takes every lock its template names at once
or none (it never sits on a semaphore slot while it waits for a mutex), and it holds them from its
first attempt until its retry node is fulfilled, backoffs included (workflow/controller/operator.go
`executeTemplate` acquires for the retry node's name and releases when it is fulfilled). Lock names
are read after the template's parameters are substituted (common.SubstituteParams marshals the whole
template, `synchronization` included), so `gmp-extract-{{inputs.parameters.endpoint}}` is one lock
per endpoint. Locally the locks span one `gmp run`/`gmp backfill` process, not the namespace.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from workflows.spec import SpecError, substitute


class LockWaitAbandoned(Exception):
    """The node stopped waiting for its locks: the run moved on without it."""


class Locks:
    def __init__(self, semaphore_limits: Mapping[str, int]) -> None:
        self._limits = dict(semaphore_limits)
        self._changed = threading.Condition()
        self._held: Counter[str] = Counter()

    def wanted(
        self, synchronization: dict[str, Any] | None, scope: Mapping[str, Any]
    ) -> dict[str, int]:
        """Lock key → how many may hold it, for a template's synchronization (names substituted)."""
        sync = synchronization or {}
        found: dict[str, int] = {}
        for ref in sync.get("semaphores", []) or []:
            cm = ref.get("configMapKeyRef")
            if not cm:
                raise SpecError(f"semaphore {ref!r}: only configMapKeyRef semaphores run locally")
            key = f"{substitute(cm['name'], scope)}/{substitute(cm['key'], scope)}"
            if key not in self._limits:
                raise SpecError(f"semaphore {key}: no local limit given for it")
            found["semaphore:" + key] = self._limits[key]
        for mutex in sync.get("mutexes", []) or []:
            name = substitute(str(mutex.get("name", "")), scope)
            if not name:
                raise SpecError("a mutex needs a name (Invalid lock key: ResourceName is missing)")
            found["mutex:" + name] = 1
        return found

    def _free(self, wanted: Mapping[str, int]) -> bool:
        return all(self._held[key] < limit for key, limit in wanted.items())

    @contextmanager
    def hold(
        self, wanted: Mapping[str, int], give_up: Callable[[], bool] = lambda: False
    ) -> Iterator[None]:
        """Take every lock in `wanted` at once; LockWaitAbandoned if `give_up()` turns true."""
        with self._changed:
            while not self._free(wanted):
                if give_up():
                    raise LockWaitAbandoned
                self._changed.wait(0.1)
            self._held.update(wanted.keys())
        try:
            yield
        finally:
            with self._changed:
                self._held.subtract(wanted.keys())
                self._changed.notify_all()
