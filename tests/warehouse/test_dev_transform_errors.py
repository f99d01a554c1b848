"""`gmp transform` failures: bad input is exit 2 in one line, a failing data test is exit 1."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from extractor.sandbox.catalogue import Catalogue, CatalogueConfig
from extractor.sandbox.s3server import S3Credentials
from tests.conftest import GMP
from tests.warehouse.dev_helpers import lake_gmp, page_key, transform


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
    key = page_key(gmp, "games", day.isoformat())
    body = {"count": 3, "next": None, "previous": None, "results": items}
    manifest = {"endpoint": "games", "run_date": day.isoformat(), "page_count": 1,
                "pages": [{"key": key, "records": 3}]}  # fmt: skip
    put = s3_client.put_object  # type: ignore[attr-defined]
    put(Bucket=s3.bucket, Key=key, Body=json.dumps(body).encode())
    put(Bucket=s3.bucket, Key=key.replace("page-00001.json", "_manifest.json"),
        Body=json.dumps(manifest).encode())  # fmt: skip

    result = transform(gmp, "--run-date", day.isoformat())
    assert result.code == 1, result.stdout[-4000:]
    assert "FAIL 1 not_null_stg_rawg__games_name" in result.stdout
    assert "SKIP" in result.stdout  # what depends on the failed test is not built
    assert "gmp: error: dbt failed" in result.stderr
    assert s3.secret_key not in result.stdout + result.stderr
