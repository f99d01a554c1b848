"""The report's charts: one Plotly figure per dataset, each with a title, axis titles with units
and hover text; plus the numbers of each as a table (headers, rows) for the page. A chart
without data says so (`empty`, the page's `data-empty="true"`); days not extracted are marked
on the time axis (a hatched band labelled "not extracted"), never drawn as 0."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]

from warehouse.report.data import ReportData

NOT_EXTRACTED = "not extracted"
DAY_MS = 86_400_000  # plotly's date axes count in milliseconds


@dataclass
class Chart:
    key: str
    figure: go.Figure
    headers: list[str]
    rows: list[list[Any]]
    empty: str | None = None  # why the chart has no data; None when it has some
    missing: list[dt.date] = field(default_factory=list)  # days of the axis not extracted


def layout(fig: go.Figure, title: str, x: str, y: str, empty: str | None = None) -> go.Figure:
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
        fig.add_annotation(
            text=f"No data: {empty}", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5
        )
    return fig


def date_axis(fig: go.Figure, days: int) -> None:
    """Days on the x axis, not hours: one tick a day over a month or less."""
    fig.update_xaxes(type="date", tickformat="%b %d", dtick=DAY_MS if days <= 31 else None)


def spans(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) runs."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def mark_missing(fig: go.Figure, missing: list[dt.date], step: dt.timedelta | None = None) -> None:
    """Hatch the days not extracted on a date axis, labelled, so a gap is not read as 0."""
    half = (step or dt.timedelta(days=1)) / 2
    for first, last in spans(missing):
        x0 = dt.datetime.combine(first, dt.time()) - half
        x1 = dt.datetime.combine(last, dt.time()) + half
        fig.add_vrect(x0=x0, x1=x1, fillcolor="#999", opacity=0.25, line_width=0, layer="below")
        fig.add_annotation(
            x=x0 + (x1 - x0) / 2,
            y=1,
            yref="paper",
            text=NOT_EXTRACTED,
            showarrow=False,
            textangle=-90,
            yanchor="top",
            font={"size": 10, "color": "#555"},
        )
    # An invisible trace gives the band a legend entry: what the grey means.
    if missing:
        fig.add_trace(
            go.Bar(
                x=[None],
                y=[None],
                name=NOT_EXTRACTED + " (no data that day)",
                marker={"color": "#ccc", "pattern": {"shape": "/"}},
                hoverinfo="skip",
                showlegend=True,
            )
        )


def all_charts(data: ReportData) -> list[Chart]:
    from warehouse.report import charts_rank, charts_time

    return [
        charts_time.extracted(data),
        charts_time.releases(data, "genre"),
        charts_time.releases(data, "parent_platform"),
        charts_rank.gainers(data),
        charts_rank.gainers_pct(data),
        charts_time.gainer_lines(data),
        charts_rank.hype(data),
        charts_rank.hype_growth(data),
        charts_time.momentum(data, "genre"),
        charts_time.momentum(data, "platform"),
        charts_rank.companies(data, "publisher"),
        charts_rank.companies(data, "developer"),
        charts_rank.ratings(data),
        charts_rank.scores(data),
    ]
