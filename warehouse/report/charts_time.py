"""The report's charts over time: what was extracted per day, the release calendar, the top
gainers' lines and genre / platform momentum. Days not extracted are gaps, hatched and
labelled (charts.mark_missing), and say "not extracted" in the numbers table."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]

from warehouse.report.charts import NOT_EXTRACTED, Chart, date_axis, layout, mark_missing
from warehouse.report.data import GROUPS, ReportData, _as_date

SOURCES = {
    "games": "games updated (games)",
    "games_released": "games released (games_released)",
    "panel": "market panel games (popular, rising, upcoming)",
    "game_details": "details fetched (game_details)",
}
PANEL = ("panel",)


def _days(data: ReportData) -> list[dt.date]:
    return data.window.dates()


def extracted(data: ReportData) -> Chart:
    days = _days(data)
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for r in data.extracted:
        counts[r["source"]][_as_date(r["run_date"])] = int(r["games"])
    missing = [d for d in days if d not in data.days_with()]
    fig = go.Figure(
        [
            go.Bar(
                name=label,
                x=days,
                y=[counts[source].get(d) for d in days],
                hovertemplate="%{x}: %{y:,} distinct games<extra>" + label + "</extra>",
            )
            for source, label in SOURCES.items()
            if counts[source]
        ]
    )
    fig.update_layout(barmode="group")
    mark_missing(fig, missing)
    date_axis(fig, data.window.days)
    empty = None if data.extracted else "nothing extracted in the window"
    layout(
        fig,
        f"Data collected per day (last {data.window.days} days)",
        "run date (UTC day)",
        "distinct games landed that day",
        empty,
    )
    rows = [
        [d.isoformat(), *(_cell(counts[s].get(d), d in missing) for s in SOURCES)] for d in days
    ]
    return Chart("extracted", fig, ["run date", *SOURCES], rows, empty, missing)


def _cell(value: int | None, missing: bool) -> Any:
    if missing:
        return NOT_EXTRACTED
    return "-" if value is None else value


def _buckets(data: ReportData) -> tuple[list[dt.date], dict[dt.date, dt.date]]:
    """The release calendar's x axis: days, or weeks (Mondays) for long windows."""
    days = _days(data)
    if not data.window.weekly:
        return days, {d: d for d in days}
    of = {d: d - dt.timedelta(days=d.weekday()) for d in days}
    return sorted(set(of.values())), of


def releases(data: ReportData, breakdown: str) -> Chart:
    buckets, bucket_of = _buckets(data)
    extracted_days = data.days_with("games_released")
    covered = {bucket_of[d] for d in extracted_days if d in bucket_of}
    missing = [b for b in buckets if b not in covered]
    total: dict[dt.date, int] = defaultdict(int)
    groups: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for r in data.releases:
        bucket = bucket_of.get(_as_date(r["run_date"]))
        if bucket is None:
            continue
        if r["breakdown"] == "all":
            total[bucket] += int(r["games"])
        elif r["breakdown"] == breakdown:
            groups[str(r["group_name"])][bucket] += int(r["games"])
    top = sorted(groups, key=lambda g: (-sum(groups[g].values()), g))[:GROUPS]
    unit = "week" if data.window.weekly else "day"
    fig = go.Figure(
        go.Bar(
            name="all releases",
            x=buckets,
            y=[None if b in missing else total.get(b, 0) for b in buckets],
            marker={"color": "#c7d7ee"},
            hovertemplate="%{x}: %{y:,} games released<extra>all</extra>",
        )
    )
    for name in top:
        fig.add_trace(
            go.Scatter(
                name=name,
                x=buckets,
                y=[None if b in missing else groups[name].get(b, 0) for b in buckets],
                mode="lines+markers",
                connectgaps=False,
                hovertemplate="%{x}: %{y:,} games<extra>" + name + "</extra>",
            )
        )
    mark_missing(fig, missing, dt.timedelta(days=7 if data.window.weekly else 1))
    date_axis(fig, data.window.days)
    label = "genre" if breakdown == "genre" else "parent platform"
    empty = None if total else "no games_released partition in the window"
    layout(
        fig,
        f"Releases per {unit} by {label} (distinct games, last {data.window.days} days)",
        f"release {unit}" + (" (week starting)" if data.window.weekly else ""),
        f"games released (distinct; a game can list several {label}s)",
        empty,
    )
    rows = [
        [b.isoformat(), NOT_EXTRACTED if b in missing else total.get(b, 0)]
        + [NOT_EXTRACTED if b in missing else groups[n].get(b, 0) for n in top]
        for b in buckets
    ]
    return Chart(
        f"releases-{breakdown.replace('_', '-')}",
        fig,
        [f"release {unit}", "all releases", *top],
        rows,
        empty,
        missing,
    )


