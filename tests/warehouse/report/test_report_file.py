"""`gmp report` on a real dev warehouse: one self-contained file naming its day, span and source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.warehouse.report.conftest import RUN_DATE, WINDOW, Reported

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]

CHARTS = (
    "games-updated", "genre-share", "releases", "ratings", "publishers", "developers", "movers",
    "scores",
)  # fmt: skip


def test_the_report_is_one_offline_file_with_every_chart(reported: Reported) -> None:
    result = reported.result
    assert result.code == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"report: {reported.page}" in result.stdout
    body = reported.page.read_bytes()
    assert len(body) < 10 * 1024 * 1024
    text = body.decode()
    # Nothing is fetched: no external script, style, font or image.
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", text)
    assert not re.search(r"<link[^>]*stylesheet", text)
    assert text.count("<script") >= 1 + len(CHARTS)  # plotly.js once, then one per chart
    assert text.count("plotly.js v") == 1 or "Plotly" in text
    assert f"Run date <strong>{RUN_DATE}</strong>" in text
    assert f"the last {WINDOW}" in text and "2024-04-02 to 2024-05-01" in text
    assert '<a href="https://rawg.io">RAWG</a>' in text
    for key in CHARTS:
        assert f'id="chart-{key}"' in text, key


def test_the_numbers_match_the_warehouse(reported: Reported) -> None:
    text = reported.page.read_text()
    # Three days of 80 games each; the window shows every day, 0 on the days not extracted.
    daily = re.findall(r'<tr><td>(2024-0[45]-\d\d)</td><td class="n">(\d+)</td>', text)
    assert len(daily) == WINDOW
    extracted = {day: int(n) for day, n in daily if int(n)}
    assert extracted == {"2024-04-03": 80, "2024-04-17": 80, RUN_DATE: 80}
    assert "Numbers (0 rows)" not in text  # every chart has numbers


def test_a_day_without_data_is_exit_2_in_one_line(reported: Reported, tmp_path: Path) -> None:
    result = reported.gmp("report", "--run-date", "2024-05-02", "--out", str(tmp_path))
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no data for 2024-05-02" in result.stderr
    assert not (tmp_path / "index.html").exists()


def test_no_warehouse_at_duckdb_path_says_how_to_point_at_one(
    reported: Reported, tmp_path: Path
) -> None:
    missing = tmp_path / "elsewhere.duckdb"
    result = reported.gmp(
        "report", "--run-date", RUN_DATE, "--out", str(tmp_path), DUCKDB_PATH=str(missing)
    )
    assert result.code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"gmp: error: no dev warehouse at {missing}: set DUCKDB_PATH")
    assert not (tmp_path / "index.html").exists()
