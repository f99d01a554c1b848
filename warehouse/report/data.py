"""The report's numbers: the report models (schema `reports`) over the window, as plain rows.

The window is the N days ending on the run date. Every query filters the model's run_date to
the window and aggregates there, counting distinct games (never game-days); per-game rankings
take each game's gains summed over the window. Everything here is a read of a dbt model; the
models hold the logic (dbt/models/reports/).
"""
# ruff: noqa: S608 - the only values put into SQL are dates formatted from datetime.date

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gmp.errors import UsageError
from warehouse.report.source import SCHEMA, Source

Rows = list[dict[str, Any]]
TOP = 15  # bars in the ranking charts
TABLE_TOP = 50  # rows in a ranking's "Numbers" table
LINES = 10  # games in the gainers' line chart
GROUPS = 8  # genres / platforms drawn as lines; the rest are left to the table
PCT_MIN_ADDED = 50  # the % ranking leaves out games with fewer users at the start (noise)
WEEKLY_AFTER = 62  # windows longer than this show releases per week


@dataclass(frozen=True)
class Window:
    run_date: dt.date
    days: int

    @property
    def start(self) -> dt.date:
        return self.run_date - dt.timedelta(days=self.days - 1)

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def where(self, column: str = "run_date") -> str:
        return f"{column} between {_date(self.start)} and {_date(self.run_date)}"

    @property
    def weekly(self) -> bool:
        return self.days > WEEKLY_AFTER


@dataclass
class ReportData:
    window: Window
    extracted: Rows  # run_date, source, games
    releases: Rows  # run_date, breakdown, group_name, games
    gainers: Rows  # per game over the window, by added gained per day
    gainers_pct: Rows  # per game over the window, by % gained
    gainer_points: Rows  # the line chart's games: run_date, added (and the previous snapshot)
    hype: Rows  # upcoming games by want-to-play, latest day in the window
    hype_growth: Rows  # upcoming games by want-to-play gained per day over the window
    genre_momentum: Rows  # run_date, group_name, games, added_gained_per_day
    platform_momentum: Rows
    ratings: Rows  # genre_name, games, rating (mean over distinct games)
    scores: Rows  # one row per game: name, metacritic, rating, ratings_count
    companies: dict[str, Rows] = field(default_factory=dict)

    def days_with(self, *sources: str) -> set[dt.date]:
        """The days of the window holding rows of any of these sources (all: any source)."""
        return {
            _as_date(r["run_date"]) for r in self.extracted if not sources or r["source"] in sources
        }


def _as_date(value: Any) -> dt.date:
    return value if not isinstance(value, dt.datetime) else value.date()


def _date(day: dt.date) -> str:
    return f"cast('{day.isoformat()}' as date)"


def _table(model: str) -> str:
    return f"{SCHEMA}.{model}"


def _latest_per_game(window: Window, partition: str = "game_id") -> str:
    return (
        f"where {window.where()} "
        f"qualify row_number() over (partition by {partition} order by run_date desc) = 1"
    )


