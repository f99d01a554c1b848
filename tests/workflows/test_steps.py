"""The workflows' own steps (`gmp dates`, `gmp validate`) and the range splitting around them."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
from typing import Any

import pytest

from gmp.commands.local import _ranges
from tests.conftest import GMP
from tests.workflows.conftest import Fake
from workflows import names
from workflows.chunks import split


def gmp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GMP, *args], capture_output=True, text=True, timeout=60, check=False)


def test_dates_covers_at_most_366_days_and_says_how_to_split_more() -> None:
    ok = gmp("dates", "--start", "2023-01-01", "--end", "2024-01-01")
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)) == names.MAX_WORKFLOW_DAYS
    refused = gmp("dates", "--start", "2023-01-01", "--end", "2024-01-02")
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert line.startswith("gmp: error: range of 367 days")
    assert "gmp submit-backfill --start 2023-01-01 --end 2024-01-02" in line
    assert "gmp backfill" in line and "2 consecutive workflows" in line


@pytest.mark.parametrize("given", ["games,genres", " games , genres ", '["games","genres"]'])
def test_validate_prints_only_the_normalised_endpoint_list(given: str) -> None:
    # Argo's outputs.result is the main container's stdout with one trailing newline trimmed
    # (workflow/executor/executor.go `CaptureScriptResult`); withParam needs a JSON list there.
    proc = gmp("validate", "--run-date", "2024-05-01", "--endpoints", given)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '["games", "genres"]\n'


def test_validate_refuses_an_unknown_endpoint_with_exit_2() -> None:
    proc = gmp("validate", "--run-date", "2024-05-01", "--endpoints", "games,gamez")
    assert proc.returncode == 2 and proc.stdout == ""


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


def test_gmp_backfill_runs_a_long_range_as_consecutive_backfills() -> None:
    assert _ranges("2024-05-01", "2024-05-03") == [("2024-05-01", "2024-05-03")]
    assert _ranges("2022-01-01", "2024-01-01") == [
        ("2022-01-01", "2023-01-01"),
        ("2023-01-02", "2024-01-01"),
    ]
    # A bad range goes to the template as given: its `dates` step refuses it, as on Argo.
    assert _ranges("2024-05-05", "2024-05-01") == [("2024-05-05", "2024-05-01")]
