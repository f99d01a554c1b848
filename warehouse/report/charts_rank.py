"""The report's rankings and distributions over the window: top gainers (per day and in %),
upcoming hype, publishers and developers in the panel, ratings by genre, Metacritic against
user rating (with its correlation). Every count is of distinct games."""

from __future__ import annotations

import statistics
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from warehouse.report.charts import Chart, layout
from warehouse.report.data import PCT_MIN_ADDED, TOP, ReportData, Rows


def _bars(rows: Rows, value: str, label: str, text: str, hover: str) -> go.Figure:
    """Horizontal bars of rows[value] by rows[label]; `text` formats the value (a float)."""
    shown = list(reversed(rows[:TOP]))  # the largest on top of a horizontal bar chart
    return go.Figure(
        go.Bar(
            x=[float(r[value]) for r in shown],
            y=[str(r[label]) for r in shown],
            orientation="h",
            text=[text.format(float(r[value])) for r in shown],
            textposition="auto",
            customdata=[[r.get(k) for k in ("days", "added_gained", "added")] for r in shown],
            hovertemplate=hover,
        )
    )


def gainers(data: ReportData) -> Chart:
    rows = data.gainers
    fig = _bars(
        rows,
        "added_gained_per_day",
        "name",
        "{:+,.1f}/day",
        "%{y}: %{x:+,.1f} users/day (%{customdata[1]:+,} over %{customdata[0]} days)"
        "<extra></extra>",
    )
    empty = None if rows else "no game has two snapshots in the window"
    layout(
        fig,
        f"Top gainers: `added` gained per day (last {data.window.days} days)",
        "`added` gained per day between snapshots (users/day)",
        "game",
        empty,
    )
    return Chart(
        "gainers",
        fig,
        ["game", "gained per day", "gained", "days", "added before", "added", "gained (%)"],
        [
            [
                r["name"],
                round(float(r["added_gained_per_day"]), 1),
                int(r["added_gained"]),
                int(r["days"]),
                _int(r["added_before"]),
                _int(r["added"]),
                _pct(r["added_gained_pct"]),
            ]
            for r in rows
        ],
        empty,
    )


def gainers_pct(data: ReportData) -> Chart:
    rows = data.gainers_pct
    fig = _bars(
        rows,
        "added_gained_pct",
        "name",
        "{:+.1f}%",
        "%{y}: %{x:+.2f}% (%{customdata[1]:+,} users over %{customdata[0]} days)<extra></extra>",
    )
    empty = None if rows else f"no game with {PCT_MIN_ADDED}+ users has two snapshots"
    layout(
        fig,
        f"Top gainers in %: `added` gained over the window (games with {PCT_MIN_ADDED}+ users)",
        "`added` gained, % of the game's `added` before (%)",
        "game",
        empty,
    )
    return Chart(
        "gainers-pct",
        fig,
        ["game", "gained (%)", "gained", "days", "added before"],
        [
            [
                r["name"],
                _pct(r["added_gained_pct"]),
                int(r["added_gained"]),
                int(r["days"]),
                _int(r["added_before"]),
            ]
            for r in rows
        ],
        empty,
    )


def hype(data: ReportData) -> Chart:
    rows = data.hype
    shown = list(reversed(rows[:TOP]))
    fig = go.Figure(
        go.Bar(
            x=[int(r["toplay"]) for r in shown],
            y=[str(r["name"]) for r in shown],
            orientation="h",
            customdata=[[str(r["released_on"]), int(r["upcoming_rank"])] for r in shown],
            hovertemplate="%{y}: %{x:,} want to play<br>releases %{customdata[0]}, "
            "upcoming rank %{customdata[1]}<extra></extra>",
        )
    )
    empty = None if rows else "no upcoming panel (games_upcoming) in the window"
    layout(
        fig,
        "Hype: upcoming games by want-to-play (`toplay`, latest snapshot in the window)",
        "users who want to play it (`toplay`)",
        "upcoming game",
        empty,
    )
    return Chart(
        "hype",
        fig,
        ["game", "want to play", "releases", "upcoming rank", "added"],
        [
            [
                r["name"],
                int(r["toplay"]),
                str(r["released_on"]),
                int(r["upcoming_rank"]),
                _int(r["added"]),
            ]
            for r in rows
        ],
        empty,
    )


