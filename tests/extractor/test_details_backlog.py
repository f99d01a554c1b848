"""The game_details backlog: what the cap left out is fetched on later days before newer games,
read from the lake alone, within the look-back; `gmp plan` counts the detail requests."""

from __future__ import annotations

import datetime as dt

import pytest

from devstack.standin import StandinServer
from extractor.backlog import LOOKBACK_DAYS
from tests.conftest import Gmp
from tests.extractor.details_helpers import (
    asked,
    extract,
    gone,
    landed,
    popular_first,
    whole_commit,
)

D1 = dt.date(2024, 5, 1)
GAMES = 95  # a day's games (the standin fixture's default)


def day(offset: int) -> str:
    return (D1 + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def big(standin_factory, gmp: Gmp) -> StandinServer:
    """A catalogue so large that no game is listed on two of the days used here."""
    standin = standin_factory(GAMES, catalogue_size=400_000)
    standin.api.today = D1 + dt.timedelta(days=45)  # details show a game as of then: a short scan
    gmp.point_at(standin)
    return standin


def details(gmp: Gmp, on: str, cap: int) -> dict:  # type: ignore[type-arg]
    return extract(gmp, "game_details", on, GMP_DETAILS_MAX_PER_DAY=str(cap))


def test_left_out_games_come_first_on_later_days_until_none_is_left(
    gmp: Gmp, big: StandinServer
) -> None:
    for offset in range(4):
        extract(gmp, "games", day(offset))
    first, second, third = (popular_first(gmp, day(n)) for n in range(3))
    assert not set(first) & set(second) and not set(second) & set(third)
    assert details(gmp, day(0), 30)["from_backlog"] == 0
    assert asked(gmp, day(0)) == set(first[:30])
    # Day 2: the 65 day 1 left out, most popular first, then day 2's own most popular.
    two = details(gmp, day(1), 100)
    assert two["from_backlog"] == GAMES - 30
    wanted = first[30:] + second[:35]
    assert landed(gmp, day(1)) == [i for i in wanted if i not in gone(big, wanted)]
    assert whole_commit(gmp, "game_details", day(1))["not_found"] == gone(big, wanted)
    # Day 3: only day 2's left-outs are still owed; day 4: nothing is.
    three = details(gmp, day(2), 1000)
    assert three["from_backlog"] == GAMES - 35
    assert landed(gmp, day(2)) == [
        i for i in second[35:] + third if i not in gone(big, third + second)
    ]
    four = details(gmp, day(3), 1000)
    assert four["from_backlog"] == 0 and four["complete"] is True
    # The backlog is the lake's: a re-run selects the same games; without day 1's details
    # partition, day 2 owes all of day 1 again.
    before = whole_commit(gmp, "game_details", day(1))
    assert details(gmp, day(1), 100)["from_backlog"] == GAMES - 30
    after = whole_commit(gmp, "game_details", day(1))
    assert (after["game_ids"], after["not_found"]) == (before["game_ids"], before["not_found"])
    gmp.client.delete_object(  # type: ignore[attr-defined]
        Bucket=gmp.s3.bucket,
        Key=f"{gmp.prefix}/{gmp.partition('game_details', day(0))}_manifest.json",
    )
    assert details(gmp, day(1), 100)["from_backlog"] == GAMES


def test_the_backlog_looks_back_a_bounded_number_of_days(gmp: Gmp, big: StandinServer) -> None:
    extract(gmp, "games", day(0))
    details(gmp, day(0), 30)
    inside, outside = day(LOOKBACK_DAYS), day(LOOKBACK_DAYS + 1)
    extract(gmp, "games", outside)
    assert details(gmp, outside, 1000)["from_backlog"] == 0  # day 1 is past the look-back
    extract(gmp, "games", inside)  # its look-back holds day 1 (and not the later day)
    assert details(gmp, inside, 1000)["from_backlog"] == GAMES - 30


def test_plan_counts_backlog_plus_the_day_under_the_cap_and_matches_the_run(
    gmp: Gmp, big: StandinServer
) -> None:
    extract(gmp, "games", day(0))
    details(gmp, day(0), 30)

    def plan(cap: int, *extra: str) -> list[dict]:  # type: ignore[type-arg]
        result = gmp(
            "plan", "--endpoints", "games,game_details", "--json", *extra,
            GMP_DETAILS_MAX_PER_DAY=str(cap),
        )  # fmt: skip
        assert result.code == 0, result.stderr
        return [line for line in result.json()["lines"] if line["endpoint"] == "game_details"]

    # Day 2's games are not extracted yet: RAWG's count of them, plus day 1's 65 left-outs.
    (capped,) = plan(100, "--run-date", day(1))
    assert capped["requests"] == 100 and capped["count"] == GAMES - 30 + GAMES
    (line,) = plan(1000, "--run-date", day(1))
    assert line["requests"] == GAMES - 30 + GAMES
    # A range carries what the cap leaves to the next day.
    days = plan(100, "--start", day(1), "--end", day(3))
    assert [d["requests"] for d in days] == [100, 100, 100]
    assert [d["count"] for d in days] == [160, 60 + GAMES, 55 + GAMES]
    assert gmp("status", "--run-date", day(0)).stdout.count("game_details") == 1
    # The run spends what the plan said.
    extract(gmp, "games", day(1))
    (exact,) = plan(1000, "--run-date", day(1))
    assert exact["exact"] is True and exact["requests"] == line["requests"]
    big.reset_requests()
    summary = details(gmp, day(1), 1000)
    assert summary["requests"] == len(big.requests) == line["requests"]
