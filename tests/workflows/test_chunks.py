"""A backfill range split into consecutive workflows, and the daily fan-out over its endpoints."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from tests.workflows.conftest import Fake
from workflows import names
from workflows.chunks import split


@pytest.mark.parametrize("given", ["games,publishers", '["games", "publishers"]'])
def test_the_daily_fan_out_takes_the_endpoints_either_way(
    fake_gmp: Fake, rendered: dict[str, Any], given: str
) -> None:
    args = {"run_date": "2024-05-01", "endpoints": given}
    result = fake_gmp.run(list(rendered.values()), names.DAILY_TEMPLATE, args)
    assert result.status == "Succeeded", [(s.name, s.status, s.message) for s in result.steps]
    extracted = sorted(c["argv"][1] for c in fake_gmp.calls() if c["argv"][0] == "extract")
    assert extracted == ["games", "publishers"]


def days(start: str, end: str) -> list[dt.date]:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2024-01-01", "2024-01-01", 1),
        ("2023-01-01", "2024-01-01", 1),
        ("2015-01-01", "2024-12-31", 10),
    ],
)
def test_split_covers_the_range_exactly_in_consecutive_chunks(
    start: str, end: str, count: int
) -> None:
    chunks = split(days(start, end))
    assert len(chunks) == count
    assert chunks[0].start.isoformat() == start and chunks[-1].end.isoformat() == end
    assert all(c.days <= names.MAX_WORKFLOW_DAYS for c in chunks)
    assert all(b.start - a.end == dt.timedelta(days=1) for a, b in itertools.pairwise(chunks))
    assert sum(c.days for c in chunks) == len(days(start, end))
