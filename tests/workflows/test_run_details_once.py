"""A backfill fetches each game's details once (issue 20): `gmp backfill` through the rendered
YAML and the local runner, real gmp, SeaweedFS, the stand-in; its own log of detail requests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from devstack.standin import StandinServer
from tests.conftest import Gmp
from tests.extractor.details_helpers import asked


@pytest.fixture
def run(gmp: Gmp, tmp_path: Path) -> Gmp:
    gmp.env["GMP_TEST_LOGS"] = str(tmp_path / "logs")
    return gmp


def detail_requests(standin: StandinServer) -> list[int]:
    """The ids of every `GET /games/{id}` the stand-in served, repeats included."""
    return [
        int(r.path.rsplit("/", 1)[1])
        for r in standin.requests
        if r.path.startswith("/games/") and r.path.rsplit("/", 1)[1].isdigit()
    ]


def backfill(run: Gmp, start: str, end: str, **env: str) -> None:
    result = run(
        "backfill", "--start", start, "--end", end, "--parallelism", "2",
        "--endpoints", "games,game_details", "--json", "--logs", run.env["GMP_TEST_LOGS"],
        timeout=900, **env,
    )  # fmt: skip
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.code == 0, (data["failed"], result.stderr[-3000:])


@pytest.mark.parametrize(("days", "cap"), [(2, 300), (3, 60)])
def test_a_backfill_fetches_each_games_details_once_at_parallelism_two(
    run: Gmp, standin: StandinServer, days: int, cap: int
) -> None:
    first = dt.date(2024, 5, 1)
    dates = [(first + dt.timedelta(days=n)).isoformat() for n in range(days)]
    listed = [{g["id"] for p in run.pages("games", d) for g in p["results"]} for d in dates]
    assert not any(listed), "a fresh lake"
    backfill(run, dates[0], dates[-1], GMP_DETAILS_MAX_PER_DAY=str(cap))
    listed = [{g["id"] for p in run.pages("games", d) for g in p["results"]} for d in dates]
    games = set().union(*listed)
    assert len(games) < sum(map(len, listed)), "some game is listed on two days of the range"
    fetched = detail_requests(standin)
    # Every request a distinct game: none fetched twice, whichever day ran its details first.
    assert len(fetched) == len(set(fetched)) > 0
    answered = [asked(run, d) for d in dates]
    assert sum(map(len, answered)) == len(set().union(*answered)) == len(fetched)
    assert set(fetched) == set().union(*answered) <= games
    # Within the cap: every listed game when the days' caps hold them all; else what the caps
    # left waits in the backlog (a day whose details ran after a later day's may find fewer
    # than its cap still due: that later day took them as its backlog).
    assert all(len(a) <= cap for a in answered)
    if days * cap >= len(games):
        assert set(fetched) == games
    else:
        assert cap < len(fetched) <= days * cap