def hype_growth(data: ReportData) -> Chart:
    rows = data.hype_growth
    shown = list(reversed(rows[:TOP]))
    fig = go.Figure(
        go.Bar(
            x=[float(r["toplay_gained_per_day"]) for r in shown],
            y=[str(r["name"]) for r in shown],
            orientation="h",
            text=[f"{float(r['toplay_gained_per_day']):+,.1f}/day" for r in shown],
            textposition="auto",
            customdata=[[int(r["toplay_gained"]), int(r["days"])] for r in shown],
            hovertemplate="%{y}: %{x:+,.1f} want-to-play per day "
            "(%{customdata[0]:+,} over %{customdata[1]} days)<extra></extra>",
        )
    )
    empty = None if rows else "no upcoming game has two snapshots in the window"
    layout(
        fig,
        "Hype growth: want-to-play (`toplay`) gained per day by upcoming games",
        "`toplay` gained per day (users/day)",
        "upcoming game",
        empty,
    )
    return Chart(
        "hype-growth",
        fig,
        ["game", "toplay gained per day", "toplay gained", "days", "toplay"],
        [
            [
                r["name"],
                round(float(r["toplay_gained_per_day"]), 1),
                int(r["toplay_gained"]),
                int(r["days"]),
                _int(r["toplay"]),
            ]
            for r in rows
        ],
        empty,
    )


def companies(data: ReportData, role: str) -> Chart:
    rows = data.companies.get(role, [])
    shown = list(reversed(rows))
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.03)
    names = [str(r["company_name"]) for r in shown]
    fig.add_trace(
        go.Bar(
            x=[int(r["games"]) for r in shown],
            y=names,
            orientation="h",
            name="panel games",
            hovertemplate="%{y}: %{x} distinct panel games<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=[int(r["added_gained"]) for r in shown],
            y=names,
            orientation="h",
            name="added gained",
            hovertemplate="%{y}: %{x:+,} users gained by its panel games<extra></extra>",
        ),
        row=1,
        col=2,
    )
    empty = None if rows else f"no {role} known for the panel's games (game_details)"
    layout(
        fig,
        f"Top {role}s in the market panel: distinct panel games, and the `added` they gained "
        f"(last {data.window.days} days)",
        "distinct games in the panel (count)",
        role,
        empty,
    )
    fig.update_xaxes(title_text="`added` gained by those games (users)", row=1, col=2)
    fig.update_layout(showlegend=False)
    return Chart(
        f"{role}s",
        fig,
        [role, "panel games (distinct)", "added gained (users)"],
        [[r["company_name"], int(r["games"]), int(r["added_gained"])] for r in rows],
        empty,
    )


def ratings(data: ReportData) -> Chart:
    rows = list(reversed(data.ratings))
    fig = go.Figure(
        go.Bar(
            x=[float(r["rating"]) for r in rows],
            y=[str(r["genre_name"]) for r in rows],
            orientation="h",
            customdata=[int(r["games"]) for r in rows],
            text=[f"{float(r['rating']):.2f} ({int(r['games'])} games)" for r in rows],
            textposition="auto",
            hovertemplate="%{y}: mean %{x:.2f} stars over %{customdata} distinct rated games"
            "<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 5])
    empty = None if rows else "no rated game seen in the window"
    layout(
        fig,
        f"Ratings by genre: mean RAWG user rating of the rated games (last {data.window.days} "
        "days)",
        "mean user rating (stars, 0–5; each game once, its latest rating)",
        "genre (the 15 with most rated games)",
        empty,
    )
    return Chart(
        "ratings-by-genre",
        fig,
        ["genre", "rated games (distinct)", "mean rating"],
        [[r["genre_name"], int(r["games"]), round(float(r["rating"]), 2)] for r in data.ratings],
        empty,
    )


def correlation(rows: Rows) -> float | None:
    """Pearson's r of Metacritic and user rating; None below 3 games or with a constant one."""
    if len(rows) < 3:
        return None
    try:
        return statistics.correlation(
            [float(r["metacritic"]) for r in rows], [float(r["rating"]) for r in rows]
        )
    except statistics.StatisticsError:
        return None


def scores(data: ReportData) -> Chart:
    rows = sorted(data.scores, key=lambda r: (-int(r["metacritic"]), str(r["name"])))
    r_value = correlation(rows)
    fig = go.Figure(
        go.Scatter(
            x=[int(r["metacritic"]) for r in rows],
            y=[float(r["rating"]) for r in rows],
            mode="markers",
            text=[str(r["name"]) for r in rows],
            marker={"size": 8, "opacity": 0.7},
            hovertemplate="%{text}<br>Metacritic %{x}, user rating %{y:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 100])
    fig.update_yaxes(range=[0, 5])
    corr = "n/a" if r_value is None else f"{r_value:+.2f}"
    empty = None if rows else "no game seen in the window has both scores"
    layout(
        fig,
        f"Metacritic against user rating: correlation r = {corr} over {len(rows)} games",
        "Metacritic score (0–100)",
        "RAWG user rating (stars, 0–5)",
        empty,
    )
    return Chart(
        "scores",
        fig,
        ["game", "Metacritic", "user rating", "ratings"],
        [
            [r["name"], int(r["metacritic"]), float(r["rating"]), int(r["ratings_count"])]
            for r in rows
        ],
        empty,
    )


def _int(value: Any) -> Any:
    return "-" if value is None else int(value)


def _pct(value: Any) -> Any:
    return "-" if value is None else round(float(value), 2)
