"""The lake layout, spelled once for Python: every key the pipeline writes or reads.

Under the lake prefix (LAKE_PREFIX, e.g. `raw/rawg`) of the bucket:

    {endpoint}/run_date={YYYY-MM-DD}/_manifest.json       a partition's commit (readers see
                                                           nothing of a partition without it)
    {endpoint}/run_date={YYYY-MM-DD}/page-{NNNNN}.json    its pages, numbered from 1
    _incoming/{endpoint}/run_date={YYYY-MM-DD}/           where runs stage and take the lease

dbt spells the same layout once too, in dbt/macros/lake/lake_layout.sql;
tests/warehouse/test_lake_layout.py renders those macros and checks that they name the same
keys as these functions for the same endpoint and day.
"""

from __future__ import annotations

import datetime as dt
import re

RUN_DATE = "run_date"  # the partition directory is `run_date=YYYY-MM-DD`
MANIFEST = "_manifest.json"
INCOMING = "_incoming"
PAGE_RE = re.compile(r"page-\d{5}\.json")  # a page's file name, and nothing else


def join_key(*parts: str) -> str:
    """A key from clean parts; an empty part (an empty prefix) is skipped, never a '//'."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def page_name(number: int) -> str:
    return f"page-{number:05d}.json"


def partition_dir(endpoint: str, run_date: dt.date | str) -> str:
    """`{endpoint}/run_date=YYYY-MM-DD`, the partition below the lake prefix."""
    day = run_date.isoformat() if isinstance(run_date, dt.date) else run_date
    return f"{endpoint}/{RUN_DATE}={day}"


def partition_prefix(prefix: str, endpoint: str, run_date: dt.date | str) -> str:
    """The committed partition's folder: `{prefix}/{endpoint}/run_date=D/`."""
    return join_key(prefix, partition_dir(endpoint, run_date)) + "/"


def incoming_prefix(prefix: str, endpoint: str, run_date: dt.date | str) -> str:
    """Where runs of a partition stage their pages and take the commit lease: outside
    `{endpoint}/run_date=*/`, so no reader's glob ever sees half a run."""
    return join_key(prefix, INCOMING, partition_dir(endpoint, run_date)) + "/"


def manifest_key(prefix: str, endpoint: str, run_date: dt.date | str) -> str:
    return partition_prefix(prefix, endpoint, run_date) + MANIFEST


def page_key(prefix: str, endpoint: str, run_date: dt.date | str, number: int) -> str:
    return partition_prefix(prefix, endpoint, run_date) + page_name(number)


REPORTS = "reports"  # the market report's folder at the bucket's root, outside LAKE_PREFIX


def report_key(run_date: dt.date | str) -> str:
    """`reports/run_date=YYYY-MM-DD/index.html`: the day's market report (`gmp report --lake`)."""
    day = run_date.isoformat() if isinstance(run_date, dt.date) else run_date
    return f"{REPORTS}/{RUN_DATE}={day}/index.html"
