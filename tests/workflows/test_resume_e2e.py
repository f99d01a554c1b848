"""A backfill resumed, re-run and refreshed end to end (committed YAML, real gmp, SeaweedFS, the
stand-in): committed partitions are never paid for twice (extractor/resume.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.standin import StandinServer
from devstack.standin_faults import Fault, RecordedRequest
from tests.conftest import Gmp

DAYS = ["2024-05-01", "2024-05-02", "2024-05-03"]
ENDPOINTS = "games,game_details,genres"


@pytest.fixture
def run(gmp: Gmp, tmp_path: Path) -> Gmp:
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    gmp.env["DBT_TARGET"] = "dev"
    gmp.env["GMP_RETRY_ATTEMPTS"] = "1"  # the extractor's own retries are tested elsewhere
    gmp.env["GMP_DETAILS_MAX_PER_DAY"] = "20"
    return gmp


def backfill(run: Gmp, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run(
        "backfill", "--start", DAYS[0], "--end", DAYS[-1], "--endpoints", ENDPOINTS,
        "--parallelism", "1", "--backoff-scale", "0.001", "--json", *extra, timeout=900,
    )  # fmt: skip
    return result.code, json.loads(result.stdout.strip().splitlines()[-1])


def lists_of(requests: list[RecordedRequest], day: str) -> list[RecordedRequest]:
    """The `games` list requests of one day (its `updated` window), probes included."""
    return [r for r in requests if r.path == "/games" and day in r.params.get("updated", "")]


def pages_of(requests: list[RecordedRequest], day: str) -> list[RecordedRequest]:
    """The same without the quota guard's probes (page_size=1): what an extract fetched."""
    return [r for r in lists_of(requests, day) if r.params.get("page_size") != "1"]


def details(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.path.startswith("/games/")]


def test_a_failed_day_stops_the_rest_and_the_resume_pays_only_for_what_is_missing(
    run: Gmp, standin: StandinServer
) -> None:
    # Day 1's details fail on every attempt: its games are committed, its details are not, and
    # no later day starts (parallelism 1: days 2 and 3 pass their gate closed).
    standin.add_fault(Fault("503", path="/games/*", times=-1))
    code, first = backfill(run)
    assert code == 1 and first["status"] == "Failed", first["failed"]
    assert run.manifest("games", DAYS[0]) is not None
    assert run.manifest("game_details", DAYS[0]) is None
    # (the `dates` step's quota guard probed each day once, page_size=1, before anything ran)
    assert not pages_of(standin.requests, DAYS[1]) and not pages_of(standin.requests, DAYS[2])
    assert run.manifest("genres", DAYS[2]) is not None  # the snapshot, once for the range
    # Healed: the resume asks RAWG nothing about day 1's games nor the snapshot.
    standin.clear_faults()
    standin.reset_requests()
    code, resumed = backfill(run)
    assert code == 0, resumed["failed"]
    asked = standin.requests
    assert not lists_of(asked, DAYS[0])
    assert not [r for r in asked if r.path == "/genres"]
    assert lists_of(asked, DAYS[1]) and lists_of(asked, DAYS[2])
    assert details(asked) and all(r.status == 200 or r.status == 404 for r in details(asked))
    for day in DAYS:
        assert run.manifest("games", day) is not None
        assert run.manifest("game_details", day) is not None
    # The range's transform built every day, the resumed ones and the committed one alike.
    built = run("gaps", "--start", DAYS[0], "--end", DAYS[-1], "--endpoints", ENDPOINTS, "--check")
    assert built.code == 0, built.stdout

    # A re-run of the complete range costs nothing: no request at all, and it Succeeds.
    standin.reset_requests()
    spent_before = run("quota", "--json")
    code, again = backfill(run)
    assert code == 0 and again["status"] == "Succeeded", again["failed"]
    assert standin.requests == []
    ran = {s["name"]: s["status"] for s in again["step_details"]}
    assert ran["days.day"] == "Skipped" and ran["snapshots"] == "Skipped", ran  # no item at all
    assert ran["transform"] == "Succeeded"
    assert json.loads(run("quota", "--json").stdout) == json.loads(spent_before.stdout)

    # `gmp plan` for the range says so, and asks RAWG nothing either.
    planned = run("plan", "--start", DAYS[0], "--end", DAYS[-1], "--endpoints", ENDPOINTS, "--json")
    plan = json.loads(planned.stdout)
    assert (plan["total_requests"], plan["probe_requests"], plan["committed_days"]) == (0, 0, 3)
    assert "3 of 3 days already committed" in plan["skipped"]
    assert standin.requests == []

    # --refresh takes every partition again.
    code, refreshed = backfill(run, "--refresh")
    assert code == 0, refreshed["failed"]
    for day in DAYS:
        assert lists_of(standin.requests, day)
    assert [r for r in standin.requests if r.path == "/genres"]
