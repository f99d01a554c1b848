"""The report page: one self-contained HTML file (Plotly's JS inlined once, no network)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from warehouse.report.charts import Chart, spans
from warehouse.report.data import Window

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 2rem;
       color: #222; }
header p, footer p { color: #444; }
section { margin: 2rem 0; border-top: 1px solid #ddd; padding-top: 1rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
summary { cursor: pointer; color: #0b5cad; }
p.empty { color: #a33; font-weight: bold; }
p.missing { color: #555; font-size: 0.9rem; }
"""
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _cell(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"<td>{html.escape(str(value))}</td>"
    return (
        f'<td class="n">{value:,}</td>' if isinstance(value, int) else f'<td class="n">{value}</td>'
    )


def _table(chart: Chart) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in chart.headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in chart.rows)
    return (
        f"<details><summary>Numbers ({len(chart.rows)} rows)</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _missing(chart: Chart) -> str:
    if not chart.missing:
        return ""
    days = ", ".join(
        first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        for first, last in spans(chart.missing)
    )
    return f'<p class="missing">Not extracted (no data, not 0): {html.escape(days)}</p>'


def _section(chart: Chart) -> str:
    """A chart's container; `data-empty="true"` when it has no data (a contract: checks count
    them), with a line saying why."""
    empty = ' data-empty="true"' if chart.empty else ""
    note = f'<p class="empty">No data: {html.escape(chart.empty)}</p>' if chart.empty else ""
    return (
        f'<section id="{chart.key}" class="chart"{empty}>'
        + note
        + str(
            chart.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                div_id=f"chart-{chart.key}",
                config=PLOT_CONFIG,
            )
        )
        + _missing(chart)
        + _table(chart)
        + "</section>"
    )


def render(charts: list[Chart], window: Window, made_at: dt.datetime) -> str:
    """The whole page as one string."""
    sections = "\n".join(_section(chart) for chart in charts)
    span = f"{window.start.isoformat()} to {window.run_date.isoformat()}"
    built = made_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Game market report, run date {window.run_date.isoformat()}</title>
<style>{STYLE}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<header>
<h1>Game market report</h1>
<p>Run date <strong>{window.run_date.isoformat()}</strong>; time span: the last {window.days}
day(s), <strong>{span}</strong> (run dates, UTC days). Built {built}.</p>
<p>Data from <a href="https://rawg.io">RAWG</a>, the video games database.</p>
</header>
<main>
{sections}
</main>
<footer><p>Source: <a href="https://rawg.io">RAWG</a> (https://rawg.io). Hover a chart for its
numbers, or open "Numbers" under it.</p></footer>
</body>
</html>
"""
