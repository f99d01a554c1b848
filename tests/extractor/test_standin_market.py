"""The stand-in's market: `/games` ordering, `dates=` panels, its clock, how `added` moves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.stack import SANDBOX_CATALOGUE, Sandbox
from devstack.standin import TODAY_ENV, StandinServer, today_from_env
from devstack.standin import main as standin_main
from devstack.standin_pages import RawgApi

KEY = "test-key-0123"
DAY = date(2024, 5, 1)
DEMO_WEEK = [date(2024, 4, 24) + timedelta(days=i) for i in range(8)]


@pytest.fixture(scope="module")
def server() -> Iterator[StandinServer]:
    with StandinServer(CatalogueConfig(catalogue_size=1_500, games_per_day=60)) as standin:
        yield standin


@pytest.fixture
def standin(server: StandinServer) -> Iterator[StandinServer]:
    server.today = DAY
    yield server
    server.today = None


@pytest.fixture
def client(standin: StandinServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.url, timeout=10) as http:
        yield http


def get(client: httpx.Client, **params: Any) -> httpx.Response:
    return client.get("/games", params={"key": KEY, "page_size": 40, **params})


def walk(client: httpx.Client, pages: int | None = None, **params: Any) -> list[dict[str, Any]]:
    """Items of the first `pages` pages (all when None), following `next`."""
    body = get(client, **params).json()
    games, seen = list(body["results"]), 1
    while body["next"] and (pages is None or seen < pages):
        body = client.get(body["next"]).json()
        games += body["results"]
        seen += 1
    return games


def admin(standin: StandinServer) -> str:
    return standin.url.removesuffix("/api") + "/_standin"


# --- ordering ----------------------------------------------------------------------------------


def test_ordering_by_added_desc_is_sorted_ties_by_id_and_stable_across_pages(
    standin: StandinServer, client: httpx.Client
) -> None:
    games = walk(client, ordering="-added")
    assert len(games) == standin.catalogue.size == get(client, ordering="-added").json()["count"]
    assert len({g["id"] for g in games}) == len(games)  # every game once: pages do not overlap
    keys = [(-g["added"], g["id"]) for g in games]
    assert keys == sorted(keys)
    assert games[0]["added"] > games[-1]["added"]
    assert all(g["updated"].startswith(f"{DAY}T") for g in games[:80])  # as of today
    assert all(g["added"] == standin.catalogue.added(g["id"], DAY) for g in games[:80])
    # Asked again, page by page, the same pages (not a re-shuffle).
    page3 = get(client, ordering="-added", page=3).json()["results"]
    assert [g["id"] for g in page3] == [g["id"] for g in games[80:120]]


def test_ordering_ascending_released_and_unknown(
    standin: StandinServer, client: httpx.Client
) -> None:
    ascending = walk(client, 3, ordering="added")
    assert [(g["added"], g["id"]) for g in ascending] == sorted(
        (g["added"], g["id"]) for g in ascending
    )
    newest = walk(client, 2, ordering="-released")
    ordinals = standin.catalogue.released_ordinals()
    tba = sum(1 for o in ordinals if o == 0)
    assert tba > 0
    assert all(g["released"] is None for g in newest[:tba])  # nulls first when descending (PG)
    dated = [g for g in walk(client, 5, ordering="released") if g["released"]]
    assert [g["released"] for g in dated] == sorted(g["released"] for g in dated)
    by_name = walk(client, 2, ordering="name")
    assert [g["name"] for g in by_name] == sorted(g["name"] for g in by_name)
    # An ordering RAWG does not know is ignored: the default order (id).
    assert [g["id"] for g in walk(client, 1, ordering="-nonsense")] == list(range(1, 41))


def test_dates_ranges_filter_with_ordering(standin: StandinServer, client: httpx.Client) -> None:
    ordinals = standin.catalogue.released_ordinals()
    ranges = [(date(2023, 1, 1), date(2023, 3, 31)), (date(2025, 6, 1), date(2025, 6, 30))]
    expected = {
        i + 1
        for i, o in enumerate(ordinals)
        if o and any(a.toordinal() <= o <= b.toordinal() for a, b in ranges)
    }
    dates = ".".join(f"{a},{b}" for a, b in ranges)
    games = walk(client, dates=dates, ordering="-added")
    assert {g["id"] for g in games} == expected and len(games) == len(expected)
    assert [(-g["added"], g["id"]) for g in games] == sorted((-g["added"], g["id"]) for g in games)
    assert all(any(str(a) <= g["released"] <= str(b) for a, b in ranges) for g in games)
    unordered = walk(client, dates=dates)
    assert [g["id"] for g in unordered] == sorted(expected)


def test_updated_lists_keep_their_day_and_can_be_ordered(
    standin: StandinServer, client: httpx.Client
) -> None:
    day = date(2024, 3, 14)
    plain = walk(client, updated=f"{day},{day}")
    assert [g["id"] for g in plain] == list(standin.catalogue.game_ids_updated_on(day))
    assert all(g["updated"].startswith(f"{day}T") for g in plain)  # not today's state
    ordered = walk(client, updated=f"{day},{day}", ordering="-added")
    assert sorted(g["id"] for g in ordered) == [g["id"] for g in plain]
    assert [(-g["added"], g["id"]) for g in ordered] == sorted(
        (-g["added"], g["id"]) for g in ordered
    )
    latest = walk(client, updated=f"{day},{day}", ordering="-updated")
    assert [g["updated"] for g in latest] == sorted((g["updated"] for g in latest), reverse=True)


def test_past_the_last_page_is_invalid(standin: StandinServer, client: httpx.Client) -> None:
    body = get(client, dates="2024-05-02,2025-05-01", ordering="-added").json()
    last = -(-body["count"] // 40)
    assert (
        get(client, dates="2024-05-02,2025-05-01", ordering="-added", page=last).json()["next"]
        is None
    )
    gone = get(client, dates="2024-05-02,2025-05-01", ordering="-added", page=last + 1)
    assert (gone.status_code, gone.json()) == (404, {"detail": "Invalid page."})
    assert get(client, ordering="-added", page=0).status_code == 404


# --- the clock -------------------------------------------------------------------------------


def test_undated_panels_show_the_catalogue_as_of_today(
    standin: StandinServer, client: httpx.Client
) -> None:
    first = {g["id"]: g for g in walk(client, 5, ordering="-added")}
    standin.today = DAY + timedelta(days=30)
    later = walk(client, 5, ordering="-added")
    assert all(g["updated"].startswith(f"{DAY + timedelta(days=30)}T") for g in later)
    assert [g["id"] for g in later] != list(first)  # the ranking moved
    later_by_id = {g["id"]: g for g in later}
    common = first.keys() & later_by_id.keys()
    assert common
    assert all(later_by_id[i]["added"] >= first[i]["added"] for i in common)
    assert sum(later_by_id[i]["added"] > first[i]["added"] for i in common) > len(common) // 2
    # Rising: released in the year up to today; as of a later today, other games.
    rising = walk(client, dates=f"{DAY - timedelta(days=364)},{DAY}", ordering="-added")
    standin.today = DAY
    assert walk(client, dates=f"{DAY - timedelta(days=364)},{DAY}", ordering="-added") != rising


def test_clock_admin_route_and_health(standin: StandinServer) -> None:
    url = admin(standin)
    with httpx.Client(timeout=5) as http:
        assert http.get(f"{url}/today").json() == {"today": str(DAY), "lists_as_of": str(DAY)}
        set_by_query = http.post(f"{url}/today", params={"day": "2024-04-30"})
        assert set_by_query.json()["today"] == "2024-04-30"
        assert standin.today == date(2024, 4, 30)
        assert http.put(f"{url}/today", json={"today": "2024-05-01"}).json()["today"] == str(DAY)
        assert http.get(f"{url}/health").json()["today"] == str(DAY)
        for bad in ({"today": "May 1st"}, {"other": 1}, [1]):
            refused = http.post(f"{url}/today", json=bad)
            assert refused.status_code == 400 and "YYYY-MM-DD" in refused.json()["detail"]
        assert standin.today == DAY  # a refused change changes nothing
        unset = http.post(f"{url}/today", json={"today": None}).json()
        assert unset == {"today": None, "lists_as_of": "2024-06-01"}  # REFERENCE_DAY
        assert http.delete(f"{url}/today").json()["today"] is None  # back to the start's day


def test_today_from_the_command_line_and_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TODAY_ENV, "2024-04-30")
    assert today_from_env() == date(2024, 4, 30)
    monkeypatch.setenv(TODAY_ENV, "")
    assert today_from_env() is None
    monkeypatch.setenv(TODAY_ENV, "soon")
    with pytest.raises(ValueError, match=TODAY_ENV):
        today_from_env()
    with pytest.raises(SystemExit) as refused:  # one usage line, not a traceback
        standin_main(["--catalogue-size", "10"])
    assert refused.value.code == 2
    args = ["--catalogue-size", "300", "--games-per-day", "10", "--today", "2024-04-29"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.standin", *args],
        stdout=subprocess.PIPE, text=True, env={**os.environ, TODAY_ENV: ""},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        today = httpx.get(url.removesuffix("/api") + "/_standin/today", timeout=5).json()
        assert today["today"] == "2024-04-29"
        deleted = httpx.delete(url.removesuffix("/api") + "/_standin/today", timeout=5).json()
        assert deleted["today"] == "2024-04-29"  # DELETE: the day it started with
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- how the market moves -----------------------------------------------------------------------


def test_games_are_released_every_recent_day() -> None:
    catalogue = Catalogue(CatalogueConfig())  # the default size, as the sandbox serves it
    api = RawgApi(catalogue)
    for day in DEMO_WEEK:
        body = json.loads(api.respond("/games", f"key=k&dates={day},{day}", "h").body)
        assert body["count"] >= 1, day
        assert all(g["released"] == str(day) for g in body["results"])
    released = catalogue.released_ordinals()
    per_day: dict[int, int] = {}
    for ordinal in released:
        per_day[ordinal] = per_day.get(ordinal, 0) + 1
    first, last = date(2022, 1, 1).toordinal(), date(2026, 12, 31).toordinal()
    assert all(per_day.get(o, 0) >= 1 for o in range(first, last + 1))
    # and older games too, and TBA ones
    assert sum(1 for o in released if 0 < o < first) > catalogue.size // 5
    assert 0 < sum(1 for o in released if o == 0) < catalogue.size // 10
    big = Catalogue(CatalogueConfig(catalogue_size=60_000)).released_ordinals()
    week = [sum(1 for o in big if o == day.toordinal()) for day in DEMO_WEEK]
    assert min(week) >= 10, week  # dozens a day with a bigger catalogue


def test_daily_gains_are_uneven_and_new_releases_gain_fast(standin: StandinServer) -> None:
    catalogue = standin.catalogue
    market = catalogue.market()
    ids = range(1, catalogue.size + 1)
    gains = []
    for day in DEMO_WEEK[:-1]:
        before = market.added_of(ids, day.toordinal())
        after = market.added_of(ids, day.toordinal() + 1)
        assert all(a >= b for a, b in zip(after, before, strict=True))
        gains.append(
            sorted(
                ((a - b, i + 1) for i, (a, b) in enumerate(zip(after, before, strict=True))),
                reverse=True,
            )
        )
    for day_gains in gains:
        top = [gain for gain, _ in day_gains[:15]]
        assert len(set(top)) >= 8 and top[0] >= 2 * top[-1]  # a leaderboard, not a flat list
    assert len({tuple(i for _, i in g[:10]) for g in gains}) == len(gains)  # leaders change
    # A game's gain per day right after its release beats its gain a year later.
    ordinals = catalogue.released_ordinals()
    launched = [
        i + 1 for i, o in enumerate(ordinals)
        if date(2023, 1, 1).toordinal() <= o <= date(2023, 3, 1).toordinal()
        and market.added(i + 1, o + 30) > 0
    ]  # fmt: skip
    assert launched
    early = sum(
        market.added(g, ordinals[g - 1] + 30) - market.added(g, ordinals[g - 1]) for g in launched
    )
    late = sum(
        market.added(g, ordinals[g - 1] + 430) - market.added(g, ordinals[g - 1] + 400)
        for g in launched
    )
    assert early > 2 * late


def test_upcoming_games_gain_want_to_play_only(
    standin: StandinServer, client: httpx.Client
) -> None:
    window = f"{DAY + timedelta(days=1)},{DAY + timedelta(days=365)}"
    upcoming = walk(client, dates=window, ordering="-added")
    assert upcoming and upcoming[0]["added"] > 0
    for game in upcoming:
        statuses = game["added_by_status"] or {}
        assert set(statuses) <= {"toplay"} and game["added"] == statuses.get("toplay", 0)
        assert (game["ratings_count"], game["rating"], game["ratings"]) == (0, 0.0, [])
    standin.today = DAY + timedelta(days=20)
    later = {g["id"]: g for g in walk(client, dates=window, ordering="-added")}
    grew = 0
    for game in upcoming:
        after = later[game["id"]]
        toplay = (after["added_by_status"] or {}).get("toplay", 0)
        assert toplay >= game["added"]
        grew += toplay > game["added"]
    assert grew > len(upcoming) // 2
    # Once released, the played statuses start to count.
    released = [g for g in upcoming if g["released"] <= str(DAY + timedelta(days=20))]
    assert released
    assert any(set(later[g["id"]]["added_by_status"] or {}) - {"toplay"} for g in released)


def test_the_same_seed_and_today_give_the_same_bodies() -> None:
    config = CatalogueConfig(catalogue_size=800, seed=11)
    one, two = RawgApi(Catalogue(config)), RawgApi(Catalogue(config))
    one.today = two.today = DAY
    for query in (
        "key=k&ordering=-added&page=2&page_size=40",
        f"key=k&dates={DAY - timedelta(days=364)},{DAY}&ordering=-added",
        f"key=k&dates={DAY},{DAY}",
        "key=k&ordering=-released&page=3",
    ):
        assert one.respond("/games", query, "h:1").body == two.respond("/games", query, "h:1").body
    two.today = DAY + timedelta(days=1)
    query = "key=k&ordering=-added&page_size=40"
    assert one.respond("/games", query, "h:1").body != two.respond("/games", query, "h:1").body


def test_the_sandbox_serves_a_bigger_catalogue_and_names_its_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(TODAY_ENV, "2024-04-30")
    with Sandbox(tmp_path) as box:
        assert box.rawg.catalogue.size == SANDBOX_CATALOGUE
        clock = box.env["GMP_STANDIN_ADMIN"] + "/today"
        assert httpx.get(clock, timeout=5).json()["today"] == "2024-04-30"
        httpx.post(clock, params={"day": str(DAY)}, timeout=5).raise_for_status()
        assert box.rawg.today == DAY
        released = [
            httpx.get(
                box.env["RAWG_BASE_URL"] + "/games",
                params={"key": "k", "dates": f"{day},{day}"},
                timeout=10,
            ).json()["count"]
            for day in DEMO_WEEK
        ]
        assert min(released) >= 3, released  # a handful a day
