"""The prod SQL parses as Snowflake SQL (sqlglot): the compiled models and tests, and the loader.

`dbt compile --target prod` needs a live account (incremental models ask whether their table
exists), so the models are compiled on the emulator target: the same SQL, since only the DDL
wrappers of macros/emulator/ differ there, and those are not in compiled model SQL. The loader's
prod-only statements (the s3:// stage with its storage integration, the COPY that reads
metadata$filename and metadata$start_scan_time) cannot run on the emulator, so they are rendered
and parsed here, with the session settings and the page_key UPDATE that go with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import sqlglot

from tests.warehouse.prod.emulator import EmulatorDbt

MARTS = {
    "dim_games",
    "dim_genres",
    "dim_platforms",
    "dim_stores",
    "dim_tags",
    "bridge_game_genres",
    "bridge_game_platforms",
    "bridge_game_stores",
    "bridge_game_tags",
    "bridge_game_developers",
    "bridge_game_publishers",
    "dim_developers",
    "dim_publishers",
    "fct_game_daily_snapshot",
    "fct_game_ratings",
    "fct_game_popularity_daily",
}
# The report's datasets (dbt/models/reports/, schema `reports`): views over the marts, every
# rpt_*.sql there (the report helper adds and retires them without touching this file).
REPORTS = {
    p.stem for p in (Path(__file__).resolve().parents[3] / "dbt/models/reports").glob("rpt_*.sql")
}
# DuckDB spellings that must never reach Snowflake (sqlglot parses any function name).
DUCKDB_ONLY = re.compile(
    r"\b(read_text|read_json\w*|json_extract\w*|unnest|glob|regexp_extract)\s*\("
    r"|with ordinality|::json\b",
    re.IGNORECASE,
)


def parse_snowflake(sql: str, where: str) -> list[sqlglot.Expr]:
    try:
        statements = sqlglot.parse(sql, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError as exc:
        raise AssertionError(f"{where} is not Snowflake SQL: {exc}") from None
    assert not DUCKDB_ONLY.search(sql), f"{where} uses DuckDB-only SQL: {DUCKDB_ONLY.search(sql)}"
    return [s for s in statements if s is not None]


def test_compiled_models_and_tests_parse_as_snowflake(
    tmp_path: Path, emulator_dbt: Callable[..., EmulatorDbt]
) -> None:
    dbt = emulator_dbt(LAKE_BUCKET="lake-bucket")
    dbt.ok("compile", "--vars", "{start_date: '2024-05-01', end_date: '2024-05-01'}")
    compiled = tmp_path / "target" / "compiled" / "game_market"
    files = sorted(compiled.rglob("*.sql"))
    models = {f.stem for f in files}
    wanted = MARTS | REPORTS
    assert models >= wanted, f"models missing from the compiled project: {wanted - models}"
    for file in files:
        for statement in parse_snowflake(file.read_text(), str(file.relative_to(compiled))):
            assert isinstance(statement, sqlglot.exp.Query), f"{file}: not a query"


LOADER_SQL = """
{{ raw_load_session_sql() | join(';\n') }};
{{ raw_load_stage_ddl() }};
{{ raw_load_table_ddl('games') }};
{{ raw_load_ledger_ddl() }};
{{ raw_load_copy_file_sql(raw_load_table('_load_games_20240501'), 'games', '2024-05-01',
                          '_manifest.json') }};
{{ raw_load_copy_pages_sql('games', '2024-05-01', ['page-00001.json', 'page-00002.json']) }};
{{ raw_load_normalise_page_keys_sql('games', '2024-05-01', 'raw/rawg/games/run_date=2024-05-01/') }}
"""


def test_loader_prod_statements_parse_as_snowflake(
    emulator_dbt: Callable[..., EmulatorDbt],
) -> None:
    dbt = emulator_dbt(
        LAKE_BUCKET="lake-bucket",
        LAKE_PREFIX="raw/rawg",
        SNOWFLAKE_STORAGE_INTEGRATION="GMP_LAKE_S3",
    )
    out = dbt.ok("--quiet", "compile", "--inline", LOADER_SQL)
    statements = parse_snowflake(out, "the loader's prod SQL")
    kinds = [type(s).__name__ for s in statements]
    assert kinds == ["Alter", "Alter", "Create", "Create", "Create", "Copy", "Copy", "Update"]
    session = " ".join(s.sql("snowflake").lower() for s in statements[:2])
    assert "transaction_abort_on_error = true" in session and "timezone = 'utc'" in session
    stage = statements[2].sql("snowflake")
    copy, update = statements[-2].sql("snowflake").lower(), statements[-1].sql("snowflake")
    assert "url='s3://lake-bucket/raw/rawg/'" in stage
    assert "storage_integration=GMP_LAKE_S3" in stage
    assert "metadata$filename" in copy
    assert "@" in copy and "/games/run_date=2024-05-01/" in copy
    # Load time: METADATA$START_SCAN_TIME in UTC; CURRENT_TIMESTAMP is not documented in COPY.
    assert "metadata$start_scan_time" in copy and "current_timestamp" not in copy
    assert "regexp_substr" not in copy  # only in the UPDATE: not a documented COPY function
    assert "'raw/rawg/games/run_date=2024-05-01/' || REGEXP_SUBSTR(page_key, '[^/]+$')" in update


def test_loader_refuses_an_s3_stage_without_a_storage_integration(
    emulator_dbt: Callable[..., EmulatorDbt],
) -> None:
    dbt = emulator_dbt(LAKE_BUCKET="lake-bucket")
    result = dbt("--quiet", "compile", "--inline", "{{ raw_load_stage_ddl() }}")
    assert result.code != 0
    assert "SNOWFLAKE_STORAGE_INTEGRATION is not set" in result.output
