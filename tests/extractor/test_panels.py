"""The market panel and the release calendar, end to end: real `gmp extract` and `gmp plan`, real
SeaweedFS, the RAWG stand-in (which filters /games by `dates=` and ignores `ordering`)."""

from __future__ import annotations

import collections
import datetime as dt
import math

import pytest

from gmp.endpoints import DEFAULT_ENDPOINTS, PAGE_SIZE, PANEL_ENDPOINTS, REGISTRY, Mode
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

DAY = dt.date.fromisoformat(RUN_DATE)


def released_between(standin, first: dt.date, last: dt.date) -> int:  # type: ignore[no-untyped-def]
    catalogue = standin.catalogue
    dates = (catalogue.released_on(i) for i in range(1, catalogue.size + 1))
    return sum(1 for d in dates if d is not None and first <= d <= last)


def test_the_panels_and_the_calendar_are_in_the_daily_set() -> None:
    for name in (*PANEL_ENDPOINTS, "games_released"):
        assert name in DEFAULT_ENDPOINTS
        assert REGISTRY[name].path == "/games"
    assert all(REGISTRY[n].mode is Mode.SNAPSHOT for n in PANEL_ENDPOINTS)
    assert REGISTRY["games_released"].mode is Mode.INCREMENTAL


@pytest.mark.parametrize(
    ("endpoint", "setting", "size", "dates"),
    [
        ("games_popular", "GMP_POPULAR_GAMES", 90, None),
        ("games_rising", "GMP_RISING_GAMES", 41, ("2023-05-03", "2024-05-01")),
        ("games_upcoming", "GMP_UPCOMING_GAMES", 200, ("2024-05-02", "2025-05-01")),
    ],
)
def test_a_panel_lands_the_whole_pages_of_its_size(
    gmp: Gmp, standin, endpoint: str, setting: str, size: int, dates: tuple[str, str] | None
) -> None:
    result = gmp("extract", endpoint, "--run-date", RUN_DATE, **{setting: str(size)})
    assert result.code == 0, result.stderr
    manifest = gmp.manifest(endpoint)
    assert manifest is not None
    pages = math.ceil(size / PAGE_SIZE)
    expected_params = {"ordering": "-added"} | ({"dates": ",".join(dates)} if dates else {})
    (window,) = manifest["request"]["windows"]
    assert window["params"] == expected_params  # the query, without the key
    assert CANARY_KEY not in str(manifest)
    assert manifest["request"]["size"] == size and manifest["request"]["max_pages"] == pages
    listed = (
        standin.catalogue.size
        if dates is None
        else released_between(standin, *map(dt.date.fromisoformat, dates))
    )
    assert manifest["reported_count"] == listed
    assert manifest["page_count"] == min(pages, math.ceil(listed / PAGE_SIZE))
    assert manifest["record_count"] == min(listed, manifest["page_count"] * PAGE_SIZE)
    assert len(gmp.pages(endpoint)) == manifest["page_count"]  # whole pages, as RAWG sent them
    asked = [r.params for r in standin.requests if r.path == "/games"]
    assert asked and all(p["ordering"] == "-added" for p in asked)
    assert all(p.get("dates") == window["params"].get("dates") for p in asked)
    # A panel cut at its size is what the daily run takes on purpose: no gap.
    gaps = gmp("gaps", "--start", RUN_DATE, "--end", RUN_DATE, "--endpoints", endpoint, "--json")
    assert gaps.code == 0, gaps.stderr
    assert gaps.json()["endpoints"][endpoint]["gap_days"] == 0


def test_the_default_popular_panel_takes_13_pages_and_max_pages_overrides(gmp: Gmp) -> None:
    assert gmp("extract", "games_popular", "--run-date", RUN_DATE).code == 0
    manifest = gmp.manifest("games_popular")
    assert (manifest["page_count"], manifest["record_count"]) == (13, 520)
    assert manifest["request"]["size"] == 500
    assert gmp("extract", "games_popular", "--run-date", RUN_DATE, "--max-pages", "2").code == 0
    manifest = gmp.manifest("games_popular")
    assert (manifest["page_count"], manifest["record_count"]) == (2, 80)


def test_games_released_lands_every_game_released_on_the_day(gmp: Gmp, standin) -> None:
    days = [DAY, DAY + dt.timedelta(days=1)]
    for day in days:
        assert gmp("extract", "games_released", "--run-date", day.isoformat()).code == 0
        manifest = gmp.manifest("games_released", day.isoformat())
        (window,) = manifest["request"]["windows"]
        assert window["params"] == {"dates": f"{day},{day}"}
        ids = [g["id"] for p in gmp.pages("games_released", day.isoformat()) for g in p["results"]]
        assert len(ids) == released_between(standin, day, day) == manifest["record_count"]
        assert all(standin.catalogue.released_on(i) == day for i in ids)
        assert manifest["complete"] is True


def test_a_release_day_over_the_page_cap_is_refused_having_spent_one_request(
    gmp: Gmp, standin_factory
) -> None:
    server = standin_factory(catalogue_size=400_000, page_cap=1)
    counts = collections.Counter(
        server.catalogue.released_on(i) for i in range(1, server.catalogue.size + 1)
    )
    counts.pop(None, None)
    day, released = counts.most_common(1)[0]
    assert released > PAGE_SIZE
    gmp.point_at(server)
    result = gmp("extract", "games_released", "--run-date", day.isoformat(), GMP_PAGE_CAP="1")
    assert result.code == 5, result.stderr  # never retried, as for `games`
    message = result.stderr.strip().splitlines()[-1]
    assert f"{released} games were released on {day}" in message
    assert "a single release day cannot be split" in message
    assert "spent 1 request" in message
    assert len(server.requests) == 1
    assert gmp.manifest("games_released", day.isoformat()) is None
    plan = gmp(
        "plan", "--run-date", day.isoformat(), "--endpoints", "games_released", "--json",
        GMP_PAGE_CAP="1",
    )  # fmt: skip
    assert plan.code == 0, plan.stderr
    (line,) = plan.json()["lines"]
    assert line["reachable"] is False and line["requests"] == 1
    assert line["note"].startswith("UNREACHABLE") and "single release day" in line["note"]


def test_plan_counts_a_panel_as_the_pages_of_its_size(gmp: Gmp, standin) -> None:
    panels = ",".join(PANEL_ENDPOINTS)
    result = gmp("plan", "--run-date", RUN_DATE, "--endpoints", panels, "--json")
    assert result.code == 0, result.stderr
    lines = {line["endpoint"]: line for line in result.json()["lines"]}
    upcoming = released_between(standin, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=365))
    assert lines["games_popular"]["requests"] == 13  # 500 of the 5,000 games
    assert lines["games_upcoming"]["requests"] == min(5, math.ceil(upcoming / PAGE_SIZE))
    assert "the first 500 (GMP_POPULAR_GAMES): at most 13 pages" in lines["games_popular"]["note"]
    assert all(line["exact"] for line in lines.values())
    # ... and what the extraction then spends, request for request.
    for name in PANEL_ENDPOINTS:
        assert (
            gmp("extract", name, "--run-date", RUN_DATE).json()["requests"]
            == (lines[name]["requests"])
        )
    text = gmp("plan", "--run-date", RUN_DATE, "--endpoints", panels)
    assert "games_popular" in text.stdout and "GMP_POPULAR_GAMES" in text.stdout
