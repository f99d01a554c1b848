"""`gmp report`'s work: the settings checked, the warehouse opened, the page built and stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gmp.errors import UsageError
from warehouse.report.build import FILE_NAME, build
from warehouse.report.data import Window
from warehouse.report.source import open_source

MAX_DAYS = 366


@dataclass(frozen=True)
class Made:
    path: Path
    lake_url: str | None


def make_report(
    env: Mapping[str, str],
    run_date: dt.date,
    days: int,
    out_dir: Path,
    *,
    to_lake: bool,
    allow_empty: bool = False,
) -> Made:
    """Build DIR/index.html from DBT_TARGET's warehouse; with to_lake, store it in the lake too."""
    from warehouse.dbt import dbt_settings, warehouse_file

    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days must be 1..{MAX_DAYS}, got {days}")
    settings = dbt_settings(env)
    lake = None
    if to_lake:  # checked before the build: a bad bucket is exit 2 before any work
        from extractor.lake import Lake
        from gmp.context import lake_settings

        lake = Lake(lake_settings())
        lake.check()
    with open_source(
        settings.target,
        warehouse_file(env, settings),
        settings.project_dir,
        settings.profiles_dir,
        env,
    ) as source:
        path = build(source, Window(run_date, days), out_dir, allow_empty=allow_empty)
    if lake is None:
        return Made(path.resolve(), None)
    from extractor.layout import report_key

    key = report_key(run_date)
    lake.put(key, path.read_bytes(), content_type="text/html; charset=utf-8")
    return Made(path.resolve(), f"s3://{lake.bucket}/{key}")


__all__ = ["FILE_NAME", "Made", "make_report"]
