"""`gmp extract game_details --once-from D1 --once-to D2`: within a backfill's range a game's
details are fetched once, whichever day runs first; re-running a day re-selects its own games;
without a range (a daily run) nothing changes. Real gmp, SeaweedFS and the stand-in."""

from __future__ import annotations

import pytest

from devstack.standin import StandinServer
from tests.conftest import Gmp
from tests.extractor.details_helpers import asked, extract, popular_first

D1, D2, D3 = "2024-05-01", "2024-05-02", "2024-05-03"
ONCE = ("--once-from", D1, "--once-to", D2)


def details(gmp: Gmp, day: str, *once: str, cap: int = 300) -> dict:  # type: ignore[type-arg]
    result = gmp(
        "extract", "game_details", "--run-date", day, *once, GMP_DETAILS_MAX_PER_DAY=str(cap)
    )
    assert result.code == 0, result.stderr[-2000:]
    return result.json()


def requested(standin: StandinServer) -> list[int]:
    ids = [r.path.rsplit("/", 1)[1] for r in standin.requests if r.path.startswith("/games/")]
    standin.reset_requests()
    return [int(i) for i in ids]


@pytest.fixture
def two_days(gmp: Gmp, standin: StandinServer) -> tuple[list[int], list[int], set[int]]:
    """Both days' games committed; the ids of each, and those listed on both."""
    extract(gmp, "games", D1)
    extract(gmp, "games", D2)
    first, second = popular_first(gmp, D1), popular_first(gmp, D2)
    both = set(first) & set(second)
    assert both, "the stand-in lists some game on both days"
    standin.reset_requests()
    return first, second, both


def test_a_game_listed_on_two_days_of_the_range_is_fetched_once(
    gmp: Gmp, standin: StandinServer, two_days: tuple[list[int], list[int], set[int]]
) -> None:
    first, second, both = two_days
    details(gmp, D1, *ONCE)
    assert sorted(requested(standin)) == sorted(first)
    summary = details(gmp, D2, *ONCE)
    assert summary["fetched_in_range"] == len(both) and summary["from_backlog"] == 0
    assert sorted(requested(standin)) == sorted(set(second) - both)
    assert gmp.manifest("game_details", D2)["request"]["once_from"] == D1  # type: ignore[index]
    # A daily run (no range, or Argo's empty parameters) fetches its day's games again.
    for once in ((), ("--once-from", "", "--once-to", "")):
        summary = details(gmp, D2, *once)
        assert summary["fetched_in_range"] == 0
        assert sorted(requested(standin)) == sorted(second)
        assert "once_from" not in gmp.manifest("game_details", D2)["request"]  # type: ignore[index]


def test_whichever_day_runs_first_and_a_re_run_keeps_its_own_games(
    gmp: Gmp, standin: StandinServer, two_days: tuple[list[int], list[int], set[int]]
) -> None:
    first, second, _ = two_days
    # Day 2 first: day 1's games are its backlog (committed, their details not), then its own.
    summary = details(gmp, D2, *ONCE)
    assert summary["from_backlog"] == len(first)
    assert sorted(requested(standin)) == sorted(set(first) | set(second))
    # Day 1 then finds every one of its games answered by day 2: no request.
    summary = details(gmp, D1, *ONCE)
    assert summary["fetched_in_range"] == len(first) and summary["requests"] == 0
    assert requested(standin) == [] and asked(gmp, D1) == set()
    # Re-running day 2 re-selects what day 2 fetched: its own partition is not read.
    before = asked(gmp, D2)
    details(gmp, D2, *ONCE)
    assert asked(gmp, D2) == before and sorted(requested(standin)) == sorted(before)
    # Re-running day 1 still asks nothing that day 2 of the range fetched.
    details(gmp, D1, *ONCE)
    assert requested(standin) == []


def test_a_re_run_inside_the_range_under_a_cap_fetches_nothing_another_day_fetched(
    gmp: Gmp, standin: StandinServer, two_days: tuple[list[int], list[int], set[int]]
) -> None:
    first, _, _ = two_days
    details(gmp, D2, *ONCE, cap=40)  # day 2 first: day 1's 40 most popular, as its backlog
    assert asked(gmp, D2) == set(first[:40])
    details(gmp, D1, *ONCE, cap=40)  # day 1 takes its next 40
    assert asked(gmp, D1) == set(first[40:80])
    requested(standin)
    details(gmp, D1, *ONCE, cap=40)  # re-run: the same 40, none of day 2's
    assert sorted(requested(standin)) == sorted(first[40:80]) == sorted(asked(gmp, D1))
    # Without the range (a daily re-run) day 1 takes its own most popular again.
    details(gmp, D1, cap=40)
    assert sorted(requested(standin)) == sorted(first[:40])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("game_details", "--run-date", D1, "--once-from", D1), "go together"),
        (("game_details", "--run-date", D3, *ONCE), "outside"),
        (("game_details", "--run-date", D1, "--once-from", D2, "--once-to", D1), "before it"),
        (("games", "--run-date", D1, *ONCE), "detail endpoints"),
    ],
)
def test_a_bad_range_is_exit_2_before_any_request(
    gmp: Gmp, standin: StandinServer, args: tuple[str, ...], says: str
) -> None:
    result = gmp("extract", *args)
    assert result.code == 2 and says in result.stderr, result.stderr
    assert standin.requests == []


@pytest.mark.parametrize("cap", [300, 60])
def test_plan_for_a_range_counts_each_game_once_and_the_extraction_spends_it(
    gmp: Gmp, standin: StandinServer, two_days: tuple[list[int], list[int], set[int]], cap: int
) -> None:
    first, second, _ = two_days
    result = gmp(
        "plan", "--start", D1, "--end", D2, "--endpoints", "game_details", "--json",
        GMP_DETAILS_MAX_PER_DAY=str(cap),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    plan = result.json()
    assert plan["exact"] is True
    planned = [line["requests"] for line in plan["lines"]]
    # Distinct games, within the cap: not one per listing.
    assert sum(planned) == min(len(set(first) | set(second)), 2 * cap) < len(first) + len(second)
    requested(standin)
    spent = []
    for day in (D1, D2):
        details(gmp, day, *ONCE, cap=cap)
        spent.append(len(requested(standin)))
    assert spent == planned
