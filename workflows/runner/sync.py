"""Argo synchronization as local locks: a semaphore per ConfigMap key, a mutex per name."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from workflows.runner.spec import SpecError


class Locks:
    def __init__(self, semaphore_limits: Mapping[str, int]) -> None:
        self._limits = dict(semaphore_limits)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Semaphore] = {}

    def _get(self, key: str, limit: int) -> threading.Semaphore:
        with self._guard:
            if key not in self._locks:
                self._locks[key] = threading.BoundedSemaphore(limit)
            return self._locks[key]

    def semaphore(self, ref: dict[str, Any]) -> threading.Semaphore:
        cm = ref.get("configMapKeyRef")
        if not cm:
            raise SpecError(f"semaphore {ref!r}: only configMapKeyRef semaphores run locally")
        key = f"{cm['name']}/{cm['key']}"
        if key not in self._limits:
            raise SpecError(f"semaphore {key}: no local limit given for it")
        return self._get("semaphore:" + key, self._limits[key])

    @contextmanager
    def hold(self, synchronization: dict[str, Any] | None) -> Iterator[None]:
        """Acquire every lock the template asks for (in a fixed order), release them after."""
        sync = synchronization or {}
        wanted = [self.semaphore(s) for s in sync.get("semaphores", []) or []]
        wanted += [self._get("mutex:" + m["name"], 1) for m in sync.get("mutexes", []) or []]
        with ExitStack() as stack:
            for lock in wanted:
                lock.acquire()
                stack.callback(lock.release)
            yield
