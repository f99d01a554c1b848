"""`gmp quota`: the month's spend from the ledger, against GMP_MONTHLY_QUOTA."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

NOW = dt.datetime.now(dt.UTC)
MONTH = NOW.strftime("%Y-%m")
TODAY = NOW.date().isoformat()


def write_record(
    gmp: Gmp,
    requests: int,
    *,
    endpoint: str = "games",
    day: str = TODAY,
    command: str = "extract",
    run_date: str = RUN_DATE,
) -> None:
    """A ledger record as another run would have written it."""
    record = {
        "command": command,
        "at": f"{day}T02:30:00+00:00",
        "host": "elsewhere",
        "entries": [{"endpoint": endpoint, "run_date": run_date, "day": day, "requests": requests}],
    }
    key = (
        f"{gmp.prefix}/_ledger/month={day[:7]}/"
        f"{day.replace('-', '')}T023000Z-{command}-{uuid.uuid4().hex}.json"
    )
    gmp.client.put_object(Bucket=gmp.s3.bucket, Key=key, Body=json.dumps(record).encode())  # type: ignore[attr-defined]


def test_quota_line_and_tables_sum_the_ledger(gmp: Gmp, standin) -> None:
    write_record(gmp, 1200, endpoint="games", day=f"{MONTH}-01")
    write_record(gmp, 30, endpoint="genres", day=f"{MONTH}-01", command="plan")
    write_record(gmp, 4, endpoint="games", day=TODAY, command="guard")
    write_record(gmp, 999, day="2001-01-05")  # another month: not counted
    result = gmp("quota")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{MONTH} (RAWG's month: the calendar month in UTC): 1,234 of 20,000 requests spent, "
        "18,766 remain"
    )
    assert "by endpoint" in result.stdout and "by day" in result.stdout
    assert "1,204" in result.stdout  # games: 1,200 + 4


def test_quota_json_after_a_real_extract(gmp: Gmp, standin) -> None:
    extracted = gmp("extract", "genres", "--run-date", RUN_DATE)
    assert extracted.code == 0, extracted.stderr
    result = gmp("quota", "--json", GMP_MONTHLY_QUOTA="500")
    assert result.code == 0, result.stderr
    n = len(standin.requests)
    assert result.json() == {
        "month": MONTH,
        "quota": 500,
        "spent": n,
        "remaining": 500 - n,
        "by_endpoint": {"genres": n},
        "by_day": {TODAY: n},
        "by_command": {"extract": n},
    }
    assert CANARY_KEY not in result.stdout + result.stderr


def test_another_month_and_an_overrun(gmp: Gmp, standin) -> None:
    write_record(gmp, 25, day="2001-01-05")
    result = gmp("quota", "--month", "2001-01", GMP_MONTHLY_QUOTA="20")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith("25 of 20 requests spent, 5 OVER the quota")
    empty = gmp("quota", "--month", "2001-02", "--json")
    assert empty.json()["spent"] == 0 and empty.json()["remaining"] == 20_000


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        ({"GMP_MONTHLY_QUOTA": "20k"}, [], "setting GMP_MONTHLY_QUOTA='20k' is not a whole number"),
        ({"GMP_MONTHLY_QUOTA": "0"}, [], "setting GMP_MONTHLY_QUOTA='0' must be at least 1"),
        ({}, ["--month", "2026-13"], "--month '2026-13' is not a month; use YYYY-MM"),
        ({}, ["--month", "december"], "is not a month"),
        ({"LAKE_BUCKET": ""}, [], "LAKE_BUCKET is not set"),
    ],
)
def test_bad_input_is_exit_2_in_one_line(
    gmp: Gmp, standin, env: dict[str, str], args: list[str], says: str
) -> None:
    result = gmp("quota", *args, **env)
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gmp: error: ") and says in lines[0], lines
    assert standin.requests == []
