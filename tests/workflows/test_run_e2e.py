"""`gmp run` and `gmp backfill` end to end: committed YAML, real gmp, SeaweedFS, the stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devstack.standin import StandinServer
from devstack.standin_faults import Fault
from extractor.layout import report_key
from gmp.endpoints import DEFAULT_ENDPOINTS, PANEL_ENDPOINTS, REGISTRY, Mode
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp, Result
from warehouse.headline import headline, mart

DAILY_SET = list(DEFAULT_ENDPOINTS)
PER_DAY = ",".join(e for e in DEFAULT_ENDPOINTS if REGISTRY[e].mode is not Mode.SNAPSHOT)
DETAILS = "extract-details(1:game_details)"  # the second fan-out (workflows/daily.py)


@pytest.fixture
def run(gmp: Gmp, tmp_path: Path) -> Gmp:
    """The `gmp` fixture plus a private dev warehouse and step logs in this test's directory."""
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    gmp.env["DBT_TARGET"] = "dev"
    gmp.env["GMP_TEST_LOGS"] = str(tmp_path / "logs")
    return gmp


def summary(result: Result) -> dict[str, Any]:
    return json.loads(result.stdout.strip().splitlines()[-1])


def steps(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in data["step_details"]}


def test_gmp_run_lands_every_endpoint_and_builds_the_marts(
    run: Gmp, standin: StandinServer
) -> None:
    result = run(
        "run", "--run-date", RUN_DATE, "--json", "--logs", run.env["GMP_TEST_LOGS"], timeout=600
    )
    data = summary(result)
    assert result.code == 0, (data["failed"], result.stderr[-3000:])
    assert data["status"] == "Succeeded" and data["exit_handler"] == "Succeeded"
    by_name = steps(data)
    assert set(by_name) == {
        "validate",
        "transform",
        "report",
        *(f"extract({i}:{e})" for i, e in enumerate(DAILY_SET)),
        *(f"extract-details({i}:{e})" for i, e in enumerate(DAILY_SET)),
    }
    ran = {n: s["status"] for n, s in by_name.items() if s["status"] != "Skipped"}
    assert set(ran) == {"validate", "transform", "report", DETAILS} | {
        f"extract({i}:{e})" for i, e in enumerate(DAILY_SET) if e != "game_details"
    }
    for endpoint in DAILY_SET:
        manifest = run.manifest(endpoint)
        assert manifest is not None, f"{endpoint} not committed"
        node = (
            DETAILS
            if endpoint == "game_details"
            else f"extract({DAILY_SET.index(endpoint)}:{endpoint})"
        )
        assert data["records_by_node"][node] == manifest["record_count"]
    details = run.manifest("game_details")
    # The day's market panel first (popular by rank, then rising, upcoming), up to the cap (250).
    panel = [g["id"] for e in PANEL_ENDPOINTS for p in run.pages(e) for g in p["results"]]
    panel = list(dict.fromkeys(panel))
    assert len(panel) > 250
    asked = [*details["game_ids"], *details["not_found"]]
    assert sorted(asked) == sorted(panel[:250]) and details["from_panel"] == 250
    assert details["game_ids"] == [i for i in panel[:250] if i not in details["not_found"]]
    assert details["started_at"] >= max(
        run.manifest(e)["finished_at"]  # type: ignore[index]
        for e in ("games", *PANEL_ENDPOINTS)
    )
    found = headline(Path(run.env["DUCKDB_PATH"]), RUN_DATE)
    assert found["dim_games"] >= run.manifest("games")["record_count"] > 0  # type: ignore[index]
    assert found["run_dates"] == [RUN_DATE]
    assert found["top_genres"]
    # The last step stored the day's market report in the lake, outside the raw prefix.
    page = run.read(report_key(RUN_DATE)).decode()
    assert f"Run date <strong>{RUN_DATE}</strong>" in page and "https://rawg.io" in page
    assert CANARY_KEY not in result.stdout + result.stderr


