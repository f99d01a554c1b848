"""`gmp transform` failures: bad input is exit 2 in one line, a failing data test is exit 1."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.s3server import S3Credentials
from tests.conftest import GMP
from tests.warehouse.dev_helpers import lake_gmp, land, page_key, rows, transform, warehouse
from warehouse.dbt import DEFAULT_PROJECT_DIR as DBT_PROJECT


def gmp_transform(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [GMP, "transform", *args], env={**base, "LAKE_BUCKET": "lake", **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--run-date", "2024-02-30"], "not a real calendar date"),
        (["--run-date", "24-05-01"], "YYYY-MM-DD"),
        (["--run-date", "2999-01-01"], "not in the past"),
        (["--start", "2024-05-03", "--end", "2024-05-01"], "before start date"),
        (["--start", "2024-05-01"], "give --run-date D, or --start D1 --end D2"),
        (["--run-date", "2024-05-01", "--start", "2024-05-01", "--end", "2024-05-02"], "not both"),
    ],
)
def test_bad_dates_exit_2_in_one_line(args: list[str], says: str) -> None:
    result = gmp_transform(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("gmp: error: ")
    assert says in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_settings_exit_2(tmp_path: Path) -> None:
    no_bucket = gmp_transform("--run-date", "2024-05-01", LAKE_BUCKET="")
    assert no_bucket.returncode == 2 and "LAKE_BUCKET is not set" in no_bucket.stderr
    no_project = gmp_transform("--run-date", "2024-05-01", GMP_DBT_PROJECT_DIR=str(tmp_path))
    assert no_project.returncode == 2 and "GMP_DBT_PROJECT_DIR" in no_project.stderr


def test_a_failing_data_test_fails_the_transform(
    s3: S3Credentials, s3_client: object, tmp_path: Path
) -> None:
    day = dt.date(2024, 5, 1)
    catalogue = Catalogue(CatalogueConfig(games_per_day=3))
    items = [catalogue.game(i, day) for i in catalogue.game_ids_updated_on(day)]
    items[0]["name"] = None  # breaks not_null on stg_rawg__games.name
    gmp = lake_gmp(s3, s3_client, "t/dev-failing-test/raw/rawg", "http://127.0.0.1:9",
                   DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"))  # fmt: skip
    land(gmp, "games", day.isoformat(), items)

    result = transform(gmp, "--run-date", day.isoformat())
    assert result.code == 1, result.stdout[-4000:]
    assert "FAIL 1 gates_stg_rawg__games" in result.stdout  # one rule broken: the gate is named
    assert re.search(r"\|\s*not_null\s*\|\s*name\s*\|\s*1\s*\|", result.stdout), result.stdout[
        -3000:
    ]
    assert "SKIP" in result.stdout  # what depends on the failed test is not built
    assert "gmp: error: dbt failed" in result.stderr
    assert s3.secret_key not in result.stdout + result.stderr


def test_a_column_added_to_a_mart_fails_the_incremental_build(
    s3: S3Credentials, s3_client: object, tmp_path: Path
) -> None:
    """on_schema_change: fail (DuckDB's check is the project's own, macros/incremental/
    schema_changes.sql): a model that gained a column fails until --full-refresh; the table
    keeps its rows."""
    day = dt.date(2024, 5, 1)
    catalogue = Catalogue(CatalogueConfig(games_per_day=3))
    items = [catalogue.game(i, day) for i in catalogue.game_ids_updated_on(day)]
    db = tmp_path / "warehouse.duckdb"
    gmp = lake_gmp(s3, s3_client, "t/dev-schema-change/raw/rawg", "http://127.0.0.1:9",
                   DUCKDB_PATH=str(db))  # fmt: skip
    land(gmp, "games", day.isoformat(), items)
    assert transform(gmp, "--run-date", day.isoformat()).code == 0
    with warehouse(db) as con:
        before = rows(con, "select * from marts.dim_games order by game_id")

    project = tmp_path / "dbt"
    shutil.copytree(
        DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", ".*", "*.duckdb*")
    )
    model = project / "models" / "marts" / "dim_games.sql"
    model.write_text(
        model.read_text().replace("select * from final", "select *, 1 as added_column from final")
    )
    changed = transform(gmp, "--run-date", day.isoformat(), GMP_DBT_PROJECT_DIR=str(project))
    assert changed.code == 1, changed.stdout[-3000:]
    assert "out of sync" in changed.stdout and "added_column" in changed.stdout
    with warehouse(db) as con:
        assert rows(con, "select * from marts.dim_games order by game_id") == before
    rebuilt = transform(gmp, "--run-date", day.isoformat(), "--full-refresh",
                        GMP_DBT_PROJECT_DIR=str(project))  # fmt: skip
    assert rebuilt.code == 0, rebuilt.stdout[-3000:]


def test_a_target_the_profile_lacks_is_exit_2_naming_the_targets() -> None:
    result = gmp_transform("--run-date", "2024-05-01", DBT_TARGET="staging")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert "DBT_TARGET='staging' names no target" in result.stderr
    assert "dev, emulator, prod" in result.stderr and "e.g. DBT_TARGET=dev" in result.stderr


def test_prod_without_a_snowflake_account_is_exit_2() -> None:
    result = gmp_transform("--run-date", "2024-05-01", DBT_TARGET="prod")
    assert result.returncode == 2 and "needs SNOWFLAKE_ACCOUNT" in result.stderr


def test_a_day_nothing_was_committed_for_is_refused_unless_allowed(
    s3: S3Credentials, s3_client: object, tmp_path: Path
) -> None:
    gmp = lake_gmp(s3, s3_client, "t/dev-empty-day/raw/rawg", "http://127.0.0.1:9",
                   DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"))  # fmt: skip
    # An uncommitted page (no manifest) is not a partition either.
    key = page_key(gmp, "games", "2024-05-01")
    s3_client.put_object(Bucket=s3.bucket, Key=key, Body=b"{}")  # type: ignore[attr-defined]
    for args in (["--run-date", "2024-05-01"], ["--start", "2024-04-01", "--end", "2024-05-02"]):
        result = transform(gmp, *args)
        assert result.code == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("gmp: error: no committed partition")
        assert "--allow-empty" in lines[0] and result.stdout == ""
    assert not (tmp_path / "warehouse.duckdb").exists()  # dbt never started
    allowed = transform(gmp, "--run-date", "2024-05-01", "--allow-empty")
    assert allowed.code == 0, allowed.stdout[-3000:] + allowed.stderr


def test_a_held_warehouse_lock_is_one_line_naming_the_pid(
    s3: S3Credentials, s3_client: object, tmp_path: Path
) -> None:
    import duckdb

    path = tmp_path / "warehouse.duckdb"
    gmp = lake_gmp(s3, s3_client, "t/dev-locked/raw/rawg", "http://127.0.0.1:9",
                   DUCKDB_PATH=str(path))  # fmt: skip
    holder = duckdb.connect(str(path))  # this test process holds the write lock
    try:
        result = transform(gmp, "--run-date", "2024-05-01", "--allow-empty")
    finally:
        holder.close()
    assert result.code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gmp: error: the warehouse ")
    assert f"locked by process {os.getpid()} " in lines[0]
    assert "model" not in lines[0]


def test_the_lock_line_from_dbt_output_names_the_pid() -> None:
    """The lock can also be taken after the pre-check: dbt's own output is read for it."""
    import io

    from warehouse.guard import LockSpotter

    sink = io.StringIO()
    spotter = LockSpotter(sink)  # type: ignore[arg-type]
    spotter.write("Runtime Error\n")
    spotter.write(
        '  IO Error: Could not set lock on file "/w/wh.duckdb": Conflicting lock is held in '
        "/usr/bin/python3.11 (PID 4242) by user gmp. See also https://duckdb.org/docs\n"
    )
    locked = spotter.locked()
    assert locked is not None and locked.exit_code == 1
    assert "the warehouse /w/wh.duckdb is locked by process 4242 (/usr/bin/python3.11)" in str(
        locked
    )
    assert "Could not set lock" in sink.getvalue()  # dbt's output still goes through


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"DUCKDB_PATH": "/no/such/folder/wh.duckdb"}, "its folder /no/such/folder does not exist"),
        ({"DUCKDB_PATH": "/tmp"}, "is a folder, not a file"),
        ({"DUCKDB_PATH": ":memory:"}, "is not a file path"),
        ({"DBT_THREADS": "0"}, "DBT_THREADS='0' must be at least 1"),
        ({"DUCKDB_HTTPFS_EXTENSION": "/no/httpfs.duckdb_extension"}, "is not an existing file"),
        ({"DBT_PROFILES_DIR": "/tmp"}, "no profiles.yml in /tmp"),
        # dbt ranks only a panel's first N games: a typo is refused before dbt starts.
        ({"GMP_POPULAR_GAMES": "5OO"}, "GMP_POPULAR_GAMES='5OO'"),
        ({"GMP_UPCOMING_GAMES": "0"}, "GMP_UPCOMING_GAMES='0' must be at least 1"),
    ],
)
def test_warehouse_settings_exit_2(env: dict[str, str], says: str) -> None:
    result = gmp_transform("--run-date", "2024-05-01", **env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("gmp: error: ")
    assert says in result.stderr
