"""A build whose INSERT fails leaves the DuckDB warehouse exactly as it was.

run_date_replace deletes the rows a build supersedes, then inserts the batch; dbt-duckdb runs
both in one transaction per model. Two days of `games` and `genres` are landed in real
SeaweedFS and built; day 2 is rebuilt with the test-only hook GMP_TEST_FAIL_INSERT_INTO failing
the INSERT of a history table, a latest-state table and a bridge (none upstream of another,
so all three run their DELETEs and fail in the same build). Read back from a new connection,
the three tables equal their snapshot; a later build without the hook succeeds.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.s3server import S3Credentials
from tests.conftest import Gmp
from tests.warehouse.dev_helpers import lake_gmp, land, rows, transform, transformed, warehouse

pytestmark = pytest.mark.slow

DAYS = ("2024-05-01", "2024-05-02")
# One of each kind of incremental table (run_date_replace's three DELETE rules between them).
FAILING = {
    "fct_game_daily_snapshot": "run_date",  # history: the built range
    "dim_genres": "last_seen_run_date",  # latest state: the range + keys seen again
    "bridge_game_genres": "last_seen_run_date",  # bridge: the range + keys + stale rows
}


def land_two_days(gmp: Gmp) -> None:
    """Commit `games` (the games updated that day) and `genres` of both DAYS in the lake."""
    catalogue = Catalogue(CatalogueConfig(catalogue_size=120, games_per_day=12))
    for day_text in DAYS:
        day = dt.date.fromisoformat(day_text)
        games = [catalogue.game(i, day) for i in catalogue.game_ids_updated_on(day)]
        land(gmp, "games", day_text, games)
        land(gmp, "genres", day_text, list(catalogue.taxonomy("genres")))


def tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The three tables' rows, sorted, read through a new connection."""
    with warehouse(path) as con:
        return {t: rows(con, f"select * from marts.{t} order by all") for t in FAILING}


def test_a_failed_insert_leaves_the_tables_as_they_were(
    s3: S3Credentials, s3_client: object, tmp_path: Path
) -> None:
    path = tmp_path / "warehouse.duckdb"
    gmp = lake_gmp(s3, s3_client, "t/dev-atomic/raw/rawg", "http://127.0.0.1:9",
                   DUCKDB_PATH=str(path))  # fmt: skip
    land_two_days(gmp)
    for day in DAYS:
        transformed(gmp, "--run-date", day)
    before = tables(path)
    with warehouse(path) as con:
        for table, day_column in FAILING.items():
            (count,) = con.execute(
                f"select count(*) from marts.{table} where {day_column} = ?", [DAYS[1]]
            ).fetchone() or (0,)
            assert count, f"{table} has no row of {DAYS[1]}: the rebuild would delete nothing"

    failed = transform(gmp, "--run-date", DAYS[1], GMP_TEST_FAIL_INSERT_INTO=",".join(FAILING),
                       DBT_WRITE_JSON="true")  # fmt: skip
    assert failed.code == 1, failed.stdout[-4000:]
    results = run_results(path)
    for table in FAILING:  # each failed at its INSERT (the forced cast), after its DELETEs ran
        status, message = results[table]
        assert status == "error" and "GMP_TEST_FAIL_INSERT_INTO" in message, (table, message)
    assert results["dim_games"][0] == "success"  # the other models were rebuilt
    assert tables(path) == before

    transformed(gmp, "--run-date", DAYS[1])
    assert tables(path) == before  # the same lake rebuilt: the same rows


def run_results(path: Path) -> dict[str, tuple[str, str]]:
    """model name -> (status, message) of the last dbt run on this warehouse (gmp keeps dbt's
    artifacts beside the warehouse file)."""
    results = json.loads(
        (path.with_name(path.name + ".dbt") / "target/run_results.json").read_text()
    )
    return {
        r["unique_id"].split(".")[-1]: (r["status"], r.get("message") or "")
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }
