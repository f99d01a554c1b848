"""Snowflake raw load: which lake partitions are committed, and the dbt call that syncs them.

On a Snowflake target, `gmp transform` runs this before `dbt build`: the raw tables are filled
by COPY INTO from the lake (dbt/macros/raw_load/load_raw.sql), and only committed partitions
(manifest present) may be loaded. DuckDB (dev) reads the lake directly and needs none of this.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from extractor.lake import Lake
from gmp.endpoints import REGISTRY

SYNC_MACRO = "sync_raw_partitions"


def is_committed(lake: Lake, endpoint: str, run_date: dt.date) -> bool:
    """A partition is committed when its manifest exists (one HEAD, no download)."""
    return lake.exists(lake.manifest_key(endpoint, run_date))


def raw_partitions(
    lake: Lake, days: Iterable[dt.date], endpoints: Iterable[str] = tuple(REGISTRY)
) -> list[dict[str, object]]:
    """Every (endpoint, day) to sync, each with whether the lake holds a commit of it.

    Every registry endpoint by default, so every raw table exists (models read them all) and a
    partition whose commit vanished from the lake vanishes from the warehouse too.
    """
    names = list(endpoints)
    return [
        {"endpoint": name, "run_date": day.isoformat(), "committed": is_committed(lake, name, day)}
        for day in days
        for name in names
    ]


def sync_command(partitions: list[dict[str, object]], *, force: bool = False) -> list[str]:
    """The dbt arguments (after `dbt`) that load the committed partitions, drop the others."""
    args = json.dumps({"partitions": partitions, "force": force}, separators=(",", ":"))
    return ["run-operation", SYNC_MACRO, "--args", args]
