"""The prod SQL parses as Snowflake SQL (sqlglot): the compiled models and tests, and the loader.

`dbt compile --target prod` needs a live account (incremental models ask whether their table
exists), so the models are compiled on the emulator target: the same SQL, since only the DDL
wrappers of macros/emulator/ differ there, and those are not in compiled model SQL. The loader's
prod-only statements (the s3:// stage with its storage integration, the COPY that reads
metadata$filename) cannot run on the emulator, so they are rendered and parsed here.
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
{{ raw_load_stage_ddl() }};
{{ raw_load_table_ddl('games') }};
{{ raw_load_ledger_ddl() }};
{{ raw_load_copy_file_sql(raw_load_table('_load_games_20240501'), 'games', '2024-05-01',
                          '_manifest.json') }};
{{ raw_load_copy_pages_sql('games', '2024-05-01', ['page-00001.json', 'page-00002.json'],
                           'raw/rawg/') }}
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
    assert kinds == ["Create", "Create", "Create", "Copy", "Copy"]
    stage, copy = statements[0].sql("snowflake"), statements[-1].sql("snowflake")
    assert "url='s3://lake-bucket/raw/rawg/'" in stage
    assert "storage_integration=GMP_LAKE_S3" in stage
    assert "metadata$filename" in copy
    assert "@" in copy and "/games/run_date=2024-05-01/" in copy


def test_loader_refuses_an_s3_stage_without_a_storage_integration(
    emulator_dbt: Callable[..., EmulatorDbt],
) -> None:
    dbt = emulator_dbt(LAKE_BUCKET="lake-bucket")
    result = dbt("--quiet", "compile", "--inline", "{{ raw_load_stage_ddl() }}")
    assert result.code != 0
    assert "SNOWFLAKE_STORAGE_INTEGRATION is not set" in result.output