def load(source: Source, window: Window, *, allow_empty: bool = False) -> ReportData:
    """Every dataset of the report; UsageError when the warehouse has nothing for the run date
    (unless allow_empty: then the charts say they are empty)."""
    extracted = source.rows(
        f"select run_date, source, games from {_table('rpt_extracted_days')} "
        f"where {window.where()} order by run_date, source"
    )
    has_day = any(_as_date(r["run_date"]) == window.run_date for r in extracted)
    if not has_day and not allow_empty:
        raise UsageError(
            f"the warehouse has no data for {window.run_date.isoformat()} (no rows that day in "
            f"{_table('rpt_extracted_days')}): extract and `gmp transform "
            f"--run-date {window.run_date.isoformat()}` first"
        )
    gainers = _gainers(source, window)
    top = [r["game_id"] for r in gainers[:LINES]]
    return ReportData(
        window=window,
        extracted=extracted,
        releases=source.rows(
            "select run_date, breakdown, group_name, games "
            f"from {_table('rpt_release_calendar')} where {window.where()} "
            "order by run_date, breakdown, group_name"
        ),
        gainers=gainers,
        gainers_pct=_gainers(source, window, by_pct=True),
        gainer_points=_points(source, window, top),
        hype=source.rows(
            "select name, released_on, upcoming_rank, toplay, added, run_date "
            f"from {_table('rpt_upcoming_hype')} {_latest_per_game(window)} "
            f"order by toplay desc, name limit {TABLE_TOP}"
        ),
        hype_growth=source.rows(
            "select name, sum(toplay_gained) as toplay_gained, sum(days_between) as days, "
            "cast(sum(toplay_gained) as double) / sum(days_between) as toplay_gained_per_day, "
            f"max(toplay) as toplay from {_table('rpt_upcoming_hype')} where {window.where()} "
            "and toplay_gained is not null group by game_id, name "
            f"order by toplay_gained_per_day desc, name limit {TABLE_TOP}"
        ),
        genre_momentum=_momentum(source, window, "rpt_genre_momentum", "genre_name"),
        platform_momentum=_momentum(source, window, "rpt_platform_momentum", "parent_platform"),
        ratings=source.rows(
            "select genre_name, count(*) as games, avg(rating) as rating from ("
            "select game_id, genre_id, genre_name, rating "
            f"from {_table('rpt_ratings_by_genre')} "
            f"{_latest_per_game(window, 'game_id, genre_id')}"
            ") as latest group by genre_id, genre_name "
            f"order by games desc, genre_name limit {TOP}"
        ),
        scores=source.rows(
            "select name, run_date, metacritic, rating, ratings_count "
            f"from {_table('rpt_metacritic_vs_rating')} {_latest_per_game(window)}"
        ),
        companies=_companies(source, window),
    )


def _gainers(source: Source, window: Window, *, by_pct: bool = False) -> Rows:
    """Per game, its gains over the window: each snapshot step whose run_date is in the window,
    summed; per day over the days those steps span; in % of `added` before the first step."""
    order = "added_gained_pct desc" if by_pct else "added_gained_per_day desc"
    having = f"where added_before >= {PCT_MIN_ADDED}" if by_pct else ""
    return source.rows(
        "select * from (select game_id, name, sum(added_gained) as added_gained, "
        "sum(days_between) as days, "
        "cast(sum(added_gained) as double) / sum(days_between) as added_gained_per_day, "
        "max(added_before) as added_before, max(added) as added, "
        "case when max(added_before) > 0 then "
        "100.0 * cast(sum(added_gained) as double) / max(added_before) end as added_gained_pct "
        "from (select game_id, name, added_gained, days_between, added, "
        "first_value(previous_added) over (partition by game_id order by run_date) "
        "as added_before "
        f"from {_table('rpt_top_gainers')} where {window.where()}) as steps "
        f"group by game_id, name) as gains {having} "
        f"order by {order}, name limit {TABLE_TOP}"
    )


def _points(source: Source, window: Window, game_ids: list[Any]) -> Rows:
    """The snapshots of these games in the window (each step's run_date, and its previous
    snapshot when that falls in the window too)."""
    if not game_ids:
        return []
    ids = ", ".join(str(int(g)) for g in game_ids)
    return source.rows(
        "select game_id, name, run_date, added, previous_run_date, previous_added "
        f"from {_table('rpt_top_gainers')} where {window.where()} and game_id in ({ids}) "
        "order by game_id, run_date"
    )


def _momentum(source: Source, window: Window, model: str, group: str) -> Rows:
    """Per day per group: the distinct panel games, and their `added` gained per day summed
    (null where none of them has a previous snapshot)."""
    return source.rows(
        f"select run_date, {group} as group_name, count(distinct game_id) as games, "
        "sum(added_gained_per_day) as added_gained_per_day "
        f"from {_table(model)} where {window.where()} "
        f"group by run_date, {group} order by run_date, {group}"
    )


def _companies(source: Source, window: Window) -> dict[str, Rows]:
    """Per role, the companies with the most distinct panel games in the window, with the
    `added` those games gained in the window (each game's steps counted once)."""
    rows = source.rows(
        "select company_role, company_name, count(distinct game_id) as games, "
        "coalesce(sum(added_gained), 0) as added_gained "
        f"from {_table('rpt_company_panel')} where {window.where()} "
        "group by company_role, company_id, company_name "
        "order by company_role, games desc, added_gained desc, company_name"
    )
    return {
        role: [r for r in rows if r["company_role"] == role][:TOP]
        for role in ("publisher", "developer")
    }