def gainer_lines(data: ReportData) -> Chart:
    days = _days(data)
    by_game: dict[Any, dict[dt.date, int]] = defaultdict(dict)
    names: dict[Any, str] = {}
    for r in data.gainer_points:
        names[r["game_id"]] = str(r["name"])
        by_game[r["game_id"]][_as_date(r["run_date"])] = int(r["added"])
        previous = _as_date(r["previous_run_date"])
        if previous >= data.window.start:
            by_game[r["game_id"]][previous] = int(r["previous_added"])
    order = [r["game_id"] for r in data.gainers if r["game_id"] in by_game]
    missing = [d for d in days if d not in data.days_with("panel", "games")]
    fig = go.Figure()
    rows = []
    for game in order:
        points = by_game[game]
        base = points[min(points)]
        fig.add_trace(
            go.Scatter(
                name=names[game],
                x=days,
                y=[points[d] - base if d in points else None for d in days],
                mode="lines+markers",
                connectgaps=True,  # a game absent on a day in between: no snapshot, not 0
                customdata=[points.get(d) for d in days],
                hovertemplate="%{x}: %{y:+,} since the window's first snapshot "
                "(added %{customdata:,})<extra>" + names[game] + "</extra>",
            )
        )
        rows += [[names[game], d.isoformat(), points[d], points[d] - base] for d in sorted(points)]
    mark_missing(fig, missing)
    date_axis(fig, data.window.days)
    empty = None if order else "no game has two snapshots in the window"
    layout(
        fig,
        f"Top {len(order) or 10} gainers over the window: `added` gained since their first "
        "snapshot in it",
        "run date (UTC day)",
        "`added` gained since first snapshot (users)",
        empty,
    )
    return Chart(
        "gainer-lines",
        fig,
        ["game", "run date", "added", "gained since first"],
        rows,
        empty,
        missing,
    )


def momentum(data: ReportData, kind: str) -> Chart:
    rows_in = data.genre_momentum if kind == "genre" else data.platform_momentum
    days = _days(data)
    missing = [d for d in days if d not in data.days_with(*PANEL)]
    gained: dict[str, dict[dt.date, float]] = defaultdict(dict)
    games: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for r in rows_in:
        day, name = _as_date(r["run_date"]), str(r["group_name"])
        games[name][day] = int(r["games"])
        if r["added_gained_per_day"] is not None:
            gained[name][day] = float(r["added_gained_per_day"])
    top = sorted(gained, key=lambda g: (-sum(gained[g].values()), g))[:GROUPS]
    fig = go.Figure(
        [
            go.Scatter(
                name=name,
                x=days,
                y=[gained[name].get(d) for d in days],
                customdata=[games[name].get(d) for d in days],
                mode="lines+markers",
                connectgaps=False,
                hovertemplate="%{x}: %{y:+,.0f} users/day across %{customdata} panel games"
                "<extra>" + name + "</extra>",
            )
            for name in top
        ]
    )
    mark_missing(fig, missing)
    date_axis(fig, data.window.days)
    label = "genre" if kind == "genre" else "parent platform"
    empty = None if top else "no panel game has two snapshots in the window"
    layout(
        fig,
        f"{label.capitalize()} momentum: `added` gained per day by the panel's games",
        "run date (UTC day)",
        "`added` gained per day (users/day, panel games summed)",
        empty,
    )
    table: list[list[Any]] = []
    for d in days:
        if d in missing:  # one row for the day: no group has data, none has 0
            table.append([d.isoformat(), NOT_EXTRACTED, NOT_EXTRACTED, NOT_EXTRACTED])
            continue
        table += [
            [d.isoformat(), name, games[name].get(d, 0), round(gained[name].get(d, 0.0), 1)]
            for name in top
        ]
    return Chart(
        f"{kind}-momentum",
        fig,
        ["run date", label, "panel games (distinct)", "added gained per day"],
        table,
        empty,
        missing,
    )
