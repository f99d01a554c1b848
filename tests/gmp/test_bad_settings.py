"""A table of bad settings and inputs, walked through `gmp extract`, `plan`, `transform`, `run`
and `backfill`: each is exit 2 with one `gmp: error:` line on stderr that names the problem,
before any RAWG request or lake write, and no secret shows anywhere."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devstack.s3server import S3Credentials
from devstack.standin import StandinServer
from tests.conftest import CANARY_KEY, RUN_DATE, Gmp

URL_PASSWORD = "hunter2pw"  # must never be echoed back
URL_KEY = "k3yinurl0000"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    says: str  # words the error line must contain
    env: dict[str, str] = field(default_factory=dict)
    in_a_step: bool = False  # refused by the workflow's first step rather than up front


def extract(says: str, day: str = RUN_DATE, endpoint: str = "games", **env: str) -> Case:
    return Case(f"extract {says}", ("extract", endpoint, "--run-date", day), says, env)


def plan(says: str, *args: str, **env: str) -> Case:
    return Case(f"plan {says}", ("plan", *(args or ("--run-date", RUN_DATE))), says, env)


def transform(says: str, day: str = RUN_DATE, **env: str) -> Case:
    return Case(f"transform {says}", ("transform", "--run-date", day), says, env)


def run(says: str, *args: str, in_a_step: bool = False, **env: str) -> Case:
    args = args or ("run", "--run-date", RUN_DATE)
    return Case(f"{args[0]} {says}", ("--logs-dir-placeholder", *args), says, env, in_a_step)


CASES = [
    # The lake: prefix, bucket, endpoint, credentials, region.
    extract("LAKE_PREFIX='' is empty", LAKE_PREFIX=""),
    extract("LAKE_PREFIX='/' is empty", LAKE_PREFIX="/"),
    extract("LAKE_PREFIX='a//b' has an empty segment", LAKE_PREFIX="a//b"),
    extract("LAKE_PREFIX='../x' has a '.' or '..' segment", LAKE_PREFIX="../x"),
    extract("LAKE_PREFIX='raw/./rawg' has a '.' or '..' segment", LAKE_PREFIX="raw/./rawg"),
    extract("LAKE_PREFIX='raw rawg' has the character ' '", LAKE_PREFIX="raw rawg"),
    extract("LAKE_PREFIX='raw/*' has the character '*'", LAKE_PREFIX="raw/*"),
    extract("LAKE_PREFIX='raw#1' has the character '#'", LAKE_PREFIX="raw#1"),
    extract("LAKE_BUCKET='Lake_Bucket' is not an S3 bucket name", LAKE_BUCKET="Lake_Bucket"),
    extract("LAKE_BUCKET='ab' is not an S3 bucket name", LAKE_BUCKET="ab"),
    extract("LAKE_BUCKET='10.0.0.1' is not an S3 bucket name", LAKE_BUCKET="10.0.0.1"),
    extract("LAKE_BUCKET='la..ke' is not an S3 bucket name", LAKE_BUCKET="la..ke"),
    extract("LAKE_BUCKET is not set", LAKE_BUCKET=""),
    extract(
        "S3_ENDPOINT='localhost:8333' is not an http:// or https:// URL",
        S3_ENDPOINT="localhost:8333",
    ),
    extract(
        "S3_ENDPOINT carries credentials", S3_ENDPOINT=f"http://gmp:{URL_PASSWORD}@127.0.0.1:8333"
    ),
    extract(
        "S3_ENDPOINT='http://127.0.0.1:99999' is not a URL: the port",
        S3_ENDPOINT="http://127.0.0.1:99999",
    ),
    extract(
        "S3_ENDPOINT='http://127.0.0.1:8333/lake' has a path",
        S3_ENDPOINT="http://127.0.0.1:8333/lake",
    ),
    extract("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", AWS_SECRET_ACCESS_KEY=""),
    extract("AWS_REGION='US East' is not a region name", AWS_REGION="US East"),
    # RAWG: where, which key, how fast.
    extract(
        "RAWG_API_KEY is not set (Secret game-market-pipeline-secrets, key RAWG_API_KEY)",
        RAWG_API_KEY="",
    ),
    extract("RAWG_API_KEY is not set", RAWG_API_KEY="   "),
    extract(
        "RAWG_BASE_URL='api.rawg.io/api' is not an http:// or https:// URL",
        RAWG_BASE_URL="api.rawg.io/api",
    ),
    extract("RAWG_BASE_URL has a query", RAWG_BASE_URL=f"https://api.rawg.io/api?key={URL_KEY}"),
    extract("GMP_CONCURRENCY='0' must be at least 1; e.g. GMP_CONCURRENCY=4", GMP_CONCURRENCY="0"),
    extract("GMP_CONCURRENCY='4.5' is not a whole number", GMP_CONCURRENCY="4.5"),
    extract("GMP_MAX_RPS='nan' is not a finite number", GMP_MAX_RPS="nan"),
    extract("GMP_READ_TIMEOUT='inf' is not a finite number", GMP_READ_TIMEOUT="inf"),
    extract("GMP_CONNECT_TIMEOUT='-1' must be above 0", GMP_CONNECT_TIMEOUT="-1"),
    extract("GMP_RETRY_ATTEMPTS='lots' is not a whole number", GMP_RETRY_ATTEMPTS="lots"),
    extract("GMP_RETRY_ATTEMPTS='1000' must be at most 20", GMP_RETRY_ATTEMPTS="1000"),
    extract("GMP_PAGE_CAP='0' must be at least 1", GMP_PAGE_CAP="0"),
    extract(
        "GMP_DETAILS_MAX_PER_DAY='-1' must be at least 0; e.g. GMP_DETAILS_MAX_PER_DAY=250",
        endpoint="game_details",
        GMP_DETAILS_MAX_PER_DAY="-1",
    ),
    extract("GMP_DETAILS_MAX_PER_DAY='1e3' is not a whole number", GMP_DETAILS_MAX_PER_DAY="1e3"),
    plan("GMP_DETAILS_MAX_PER_DAY='99999' must be at most 50000", GMP_DETAILS_MAX_PER_DAY="99999"),
    extract(
        "GMP_POPULAR_GAMES='0' must be at least 1; e.g. GMP_POPULAR_GAMES=500",
        endpoint="games_popular",
        GMP_POPULAR_GAMES="0",
    ),
    extract("GMP_RISING_GAMES='many' is not a whole number", GMP_RISING_GAMES="many"),
    plan("GMP_UPCOMING_GAMES='20000' must be at most 10000", GMP_UPCOMING_GAMES="20000"),
    extract("GMP_LEASE_SECONDS='0.5' must be at least 1", GMP_LEASE_SECONDS="0.5"),
    extract("GMP_LEASE_SECONDS='nan' is not a finite number", GMP_LEASE_SECONDS="nan"),
    extract(
        "GMP_RETRY_WAIT_INITIAL (5) is above GMP_RETRY_WAIT_MAX (0.5)", GMP_RETRY_WAIT_INITIAL="5"
    ),
    # Logs: an unknown value never falls back silently.
    extract("GMP_LOG_FORMAT='yaml' must be one of 'json' or 'text'", GMP_LOG_FORMAT="yaml"),
    extract("GMP_LOG_LEVEL='LOUD' must be one of", GMP_LOG_LEVEL="loud"),
    extract("GMP_DEBUG='maybe' is not a yes/no value", GMP_DEBUG="maybe"),
    # Dates and endpoints.
    extract(
        "' 2024-05-01' is not in YYYY-MM-DD form (e.g. 2024-05-01): remove the surrounding",
        day=" 2024-05-01",
    ),
    extract("'2024-05-01\\t' is not in YYYY-MM-DD form", day="2024-05-01\t"),
    extract("run date 2009-12-31 is before 2010-01-01", day="2009-12-31"),
    extract("'2024-02-30' is not a real calendar date", day="2024-02-30"),
    extract("unknown endpoint 'gamez'", endpoint="gamez"),
    plan("' 2024-05-01' is not in YYYY-MM-DD form", "--run-date", " 2024-05-01"),
    plan(
        "start date 2009-06-01 is before 2010-01-01", "--start", "2009-06-01", "--end", "2010-01-05"
    ),
    plan("RAWG_API_KEY is not set", RAWG_API_KEY=""),
    plan("GMP_PAGE_CAP='1e3' is not a whole number", GMP_PAGE_CAP="1e3"),
    plan(
        "RAWG_BASE_URL='ftp://rawg' is not an http:// or https:// URL", RAWG_BASE_URL="ftp://rawg"
    ),
    plan("unknown endpoint 'gamez'", "--run-date", RUN_DATE, "--endpoints", "games,gamez"),
    plan("GMP_LOG_FORMAT='xml' must be one of", GMP_LOG_FORMAT="xml"),
    transform("DBT_TARGET='staging' names no target", DBT_TARGET="staging"),
    transform("DBT_TARGET=prod needs SNOWFLAKE_ACCOUNT", DBT_TARGET="prod"),
    transform(
        "DUCKDB_PATH='/no/such/dir/wh.duckdb': its folder /no/such/dir does not exist",
        DUCKDB_PATH="/no/such/dir/wh.duckdb",
    ),
    transform("DBT_THREADS='many' is not a whole number", DBT_THREADS="many"),
    transform("LAKE_PREFIX='../x' has a '.' or '..' segment", LAKE_PREFIX="../x"),
    transform("LAKE_BUCKET is not set", LAKE_BUCKET=""),
    transform(
        "S3_ENDPOINT='s3.amazonaws.com' is not an http:// or https:// URL",
        S3_ENDPOINT="s3.amazonaws.com",
    ),
    transform("GMP_LOG_LEVEL='VERBOSE' must be one of", GMP_LOG_LEVEL="verbose"),
    transform("'2024-05-01 ' is not in YYYY-MM-DD form", day="2024-05-01 "),
    transform("no committed partition of any endpoint for run_date 2024-05-02", day="2024-05-02"),
    run("RAWG_API_KEY is not set (Secret game-market-pipeline-secrets", RAWG_API_KEY=""),
    run("LAKE_PREFIX='' is empty", LAKE_PREFIX=""),
    run("DBT_TARGET='staging' names no target", DBT_TARGET="staging"),
    run("GMP_LOG_FORMAT='yaml' must be one of", GMP_LOG_FORMAT="yaml"),
    run("LAKE_BUCKET='Bad_Bucket' is not an S3 bucket name", LAKE_BUCKET="Bad_Bucket"),
    run("GMP_CONCURRENCY='nan' is not a whole number", GMP_CONCURRENCY="nan"),
    run("GMP_MONTHLY_QUOTA='20k' is not a whole number", GMP_MONTHLY_QUOTA="20k"),
    run(
        "GMP_MONTHLY_QUOTA='0' must be at least 1",
        "backfill",
        "--start",
        RUN_DATE,
        "--end",
        "2024-05-02",
        GMP_MONTHLY_QUOTA="0",
    ),
    run(
        "S3_ENDPOINT='localhost' is not an http:// or https:// URL",
        "backfill",
        "--start",
        RUN_DATE,
        "--end",
        "2024-05-02",
        S3_ENDPOINT="localhost",
    ),
    run("failed at step validate", "run", "--run-date", " 2024-05-01", in_a_step=True),
    run(
        "failed at step dates",
        "backfill",
        "--start",
        "2009-12-30",
        "--end",
        "2010-01-02",
        in_a_step=True,
    ),
]


def test_the_table_is_large_and_reaches_every_command() -> None:
    commands = Counter(
        c.args[0] if c.args[0] != "--logs-dir-placeholder" else c.args[1] for c in CASES
    )
    assert len(CASES) >= 40
    assert {"extract", "plan", "transform", "run", "backfill"} <= set(commands)


def bucket_keys(gmp: Gmp) -> list[str]:
    paginator = gmp.client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
    return sorted(
        item["Key"]
        for page in paginator.paginate(Bucket=gmp.s3.bucket)
        for item in page.get("Contents", [])
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_setting_or_input_is_exit_2_in_one_line_before_anything_is_spent(
    gmp: Gmp, standin: StandinServer, s3: S3Credentials, tmp_path: Path, case: Case
) -> None:
    gmp.env["DUCKDB_PATH"] = str(tmp_path / "warehouse.duckdb")
    args = case.args
    if args[0] == "--logs-dir-placeholder":
        args = (*args[1:], "--logs", str(tmp_path / "logs"), "--backoff-scale", "0.01")
    before = bucket_keys(gmp)

    result = gmp(*args, timeout=300, **case.env)

    assert result.code == 2, result.stdout[-2000:] + result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("gmp: error:")]
    assert len(errors) == 1, result.stderr
    assert case.says in errors[0], errors[0]
    if not case.in_a_step:  # refused up front: that line is all there is
        assert result.stderr.strip().splitlines() == errors, result.stderr
    assert "unexpected error" not in result.stderr + result.stdout
    assert standin.requests == []  # no RAWG quota spent
    assert bucket_keys(gmp) == before  # nothing written anywhere in the lake
    assert not (tmp_path / "warehouse.duckdb").exists()  # no warehouse touched
    for secret in (CANARY_KEY, s3.secret_key, URL_PASSWORD, URL_KEY):
        assert secret not in result.stdout + result.stderr
