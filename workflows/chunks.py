"""Split a backfill range into consecutive workflows of at most `names.MAX_WORKFLOW_DAYS` days.

One Workflow keeps every node of every day in its status, and the controller fails a workflow
whose status grows past 1 MiB (workflow/packer/packer.go); so `gmp dates` (the backfill's first
step) refuses a longer range, and `gmp submit-backfill` / `gmp backfill` run one workflow per chunk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gmp.errors import UsageError
from workflows import names


@dataclass(frozen=True)
class Chunk:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_json(self) -> dict[str, object]:
        return {
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "days": self.days,
        }


def split(days: list[dt.date], size: int = names.MAX_WORKFLOW_DAYS) -> list[Chunk]:
    """Consecutive chunks covering `days` (a contiguous, sorted range) exactly."""
    return [Chunk(days[i], days[min(i + size, len(days)) - 1]) for i in range(0, len(days), size)]


def refuse_if_too_long(days: list[dt.date]) -> None:
    """Exit 2 for a range (gmp.dates.parse_range) one backfill workflow may not cover, saying
    how to split it."""
    if len(days) > names.MAX_WORKFLOW_DAYS:
        first, last = days[0], days[-1]
        chunks = len(split(days))
        raise UsageError(
            f"range of {len(days)} days is longer than one backfill workflow may cover "
            f"({names.MAX_WORKFLOW_DAYS} days): run `gmp submit-backfill --start {first} "
            f"--end {last}` (or `gmp backfill` locally), which splits it into "
            f"{chunks} consecutive workflows"
        )
