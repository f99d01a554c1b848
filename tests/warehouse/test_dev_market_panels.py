"""`gmp transform` of the market panels (games_popular, games_rising, games_upcoming) and the
release calendar (games_released) on the dev target: two days of all four plus `games`, landed
in real SeaweedFS as the extractor lands them, built as one range and day by day. Checked:
fct_game_popularity_daily's rows and ranks, dim_games and the daily snapshot covering games
only a panel or the calendar listed, and equal marts whichever way the days were built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.s3server import S3Credentials
from tests.warehouse.dev_helpers import (
    MARTS,
    PANELS,
    RELEASED,
    Seen,
    dim_games_row,
    lake_gmp,
    land,
    marts_snapshot,
    popularity_rows,
    rows,
    snapshot_row,
    transformed,
    warehouse,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dev-market-panels")]

DAYS = ("2024-05-01", "2024-05-02")
CATALOGUE = CatalogueConfig(catalogue_size=300, games_per_day=30)
Item = dict[str, Any]


@dataclass
class Lake:
    """What the lake holds: day -> endpoint -> the items in listing order."""

    listed: dict[str, dict[str, list[Item]]]

    def seen(self, day: str) -> dict[int, Item]:
        """The games any list endpoint served on the day (one item per game: the same state)."""
        return {item["id"]: item for items in self.listed[day].values() for item in items}

    def latest(self) -> dict[int, Seen]:
        return {
            game_id: Seen(dt.date.fromisoformat(day), item)
            for day in sorted(self.listed)
            for game_id, item in self.seen(day).items()
        }


def market(catalogue: Catalogue) -> Lake:
    """Two days of listings drawn from one catalogue, each item its state on the day:
    - games: the games updated that day;
    - games_popular: the 45 most added (two pages: ranks 41-45 on page 2);
    - games_rising: the 12 most added below the popular top 20 (some in both panels);
    - games_upcoming: 5 games of their own, listed by no other endpoint;
    - games_released: 3 games a day listed nowhere else, released that day.
    On day 2 every game's `added` grew unevenly (by 0-60 by id), so the panels re-rank."""
    listed: dict[str, dict[str, list[Item]]] = {}
    taken: set[int] = set()
    for day_text in DAYS:
        day = dt.date.fromisoformat(day_text)
        for game_id in catalogue.game_ids_updated_on(day):
            taken.add(game_id)
    free = [i for i in range(1, catalogue.size + 1) if i not in taken]
    first = dt.date.fromisoformat(DAYS[0])
    by_added = sorted(free[:200], key=lambda i: (-catalogue.game(i, first)["added"], i))
    popular_pool, others = by_added[:80], by_added[80:]
    for n, day_text in enumerate(DAYS):
        day = dt.date.fromisoformat(day_text)

        def state(game_id: int, n: int = n, day: dt.date = day) -> Item:
            item = catalogue.game(game_id, day)
            item["added"] += n * (game_id % 7) * 10
            return item

        def items(ids: list[int]) -> list[Item]:
            return [state(i) for i in ids]

        ranked = sorted(popular_pool, key=lambda i: (-state(i)["added"], i))
        released = items(others[n * 3 : n * 3 + 3])
        for item in released:
            item["released"] = day_text
        listed[day_text] = {
            "games": items(list(catalogue.game_ids_updated_on(day))),
            "games_popular": items(ranked[:45]),
            "games_rising": items(ranked[20:32]),
            "games_upcoming": items(others[10 + n * 5 : 15 + n * 5]),
            RELEASED: released,
        }
    return Lake(listed)


@dataclass
class Built:
    lake: Lake
    range_db: Path
    daily_db: Path
    capped_db: Path  # the range again with GMP_POPULAR_GAMES=41: the panel cut inside page 2


