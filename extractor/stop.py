"""A backfill's stop marker: once a day of backfill workflow W has failed, no later day starts.

`{prefix}/_runs/{W}/stop.json`, outside every reader's glob like `_incoming/` and `_ledger/`.
The backfill's per-day wrapper (workflows/backfill.py) reads it before each day (`gmp gate`:
`open` or `closed`) and writes it when the day failed (`gmp gate --close`). Workflow names are
unique (Argo's generateName; the local runner's random suffix), so a new run of the same range —
a resume — never meets the marker of the run it resumes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from extractor.layout import join_key

if TYPE_CHECKING:
    from extractor.lake import Lake

RUNS = "_runs"
OPEN = "open"
CLOSED = "closed"


def marker_key(lake: Lake, workflow: str) -> str:
    return join_key(lake.prefix, RUNS, workflow, "stop.json")


def stopped(lake: Lake, workflow: str) -> dict[str, Any] | None:
    """The marker's record (which day failed, when), or None while every day may start."""
    return lake.get_json(marker_key(lake, workflow))


def stop(lake: Lake, workflow: str, failed_day: str) -> None:
    """Record that `failed_day` failed: no later day of `workflow` starts."""
    record = {
        "workflow": workflow,
        "failed_day": failed_day,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    lake.put(marker_key(lake, workflow), json.dumps(record).encode())
