"""The report's charts: one Plotly figure per dataset, each with a title, axis titles with units
and hover text; plus the numbers of each as a table (headers, rows) for the page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]

from warehouse.report.data import ReportData

PLATFORMS = 8  # platforms drawn in the releases chart; the rest are summed as "other"


@dataclass
class Chart:
    key: str
    figure: go.Figure
    headers: list[str]
    rows: list[list[Any]]


def _layout(fig: go.Figure, title: str, x: str, y: str, empty: str | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title={"text": x},
        yaxis_title={"text": y},
        template="plotly_white",
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        height=440,
        legend={"orientation": "h", "y": -0.2},
    )
    if empty:
        fig.add_annotation(text=empty, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def games_updated(data: ReportData) -> Chart:
    by_day = {r["run_date"]: r for r in data.daily}
    days = data.window.dates()
    first = [int(by_day[d]["games_first_seen"]) if d in by_day else 0 for d in days]
    total = [int(by_day[d]["games_updated"]) if d in by_day else 0 for d in days]
    before = [t - f for t, f in zip(total, first, strict=True)]
    fig = go.Figure(
        [
            go.Bar(
                name="seen before",
                x=days,
                y=before,
                hovertemplate="%{x}: %{y} games<extra>seen before</extra>",
            ),
            go.Bar(
                name="first seen",
                x=days,
                y=first,
                hovertemplate="%{x}: %{y} games<extra>first seen</extra>",
            ),
        ]
    )
    fig.update_layout(barmode="stack")
    _layout(
        fig,
        f"Games updated per day (last {data.window.days} days)",
        "run date (UTC day)",
        "games updated (count)",
    )
    return Chart(
        "games-updated",
        fig,
        ["run date", "games updated", "first seen"],
        [[d.isoformat(), t, f] for d, t, f in zip(days, total, first, strict=True)],
    )


def genre_share(data: ReportData) -> Chart:
    total = max(data.games_updated, 1)
    rows = [
        (r["genre_name"], int(r["games"]), 100.0 * int(r["games"]) / total) for r in data.genres
    ]
    rows.reverse()  # the largest on top of a horizontal bar chart
    fig = go.Figure(
        go.Bar(
            x=[s for _, _, s in rows],
            y=[n for n, _, _ in rows],
            orientation="h",
            customdata=[g for _, g, _ in rows],
            hovertemplate="%{y}: %{x:.1f}% of updated games (%{customdata} games)<extra></extra>",
        )
    )
    _layout(
        fig,
        f"Genre share of the games updated (last {data.window.days} days)",
        "share of updated games (%; a game lists several genres)",
        "genre",
    )
    return Chart(
        "genre-share",
        fig,
        ["genre", "games", "share (%)"],
        [[n, g, round(s, 1)] for n, g, s in reversed(rows)],
    )


def releases(data: ReportData) -> Chart:
    totals: dict[str, int] = defaultdict(int)
    for r in data.releases:
        totals[r["platform_name"]] += int(r["games"])
    top = sorted(totals, key=lambda name: (-totals[name], name))[:PLATFORMS]
    grid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in data.releases:
        name = r["platform_name"] if r["platform_name"] in top else "other"
        grid[name][r["release_month"].strftime("%Y-%m")] += int(r["games"])
    first, last = data.window.release_months()
    months = []
    month = first
    while month <= last:
        months.append(month.strftime("%Y-%m"))
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    names = [*top, *(["other"] if "other" in grid else [])]
    fig = go.Figure(
        [
            go.Bar(
                name=n,
                x=months,
                y=[grid[n][m] for m in months],
                hovertemplate="%{x}: %{y} games<extra>" + n + "</extra>",
            )
            for n in names
        ]
    )
    fig.update_layout(barmode="stack")
    _layout(
        fig,
        "New releases by month and platform (games the warehouse knows)",
        "release month",
        "games released (count; a game counts once per platform)",
        None if names else "No game released in these months",
    )
    return Chart(
        "releases",
        fig,
        ["release month", "platform", "games"],
        [[m, n, grid[n][m]] for m in months for n in names if grid[n][m]],
    )


def ratings(data: ReportData) -> Chart:
    bands = [float(r["rating_band"]) for r in data.ratings]
    labels = [f"{b:.1f}–{b + 0.5:.1f}" for b in bands]
    counts = [int(r["games"]) for r in data.ratings]
    fig = go.Figure(
        go.Bar(x=labels, y=counts, hovertemplate="rating %{x}: %{y} games<extra></extra>")
    )
    _layout(
        fig,
        f"Rating distribution of the rated games updated (last {data.window.days} days)",
        "RAWG user rating (stars, 0–5, half-star bands)",
        "games (count)",
        None if counts else "No rated game updated in the window",
    )
    return Chart(
        "ratings",
        fig,
        ["rating band (stars)", "games"],
        [list(x) for x in zip(labels, counts, strict=True)],
    )


def movers(data: ReportData) -> Chart:
    rows = list(reversed(data.movers))
    fig = go.Figure(
        go.Bar(
            x=[int(r["added_change"]) for r in rows],
            y=[str(r["name"]) for r in rows],
            orientation="h",
            text=[f"{int(r['added_change']):+,}" for r in rows],
            textposition="outside",
            customdata=[
                [
                    str(r["previous_run_date"]),
                    int(r["previous_added"]),
                    str(r["run_date"]),
                    int(r["added"]),
                ]
                for r in rows
            ],
            hovertemplate=(
                "%{y}: %{x:+,} users<br>%{customdata[1]:,} on %{customdata[0]}"
                " → %{customdata[3]:,} on %{customdata[2]}<extra></extra>"
            ),
        )
    )
    _layout(
        fig,
        "Biggest movers in added since the previous snapshot",
        "change in `added` since the game's previous snapshot (users)",
        "game",
        None if rows else "No game updated in the window has an earlier snapshot yet",
    )
    return Chart(
        "movers",
        fig,
        ["game", "change (users)", "previous snapshot", "added then", "run date", "added"],
        [
            [
                r["name"],
                int(r["added_change"]),
                str(r["previous_run_date"]),
                int(r["previous_added"]),
                str(r["run_date"]),
                int(r["added"]),
            ]
            for r in data.movers
        ],
    )


def scores(data: ReportData) -> Chart:
    rows = sorted(data.scores, key=lambda r: (-int(r["metacritic"]), str(r["name"])))
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
    _layout(
        fig,
        f"Metacritic against user rating (games updated, last {data.window.days} days)",
        "Metacritic score (0–100)",
        "RAWG user rating (stars, 0–5)",
        None if rows else "No game updated in the window has both scores",
    )
    return Chart(
        "scores",
        fig,
        ["game", "Metacritic", "user rating", "ratings"],
        [
            [r["name"], int(r["metacritic"]), float(r["rating"]), int(r["ratings_count"])]
            for r in rows
        ],
    )


def companies(data: ReportData, role: str) -> Chart:
    rows = list(reversed(data.companies.get(role, [])))
    fig = go.Figure(
        go.Bar(
            x=[int(r["added"]) for r in rows],
            y=[str(r["company_name"]) for r in rows],
            orientation="h",
            customdata=[int(r["games"]) for r in rows],
            hovertemplate="%{y}: %{x:,} users across %{customdata} games<extra></extra>",
        )
    )
    _layout(
        fig,
        f"Top {role}s by the popularity of their updated games (last {data.window.days} days)",
        "`added` of their games updated in the window (users)",
        role,
        None if rows else f"No {role} known yet for the games updated (details not fetched)",
    )
    return Chart(
        f"{role}s",
        fig,
        [role, "added (users)", "games"],
        [[r["company_name"], int(r["added"]), int(r["games"])] for r in reversed(rows)],
    )


def all_charts(data: ReportData) -> list[Chart]:
    charts = [games_updated(data), genre_share(data), releases(data), ratings(data)]
    charts += [companies(data, role) for role in sorted(data.companies, reverse=True)]
    return [*charts, movers(data), scores(data)]
