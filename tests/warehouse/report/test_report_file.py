"""`gmp report` on a real dev warehouse of two market days: one self-contained file naming its
day, span and source, every chart drawn, its numbers those of the lake."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.warehouse.dev_helpers import warehouse
from tests.warehouse.report.conftest import DAYS, MISSING, RUN_DATE, WINDOW, Reported

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]

CHARTS = (
    "extracted", "releases-genre", "releases-parent-platform", "gainers", "gainers-pct",
    "gainer-lines", "hype", "hype-growth", "genre-momentum", "platform-momentum", "publishers",
    "developers", "ratings-by-genre", "scores",
)  # fmt: skip


def section(text: str, key: str) -> str:
    found = re.search(rf'<section id="{key}"[^>]*>.*?</section>', text, re.S)
    assert found, key
    return found.group(0)


def test_the_report_is_one_offline_file_with_every_chart_drawn(reported: Reported) -> None:
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
    assert f"Run date <strong>{RUN_DATE}</strong>" in text
    assert f"the last {WINDOW}" in text and f"{DAYS[0]} to {RUN_DATE}" in text
    assert '<a href="https://rawg.io">RAWG</a>' in text
    for key in CHARTS:
        assert f'id="chart-{key}"' in text, key
    assert "data-empty" not in text, re.findall(r'<section id="([^"]+)"[^>]*data-empty', text)


def test_the_top_gainer_is_named(reported: Reported) -> None:
    """The game whose `added` grew most per day between the two days' snapshots (any list),
    computed from the marts, leads the gainers chart."""
    with warehouse(reported.db) as con:
        (name, gained), *_ = con.execute(
            "with s as (select game_id, run_date, max(added) as added from ("
            "select game_id, run_date, added from marts.fct_game_popularity_daily union all "
            "select game_id, run_date, added from marts.fct_game_daily_snapshot) "
            "group by all), "
            "g as (select game_id, added - lag(added) over (partition by game_id order by "
            "run_date) as gained, run_date - lag(run_date) over (partition by game_id order by "
            "run_date) as days from s) "
            "select d.name, g.gained / g.days as per_day from g join marts.dim_games d "
            "using (game_id) where g.gained is not null order by per_day desc, d.name limit 1"
        ).fetchall()
    assert gained > 0
    text = reported.page.read_text()
    table = section(text, "gainers").split("<tbody>", 1)[1]
    first = re.search(r"<tr><td>(.*?)</td>", table)
    assert first and first.group(1) == name.replace("&", "&amp;").replace("'", "&#x27;"), name


def test_release_counts_are_the_distinct_games_of_the_lake(reported: Reported) -> None:
    text = section(reported.page.read_text(), "releases-genre")
    for day in DAYS:
        manifest = reported.gmp.manifest("games_released", day)
        assert manifest is not None
        ids = {
            item["id"]
            for page in manifest["pages"]
            for item in json.loads(reported.gmp.read(page["key"]))["results"]
        }
        assert ids, day
        assert f'<tr><td>{day}</td><td class="n">{len(ids):,}</td>' in text, day


def test_a_day_not_extracted_is_marked_not_zero(reported: Reported) -> None:
    text = reported.page.read_text()
    for key in ("releases-genre", "genre-momentum", "extracted"):
        part = section(text, key)
        assert f"<tr><td>{MISSING}</td><td>not extracted</td>" in part, key
        assert f"Not extracted (no data, not 0): {MISSING}" in part, key


def test_a_chart_without_data_says_so(reported: Reported, tmp_path: Path) -> None:
    """--allow-empty on a day the warehouse has nothing for: every chart is empty and says so."""
    result = reported.gmp(
        "report", "--run-date", "2024-06-30", "--days", "1", "--out", str(tmp_path),
        "--allow-empty",
    )  # fmt: skip
    assert result.code == 0, result.stderr[-3000:]
    text = (tmp_path / "index.html").read_text()
    assert text.count('data-empty="true"') == len(CHARTS)
    assert text.count('<p class="empty">No data: ') == len(CHARTS)


def test_a_day_without_data_is_exit_2_in_one_line(reported: Reported, tmp_path: Path) -> None:
    result = reported.gmp("report", "--run-date", MISSING, "--out", str(tmp_path))
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"no data for {MISSING}" in result.stderr
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
