"""game_details takes the day's market panel first (games_popular by rank, then games_rising,
games_upcoming), then the backlog and the day's games; a panel game fetched in the look-back is
not fetched again. Real `gmp extract`/`gmp plan`, SeaweedFS, the stand-in."""

from __future__ import annotations

import datetime as dt

from devstack.standin import StandinServer
from gmp.endpoints import PANEL_ENDPOINTS
from tests.conftest import RUN_DATE, Gmp
from tests.extractor.details_helpers import extract, gone, popular_first, whole_commit

SIZES = {"GMP_POPULAR_GAMES": "40", "GMP_RISING_GAMES": "40", "GMP_UPCOMING_GAMES": "40"}
NEXT = (dt.date.fromisoformat(RUN_DATE) + dt.timedelta(days=1)).isoformat()


def panel_order(gmp: Gmp, day: str) -> list[int]:
    """The day's panel games as the lake holds them: each panel by rank, distinct."""
    ids = [g["id"] for name in PANEL_ENDPOINTS for p in gmp.pages(name, day) for g in p["results"]]
    return list(dict.fromkeys(ids))


def lists(gmp: Gmp, day: str) -> None:
    for name in ("games", *PANEL_ENDPOINTS):
        extract(gmp, name, day, **SIZES)


def test_the_panel_s_games_come_first_then_the_day_s_games(
    gmp: Gmp, standin: StandinServer
) -> None:
    lists(gmp, RUN_DATE)
    panel = panel_order(gmp, RUN_DATE)
    assert len(panel) > 40  # three panels of 40, overlapping in part
    own = [i for i in popular_first(gmp, RUN_DATE) if i not in panel]
    summary = extract(gmp, "game_details", RUN_DATE, GMP_DETAILS_MAX_PER_DAY="1000")
    manifest = whole_commit(gmp, "game_details", RUN_DATE)
    missing = set(gone(standin, panel + own))
    assert manifest["game_ids"] == [i for i in panel + own if i not in missing]
    assert manifest["from_panel"] == len(panel) and summary["from_backlog"] == 0

    # Under a cap the panel fills it first, most popular first.
    extract(gmp, "game_details", RUN_DATE, GMP_DETAILS_MAX_PER_DAY="30")
    manifest = whole_commit(gmp, "game_details", RUN_DATE)
    assert manifest["game_ids"] == [i for i in panel[:30] if i not in missing]
    assert manifest["from_panel"] == 30 and manifest["complete"] is False


def test_a_panel_game_fetched_in_the_look_back_is_not_fetched_again_and_plan_agrees(
    gmp: Gmp, standin: StandinServer
) -> None:
    lists(gmp, RUN_DATE)
    extract(gmp, "game_details", RUN_DATE, GMP_DETAILS_MAX_PER_DAY="1000")
    first = set(whole_commit(gmp, "game_details", RUN_DATE)["game_ids"])
    first |= set(whole_commit(gmp, "game_details", RUN_DATE)["not_found"])

    def plan(endpoints: str = "game_details") -> dict:  # type: ignore[type-arg]
        result = gmp(
            "plan", "--run-date", NEXT, "--endpoints", endpoints, "--json",
            GMP_DETAILS_MAX_PER_DAY="1000", **SIZES,
        )  # fmt: skip
        assert result.code == 0, result.stderr
        return next(x for x in result.json()["lines"] if x["endpoint"] == "game_details")

    # Before the day's panels are extracted the plan counts their sizes: at most.
    before = plan(",".join(("game_details", *PANEL_ENDPOINTS)))
    assert before["exact"] is False and before["upper_bound"] is True
    lists(gmp, NEXT)
    panel = panel_order(gmp, NEXT)
    newcomers = [i for i in panel if i not in first]
    assert len(newcomers) < len(panel)  # the popular panel is the same list the next day
    planned = plan()
    standin.reset_requests()
    summary = extract(gmp, "game_details", NEXT, GMP_DETAILS_MAX_PER_DAY="1000")
    manifest = whole_commit(gmp, "game_details", NEXT)
    assert manifest["from_panel"] == len(newcomers)
    selected = manifest["game_ids"] + manifest["not_found"]
    own = set(popular_first(gmp, NEXT))
    # A panel game answered the day before is fetched again only when the day lists it as updated.
    assert not [i for i in panel if i in first and i not in own and i in selected]
    assert planned["exact"] is True
    assert planned["requests"] == summary["requests"] == len(selected) <= before["requests"]
