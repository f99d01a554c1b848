"""Builds the report file: reads the datasets, draws the charts, writes DIR/index.html."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from warehouse.report import charts, page
from warehouse.report.data import Window, load
from warehouse.report.source import Source

FILE_NAME = "index.html"
MAX_BYTES = 10 * 1024 * 1024  # the page must stay small enough to mail or open anywhere


def build(source: Source, window: Window, out_dir: Path, *, allow_empty: bool = False) -> Path:
    """Write out_dir/index.html for the window; its path."""
    data = load(source, window, allow_empty=allow_empty)
    text = page.render(charts.all_charts(data), window, dt.datetime.now(dt.UTC))
    body = text.encode()
    if len(body) > MAX_BYTES:
        raise RuntimeError(f"the report is {len(body):,} bytes, over {MAX_BYTES:,}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILE_NAME
    tmp = target.with_suffix(".html.tmp")
    tmp.write_bytes(body)
    tmp.replace(target)
    return target