def test_gmp_backfill_five_days_two_at_a_time(run: Gmp, standin: StandinServer) -> None:
    result = run(
        "backfill", "--start", "2024-05-01", "--end", "2024-05-05", "--parallelism", "2",
        "--json", "--logs", run.env["GMP_TEST_LOGS"], timeout=900,
    )  # fmt: skip
    data = summary(result)
    assert result.code == 0, (data["failed"], result.stderr[-3000:])
    days = [f"2024-05-0{i}" for i in range(1, 6)]
    by_name = steps(data)
    assert by_name["dates"]["status"] == "Succeeded"
    for i, day in enumerate(days):
        node = f'days.day({i}:{{"endpoints":"{PER_DAY}","run_date":"{day}"}}).day'
        assert by_name[f"{node}.transform"]["status"] == "Skipped"
        assert run.manifest("games", day) is not None
        assert run.manifest("games_released", day) is not None  # the release calendar: per day
    assert by_name["transform"]["status"] == "Succeeded"  # one dbt build for the range
    found = headline(Path(run.env["DUCKDB_PATH"]))
    assert found["run_dates"] == days
    assert found["dim_games"] > 0
    # Each snapshot once, on the last day, standing for the whole range; RAWG asked once (the
    # quota guard's plan probe in `dates`, page_size=1, aside).
    for endpoint in ("genres", "platforms", "stores", "tags"):
        manifests = [k for k in run.list_keys(f"{endpoint}/") if k.endswith("_manifest.json")]
        assert manifests == [f"{run.prefix}/{endpoint}/run_date=2024-05-05/_manifest.json"]
        manifest = run.manifest(endpoint, "2024-05-05")
        assert manifest["covers_from"] == "2024-05-01"  # type: ignore[index]
        asked = [
            r
            for r in standin.requests
            if r.path == f"/{endpoint}" and r.params.get("page_size") != "1"
        ]
        assert len(asked) == manifest["page_count"]  # type: ignore[index]
    for endpoint in PANEL_ENDPOINTS:  # the market panel too: once, on the last day
        manifests = [k for k in run.list_keys(f"{endpoint}/") if k.endswith("_manifest.json")]
        assert manifests == [f"{run.prefix}/{endpoint}/run_date=2024-05-05/_manifest.json"]
        assert run.manifest(endpoint, "2024-05-05")["covers_from"] == "2024-05-01"  # type: ignore[index]
    assert "covers_from" not in run.manifest("games", "2024-05-03")  # type: ignore[operator]
    # The warehouse holds the taxonomy for the range: every genre of the one snapshot.
    genre_ids = {g["id"] for page in run.pages("genres", "2024-05-05") for g in page["results"]}
    con = duckdb.connect(run.env["DUCKDB_PATH"], read_only=True)
    try:
        rows = con.execute(f"select genre_id from {mart(con, 'dim_genres')}").fetchall()
        dim = {row[0] for row in rows}
    finally:
        con.close()
    assert genre_ids and genre_ids <= dim
    # Nothing left for `gmp gaps` to find in the backfilled range.
    checked = run("gaps", "--start", "2024-05-01", "--end", "2024-05-05", "--check")
    assert checked.code == 0, checked.stdout + checked.stderr
    assert "no gaps" in checked.stdout


def test_an_extractor_that_keeps_failing_is_retried_then_the_run_fails_without_transforming(
    run: Gmp, standin: StandinServer
) -> None:
    standin.add_fault(Fault("503", path="/games", times=-1))
    run.env["GMP_RETRY_ATTEMPTS"] = "1"  # the extractor's own request retries are tested elsewhere
    args = ("run", "--run-date", RUN_DATE, "--endpoints", "games,genres", "--backoff-scale", "0.01")
    result = run(*args, "--logs", run.env["GMP_TEST_LOGS"], timeout=600)
    assert result.code == 1, result.stderr[-3000:]
    out = result.stdout
    assert "game-market-daily-" in out and "Failed" in out
    # The rendered extract template allows 3 retries: 4 attempts, each one a full `gmp extract`.
    assert "failed step extract(0:games) (template extract, 4 attempts): exit code 1" in out
    assert "not run because of the failure: extract-details, transform, report" in out
    assert "gmp: error:" in out  # the tail of the failing step's log says why
    assert "503" in out
    assert out.count("↻ extract(0:games)") == 3 or result.stderr.count("↻ extract(0:games)") == 3
    assert run.manifest("genres") is not None, "the other endpoints still land"
    assert run.manifest("games") is None
    assert not Path(run.env["DUCKDB_PATH"]).exists(), "transform ran"
    assert CANARY_KEY not in out + result.stderr


@pytest.mark.parametrize("bad", ["2024-13-01", "2999-01-01"])
def test_a_bad_run_date_fails_the_first_step_with_exit_2(run: Gmp, bad: str) -> None:
    result = run("run", "--run-date", bad, "--json", timeout=300)
    data = summary(result)
    assert result.code == 2
    assert data["failed"] == ["validate"]
    by_name = steps(data)
    assert by_name["validate"]["exit_code"] == 2 and by_name["validate"]["attempts"] == 1
    assert {by_name["extract"]["status"], by_name["transform"]["status"]} == {"Omitted"}
    assert run.list_keys() == []


def test_an_unknown_endpoint_fails_the_first_step_with_exit_2(run: Gmp) -> None:
    result = run("run", "--run-date", RUN_DATE, "--endpoints", "games,gamez", timeout=300)
    assert result.code == 2
    assert "failed step validate" in result.stdout and "unknown endpoint 'gamez'" in result.stdout


def test_a_bad_range_fails_the_dates_step_with_exit_2(run: Gmp) -> None:
    result = run("backfill", "--start", "2024-05-05", "--end", "2024-05-01", timeout=300)
    assert result.code == 2
    assert "failed step dates" in result.stdout
    assert "end date 2024-05-01 is before start date 2024-05-05" in result.stdout
    assert run.list_keys() == []
