"""A retryStrategy: how many attempts, how long to wait, which exit codes to give up on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workflows.runner.spec import SpecError

# The one expression shape the project renders (workflows.templates.retry_expression).
_EXPRESSION = re.compile(
    r'^lastRetry\.status == "Error" \|\| lastRetry\.exitCode not in \[(?P<codes>[^\]]*)\]$'
)
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>s|m|h)?$")


def seconds(text: str | int) -> float:
    match = _DURATION.match(str(text).strip())
    if not match:
        raise SpecError(f"duration {text!r} is not supported locally (use e.g. 30s, 5m, 1h)")
    return float(match["n"]) * {"s": 1, "m": 60, "h": 3600, None: 1}[match["unit"]]


def no_retry_codes(expression: str) -> tuple[int, ...]:
    match = _EXPRESSION.match(expression.strip())
    if not match:
        raise SpecError(f"retry expression {expression!r} is not the shape gmp run understands")
    return tuple(int(c.strip().strip('"')) for c in match["codes"].split(",") if c.strip())


@dataclass(frozen=True)
class RetryPolicy:
    limit: int = 0  # retries after the first attempt
    no_retry: tuple[int, ...] = ()
    backoff_s: float = 0.0
    factor: float = 1.0
    cap_s: float | None = None

    @classmethod
    def parse(cls, strategy: dict[str, Any] | None) -> RetryPolicy:
        if not strategy:
            return cls()
        policy = strategy.get("retryPolicy", "OnFailure")
        if policy not in ("Always", "OnFailure", "OnError"):
            raise SpecError(f"retryPolicy {policy!r} is not supported locally")
        backoff = strategy.get("backoff") or {}
        return cls(
            limit=int(strategy.get("limit", 0)),
            no_retry=no_retry_codes(strategy["expression"]) if "expression" in strategy else (),
            backoff_s=seconds(backoff["duration"]) if "duration" in backoff else 0.0,
            factor=float(backoff.get("factor", 1)),
            cap_s=seconds(backoff["cap"]) if "cap" in backoff else None,
        )

    def should_retry(self, attempt: int, exit_code: int | None) -> bool:
        """After `attempt` attempts ended with `exit_code` (None: errored, e.g. deadline)."""
        if attempt > self.limit:
            return False
        return exit_code is None or exit_code not in self.no_retry

    def wait(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure."""
        wait = self.backoff_s * self.factor ** (attempt - 1)
        return min(wait, self.cap_s) if self.cap_s is not None else wait
