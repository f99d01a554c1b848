"""The report's numbers: the report models (schema `reports`) over the window, as plain rows.

The window is the N days ending on the run date. Models with a run_date are filtered to it in
the query; per-day counts are summed, per-game rows keep each game's latest day in the window.
Everything here is a read of a dbt model; the models hold the logic (dbt/models/reports/).
"""
# ruff: noqa: S608 - the only values put into SQL are dates formatted from datetime.date

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gmp.errors import UsageError
from warehouse.report.source import SCHEMA, Source

Rows = list[dict[str, Any]]
RELEASE_MONTHS = 12  # months of releases shown, ending with the run date's month
TOP = 15  # bars in the genre, movers and company charts


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

    def release_months(self) -> tuple[dt.date, dt.date]:
        last = self.run_date.replace(day=1)
        months = last.year * 12 + last.month - 1 - (RELEASE_MONTHS - 1)
        return dt.date(months // 12, months % 12 + 1, 1), last


@dataclass
class ReportData:
    window: Window
    daily: Rows
    genres: Rows
    games_updated: int
    releases: Rows
    ratings: Rows
    movers: Rows
    scores: Rows
    companies: dict[str, Rows] = field(default_factory=dict)


def _date(day: dt.date) -> str:
    return f"cast('{day.isoformat()}' as date)"


def _table(model: str) -> str:
    return f"{SCHEMA}.{model}"


def _latest_per_game(window: Window) -> str:
    return (
        f"where {window.where()} "
        "qualify row_number() over (partition by game_id order by run_date desc) = 1"
    )


def load(source: Source, window: Window, *, allow_empty: bool = False) -> ReportData:
    """Every dataset of the report; UsageError when the warehouse has nothing for the run date
    (unless allow_empty: then the charts say they are empty)."""
    daily = source.rows(
        "select run_date, games_updated, games_first_seen "
        f"from {_table('rpt_games_updated_daily')} where {window.where()} order by run_date"
    )
    has_day = any(r["run_date"] == window.run_date and r["games_updated"] for r in daily)
    if not has_day and not allow_empty:
        raise UsageError(
            f"the warehouse has no data for {window.run_date.isoformat()} (no game updated that "
            f"day in {_table('rpt_games_updated_daily')}): extract and `gmp transform "
            f"--run-date {window.run_date.isoformat()}` first"
        )
    first, last = window.release_months()
    return ReportData(
        window=window,
        daily=daily,
        games_updated=sum(int(r["games_updated"]) for r in daily),
        genres=source.rows(
            f"select genre_name, sum(games) as games from {_table('rpt_genre_share_daily')} "
            f"where {window.where()} group by genre_name order by games desc, genre_name "
            f"limit {TOP}"
        ),
        releases=source.rows(
            "select release_month, platform_name, games "
            f"from {_table('rpt_releases_monthly_platform')} "
            f"where release_month between {_date(first)} and {_date(last)} "
            "order by release_month, platform_name"
        ),
        ratings=source.rows(
            f"select rating_band, sum(games) as games "
            f"from {_table('rpt_rating_distribution_daily')} where {window.where()} "
            "group by rating_band order by rating_band"
        ),
        movers=source.rows(
            "select * from (select name, run_date, previous_run_date, previous_added, added, "
            f"added_change from {_table('rpt_added_movers')} {_latest_per_game(window)}) "
            f"as latest order by added_change desc, name limit {TOP}"
        ),
        scores=source.rows(
            "select name, run_date, metacritic, rating, ratings_count "
            f"from {_table('rpt_metacritic_vs_rating')} {_latest_per_game(window)}"
        ),
        companies=_companies(source, window),
    )


def _companies(source: Source, window: Window) -> dict[str, Rows]:
    """Per role, the companies whose games updated in the window were added most: each game
    counted once, with its `added` on its latest day in the window."""
    rows = source.rows(
        "select company_role, company_name, sum(added) as added, count(*) as games from ("
        "select game_id, company_role, company_id, company_name, added "
        f"from {_table('rpt_company_games')} where {window.where()} qualify row_number() over "
        "(partition by game_id, company_role, company_id order by run_date desc) = 1"
        ") as latest group by company_role, company_id, company_name "
        "order by company_role, added desc, company_name"
    )
    return {
        role: [r for r in rows if r["company_role"] == role][:TOP]
        for role in ("publisher", "developer")
    }
