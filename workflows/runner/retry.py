"""A retryStrategy, decided in the order of workflow/controller/operator.go `processNodeRetries`.

After a failed attempt the controller (1) gives up if the workflow is stopping or past its deadline;
(2) with a backoff: fails on `maxDuration`, computes the wait (duration * factor^(attempts-1),
capped) and WAITS it whenever attempts ≤ limit, before anything else is decided, so an exit the
expression will refuse still costs one backoff; (3) applies retryPolicy (Always, OnFailure,
OnError); (4) "No more retries left" when attempts > limit; (5) evaluates `expression`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workflows.runner.expressions import evaluate_bool
from workflows.spec import SpecError

_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
POLICIES = {"Always": (True, True), "OnFailure": (True, False), "OnError": (False, True)}


def seconds(text: str | int) -> float:
    """wfv1.ParseStringToDuration: a number of seconds, or a Go duration such as 1m30s."""
    raw = str(text).strip()
    if re.fullmatch(r"\d+", raw):
        return float(raw)
    if raw and re.fullmatch(f"(?:{_GO_DURATION.pattern})+", raw):
        return sum(float(n) * _UNITS[u] for n, u in _GO_DURATION.findall(raw))
    raise SpecError(f"duration {text!r} is not a Go duration (e.g. 30s, 5m, 1h30m)")


@dataclass(frozen=True)
class Outcome:
    """How one attempt (a pod node) ended."""

    phase: str  # Succeeded | Failed | Error
    exit_code: int | None
    message: str
    seconds: float


@dataclass(frozen=True)
class RetryPolicy:
    limit: int | None = 0  # retries after the first attempt; None: no limit (Argo's nil limit)
    policy: str = "OnFailure"
    expression: str | None = None
    duration_s: float | None = None  # None: no backoff
    factor: int | None = None
    cap_s: float | None = None
    max_duration_s: float | None = None

    @classmethod
    def parse(cls, strategy: dict[str, Any] | None) -> RetryPolicy | None:
        """None when the template has no retryStrategy (its node is a plain pod node)."""
        if strategy is None:
            return None
        policy = strategy.get("retryPolicy") or "OnFailure"  # RetryPolicyActual's default
        if policy not in POLICIES:
            raise SpecError(f"retryPolicy {policy!r} is not supported locally")
        backoff = strategy.get("backoff")
        duration = None
        if backoff is not None:
            if not backoff.get("duration"):
                raise SpecError("no base duration specified for retryStrategy")
            duration = seconds(backoff["duration"])
        backoff = backoff or {}
        limit = strategy.get("limit")
        return cls(
            limit=None if limit is None else int(limit),
            policy=policy,
            expression=strategy.get("expression") or None,
            duration_s=duration,
            factor=int(backoff["factor"]) if "factor" in backoff else None,
            cap_s=seconds(backoff["cap"]) if backoff.get("cap") else None,
            max_duration_s=seconds(backoff["maxDuration"]) if backoff.get("maxDuration") else None,
        )

    def delay(self, attempts: int) -> float:
        """The backoff after `attempts` attempts: duration * factor^(attempts-1), capped."""
        assert self.duration_s is not None
        wait = self.duration_s
        if self.factor is not None and self.factor > 0:
            wait = self.duration_s * self.factor ** (attempts - 1)
        return min(wait, self.cap_s) if self.cap_s is not None else wait

    def backoff(
        self, attempts: int, first_started: float, last_finished: float, now: float
    ) -> tuple[float, str | None]:
        """(seconds still to wait before deciding, or the retry node's final message)."""
        if self.duration_s is None:
            return 0.0, None
        limit_at = None
        if self.max_duration_s is not None:
            limit_at = first_started + self.max_duration_s
            if now > limit_at:
                return 0.0, "Max duration limit exceeded"
        until = last_finished + self.delay(attempts)
        if limit_at is not None and until > limit_at:
            return 0.0, "Backoff would exceed max duration limit"
        if now < until and self.limit is not None and attempts <= self.limit:
            return until - now, None
        return 0.0, None

    def verdict(self, attempts: int, last: Outcome) -> str | None:
        """After the backoff: None to retry, else the message the retry node ends with."""
        on_failed, on_error = POLICIES[self.policy]
        if (last.phase == "Failed" and not on_failed) or (last.phase == "Error" and not on_error):
            return last.message
        if self.limit is not None and attempts > self.limit:
            return "No more retries left"
        if self.expression and not evaluate_bool(self.expression, scope(attempts, last)):
            return "retryStrategy.expression evaluated to false"
        return None


def scope(attempts: int, last: Outcome) -> dict[str, str]:
    """operator.go `buildRetryStrategyLocalScope`: every value a string; no exit code is "-1"."""
    return {
        "retries": str(attempts - 1),
        "lastRetry.exitCode": "-1" if last.exit_code is None else str(last.exit_code),
        "lastRetry.status": last.phase,
        "lastRetry.duration": go_float(last.seconds),
        "lastRetry.message": last.message,
    }


def go_float(value: float) -> str:
    """fmt.Sprint of a float64: the shortest form, without a trailing ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
