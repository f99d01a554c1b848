"""The report page from hand-made report views: what each chart counts and how it says so.

A DuckDB file whose `reports` schema holds tables shaped as the views (dbt/models/reports/),
filled with a few known rows: the page's queries run on them as on the warehouse, in a second.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from warehouse.report.build import build
from warehouse.report.data import Window
from warehouse.report.source import DuckDBSource

D1, D2, D3 = dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3)
TABLES = {
    "rpt_extracted_days": "run_date date, source varchar, games integer",
    "rpt_release_calendar": "run_date date, breakdown varchar, group_name varchar, games integer",
    "rpt_top_gainers": "run_date date, game_id integer, name varchar, previous_run_date date, "
    "days_between integer, previous_added integer, added integer, added_gained integer, "
    "added_gained_per_day double, added_gained_pct double, previous_toplay integer, "
    "toplay integer, toplay_gained integer, in_panel boolean",
    "rpt_upcoming_hype": "run_date date, game_id integer, name varchar, released_on date, "
    "upcoming_rank integer, added integer, toplay integer, previous_run_date date, "
    "days_between integer, previous_toplay integer, toplay_gained integer, "
    "toplay_gained_per_day double",
    "rpt_genre_momentum": "run_date date, game_id integer, genre_id integer, genre_name varchar, "
    "added_gained integer, added_gained_per_day double",
    "rpt_platform_momentum": "run_date date, game_id integer, parent_platform varchar, "
    "added_gained integer, added_gained_per_day double",
    "rpt_company_panel": "run_date date, game_id integer, company_role varchar, "
    "company_id integer, company_name varchar, added_gained integer, added_gained_per_day double",
    "rpt_ratings_by_genre": "run_date date, game_id integer, genre_id integer, "
    "genre_name varchar, rating double, ratings_count integer",
    "rpt_metacritic_vs_rating": "game_id integer, run_date date, name varchar, metacritic integer, "
    "rating double, ratings_count integer, added integer",
}
# Days D1 and D3 extracted, D2 not: a gap in every time chart.
FULL = {
    "rpt_extracted_days": [
        (D1, "games", 10), (D1, "games_released", 3), (D1, "panel", 4),
        (D3, "games", 12), (D3, "games_released", 2), (D3, "panel", 4),
    ],
    "rpt_release_calendar": [
        # Game 7 is Action and RPG: two genres, one release (the total counts it once).
        (D1, "all", "all games", 3), (D1, "genre", "Action", 2), (D1, "genre", "RPG", 2),
        (D1, "parent_platform", "PC", 3),
        (D3, "all", "all games", 2), (D3, "genre", "Action", 1), (D3, "parent_platform", "PC", 2),
    ],
    "rpt_top_gainers": [
        (D3, 1, "Rocket Climber", D1, 2, 1000, 1600, 600, 300.0, 60.0, 10, 30, 20, True),
        (D3, 2, "Slow Burner", D1, 2, 5000, 5100, 100, 50.0, 2.0, 50, 51, 1, True),
        (D3, 3, "Tiny Spike", D1, 2, 10, 40, 30, 15.0, 300.0, 1, 2, 1, True),
    ],
    "rpt_upcoming_hype": [
        (D1, 4, "Far Horizon", dt.date(2024, 9, 1), 1, 800, 500, None, None, None, None, None),
        (D3, 4, "Far Horizon", dt.date(2024, 9, 1), 1, 900, 560, D1, 2, 500, 60, 30.0),
    ],
    "rpt_genre_momentum": [
        (D1, 1, 4, "Action", None, None), (D3, 1, 4, "Action", 600, 300.0),
        (D3, 2, 4, "Action", 100, 50.0), (D3, 2, 5, "RPG", 100, 50.0),
    ],
    "rpt_platform_momentum": [(D1, 1, "PC", None, None), (D3, 1, "PC", 600, 300.0)],
    "rpt_company_panel": [
        (D1, 1, "publisher", 9, "Big Pub", None, None),
        (D3, 1, "publisher", 9, "Big Pub", 600, 300.0),
        (D3, 2, "publisher", 9, "Big Pub", 100, 50.0),
        (D3, 1, "developer", 8, "Small Dev", 600, 300.0),
    ],
    "rpt_ratings_by_genre": [
        (D1, 1, 4, "Action", 3.0, 10), (D3, 1, 4, "Action", 4.0, 12),
        (D3, 2, 4, "Action", 2.0, 5), (D3, 2, 5, "RPG", 2.0, 5),
    ],
    "rpt_metacritic_vs_rating": [
        (1, D3, "Rocket Climber", 90, 4.5, 12, 1600), (2, D3, "Slow Burner", 70, 3.5, 5, 5100),
        (3, D3, "Tiny Spike", 50, 2.0, 3, 40), (3, D1, "Tiny Spike", 10, 1.0, 3, 10),
    ],
}  # fmt: skip


def warehouse(path: Path, rows: dict[str, list[tuple[object, ...]]]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema reports")
    for table, columns in TABLES.items():
        con.execute(f"create table reports.{table} ({columns})")
        for row in rows.get(table, []):
            con.execute(f"insert into reports.{table} values ({', '.join('?' * len(row))})", row)
    con.close()
    return path


def page(
    tmp_path: Path, rows: dict[str, list[tuple[object, ...]]], days: int = 3, **kw: bool
) -> str:
    source = DuckDBSource(warehouse(tmp_path / "w.duckdb", rows))
    try:
        return build(source, Window(D3, days), tmp_path / "out", **kw).read_text()
    finally:
        source.close()


def section(text: str, key: str) -> str:
    found = re.search(rf'<section id="{key}"[^>]*>.*?</section>', text, re.S)
    assert found, key
    return found.group(0)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> str:
    return page(tmp_path_factory.mktemp("full"), FULL)


def test_a_full_warehouse_has_no_empty_chart(full: str) -> None:
    assert full.count('class="chart"') == 14
    assert "data-empty" not in full
    assert '<a href="https://rawg.io">RAWG</a>' in full


def test_the_top_gainer_per_day_leads_and_the_percent_ranking_skips_tiny_games(full: str) -> None:
    gainers = section(full, "gainers")
    table = gainers[gainers.index("<table") :]
    assert table.index("Rocket Climber") < table.index("Slow Burner")
    assert '<td>Rocket Climber</td><td class="n">300.0</td>' in gainers
    # Tiny Spike's 300 % is on 10 users: below PCT_MIN_ADDED, out of the % ranking.
    assert "Tiny Spike" not in section(full, "gainers-pct")
    assert "Tiny Spike" in gainers


def test_release_counts_are_distinct_games_and_a_missing_day_is_not_zero(full: str) -> None:
    releases = section(full, "releases-genre")
    # The day's total is 3 distinct games though Action (2) + RPG (2) = 4.
    assert '<tr><td>2024-05-01</td><td class="n">3</td><td class="n">2</td>' in releases
    assert "<tr><td>2024-05-02</td><td>not extracted</td>" in releases
    assert "Not extracted (no data, not 0): 2024-05-02" in releases
    for key in ("extracted", "genre-momentum", "platform-momentum", "gainer-lines"):
        assert "2024-05-02" in section(full, key) and "not extracted" in section(full, key), key


def test_companies_count_distinct_panel_games(full: str) -> None:
    publishers = section(full, "publishers")
    # Big Pub: game 1 on two days and game 2 once = 2 distinct games, 700 gained.
    assert '<td>Big Pub</td><td class="n">2</td><td class="n">700</td>' in publishers


def test_ratings_by_genre_take_each_games_latest_rating(full: str) -> None:
    # Action: game 1 at 4.0 (its latest; not 3.0) and game 2 at 2.0 -> 2 games, mean 3.0.
    assert '<td>Action</td><td class="n">2</td><td class="n">3.0</td>' in full


def test_metacritic_against_rating_prints_its_correlation_over_distinct_games(full: str) -> None:
    scores = section(full, "scores")
    assert "over 3 games" in scores and "correlation r = +" in scores


def test_hype_shows_want_to_play_and_its_growth(full: str) -> None:
    assert '<td>Far Horizon</td><td class="n">560</td>' in section(full, "hype")
    assert '<td>Far Horizon</td><td class="n">30.0</td>' in section(full, "hype-growth")


def test_an_empty_chart_says_so_and_carries_data_empty(tmp_path: Path) -> None:
    rows = {**FULL, "rpt_upcoming_hype": [], "rpt_company_panel": []}
    text = page(tmp_path, rows)
    assert text.count('data-empty="true"') == 4  # hype, hype growth, publishers, developers
    for key in ("hype", "hype-growth", "publishers", "developers"):
        assert 'data-empty="true"' in section(text, key)
        assert '<p class="empty">No data: ' in section(text, key)


def test_an_empty_warehouse_with_allow_empty_marks_every_chart(tmp_path: Path) -> None:
    text = page(tmp_path, {}, allow_empty=True)
    assert text.count('data-empty="true"') == 14


def test_a_long_window_counts_releases_per_week(tmp_path: Path) -> None:
    releases = section(page(tmp_path, FULL, days=90), "releases-genre")
    assert "Releases per week" in releases
    # D1 (a Wednesday) and D3 fall in the week of Monday 2024-04-29: 3 + 2 releases.
    assert '<tr><td>2024-04-29</td><td class="n">5</td>' in releases
    assert "<tr><td>2024-04-22</td><td>not extracted</td>" in releases