@pytest.fixture(scope="module")
def built(
    s3: S3Credentials, s3_client: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """The lake, built twice: one range build, and day by day (then day 1 again)."""
    lake = market(Catalogue(CATALOGUE))
    folder = tmp_path_factory.mktemp("dev-market-panels")
    gmp = lake_gmp(s3, s3_client, "t/dev-market-panels/raw/rawg", "http://127.0.0.1:9")
    for day, endpoints in lake.listed.items():
        for endpoint, items in endpoints.items():
            land(gmp, endpoint, day, items)
    range_db, daily_db = folder / "range.duckdb", folder / "daily.duckdb"
    capped_db = folder / "capped.duckdb"
    transformed(gmp, "--start", DAYS[0], "--end", DAYS[1], DUCKDB_PATH=str(range_db))
    for day in (*DAYS, DAYS[0]):
        transformed(gmp, "--run-date", day, DUCKDB_PATH=str(daily_db))
    transformed(
        gmp,
        "--start",
        DAYS[0],
        "--end",
        DAYS[1],
        DUCKDB_PATH=str(capped_db),
        GMP_POPULAR_GAMES="41",
    )
    yield Built(lake, range_db, daily_db, capped_db)


def test_popularity_has_one_row_per_game_a_panel_listed_with_its_ranks(built: Built) -> None:
    with warehouse(built.range_db) as con:
        found = rows(con, "select * from marts.fct_game_popularity_daily order by all")
        per_day = rows(
            con,
            "select run_date, count(*), count(popular_rank), count(rising_rank), "
            "count(upcoming_rank), max(popular_rank) "
            "from marts.fct_game_popularity_daily group by 1 order by 1",
        )
    expected = sorted(
        row
        for day, endpoints in built.lake.listed.items()
        for row in popularity_rows(dt.date.fromisoformat(day), endpoints)
    )
    assert found == expected
    # 45 popular + 12 rising (all among the popular) + 5 upcoming of their own = 50 games a
    # day; rank 45 sits on the second page.
    assert per_day == [(dt.date.fromisoformat(day), 50, 45, 12, 5, 45) for day in DAYS]
    first, second = ({row[0]: row[-3] for row in found if row[1].isoformat() == d} for d in DAYS)
    assert any(first[i] != second.get(i) for i in first), "no game moved in the ranking"


def test_a_panel_is_its_first_n_games_though_the_lake_holds_whole_pages(built: Built) -> None:
    """GMP_POPULAR_GAMES=41: ranks 42-45 (the rest of page 2) are not the panel's; the four
    games only the popular panel listed there leave the mart but stay in dim_games."""
    with warehouse(built.capped_db) as con:
        per_day = rows(
            con,
            "select run_date, count(*), count(popular_rank), max(popular_rank) "
            "from marts.fct_game_popularity_daily group by 1 order by 1",
        )
        games = {r[0] for r in rows(con, "select game_id from marts.dim_games")}
    assert per_day == [(dt.date.fromisoformat(day), 46, 41, 41) for day in DAYS]
    assert {item["id"] for day in DAYS for item in built.lake.listed[day]["games_popular"]} <= games


def test_dim_games_and_the_snapshot_cover_every_list_endpoint(built: Built) -> None:
    latest = built.lake.latest()
    released_only = {
        item["id"]: day
        for day, endpoints in built.lake.listed.items()
        for item in endpoints[RELEASED]
    }
    with warehouse(built.range_db) as con:
        dim = rows(con, "select * from marts.dim_games order by game_id")
        snapshot = rows(
            con,
            "select game_id, run_date, rating, ratings_count, added, owned, playing, beaten, "
            "toplay, dropped, yet, metacritic from marts.fct_game_daily_snapshot order by all",
        )
        genres = rows(con, "select game_id, genre_id from marts.bridge_game_genres order by all")
        observed = dict(
            rows(
                con,
                "select observed_in, count(*) from intermediate.int_game_observations group by 1",
            )
        )
    assert dim == [dim_games_row(latest[i]) for i in sorted(latest)]
    for game_id, day in released_only.items():
        assert latest[game_id].day.isoformat() == day
        assert latest[game_id].item["released"] == day
    # A point every day any endpoint listed the game: the panels' games on both days.
    assert snapshot == sorted(
        snapshot_row(dt.date.fromisoformat(day), item)
        for day in built.lake.listed
        for item in built.lake.seen(day).values()
    )
    # The bridges cover games only a panel or the calendar listed.
    assert genres == sorted(
        (i, genre["id"]) for i, seen in latest.items() for genre in seen.item["genres"]
    )
    assert {i for i, _ in genres} >= set(released_only)
    # One item per game and day; same `updated`: the first endpoint (rising's games are all
    # in popular, so none is kept from rising).
    assert set(observed) == {"games", RELEASED, "games_popular", "games_upcoming"}


def test_a_range_build_equals_day_by_day_builds_and_a_rebuilt_older_day(built: Built) -> None:
    by_range, by_day = marts_snapshot(built.range_db), marts_snapshot(built.daily_db)
    for mart in MARTS:
        assert by_range[mart] == by_day[mart], mart
    with warehouse(built.daily_db) as con:
        seen_on = dict(
            rows(con, "select last_seen_run_date, count(*) from marts.dim_games group by 1")
        )
    # Day 1 was built again last: every game day 2 listed keeps its day-2 state.
    assert seen_on[dt.date.fromisoformat(DAYS[1])] == len(built.lake.seen(DAYS[1]))


def test_staging_ranks_follow_the_pages(built: Built) -> None:
    with warehouse(built.range_db) as con:
        for panel in PANELS:
            found = rows(
                con, f"select run_date, rank, game_id from staging.stg_rawg__{panel} order by all"
            )
            assert found == sorted(
                (dt.date.fromisoformat(day), position + 1, item["id"])
                for day, endpoints in built.lake.listed.items()
                for position, item in enumerate(endpoints[panel])
            ), panel
