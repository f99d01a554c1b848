"""On the Snowflake path a build whose INSERT fails leaves the tables exactly as they were.

run_date_replace sends, per model, `alter session set transaction_abort_on_error = true;
begin; <one DELETE per rule>; insert ...; commit;` (dbt-snowflake otherwise autocommits each
statement). Two days of `games` and `genres`, landed in real SeaweedFS, are loaded and built on
the emulator with `gmp transform`, as a prod dbt pod runs it; day 2 is rebuilt with the
test-only hook GMP_TEST_FAIL_INSERT_INTO failing the INSERT of a history table, a latest-state
table and a bridge. Read from new sessions, the three equal their snapshot; the models dbt ran
after the first failure on the same (single-threaded) run succeeded, as each node has its own
session (`reuse_connections: false`); a later build without the hook succeeds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from devstack.s3server import S3Credentials
from tests.warehouse.dev_helpers import lake_gmp
from tests.warehouse.prod.emulator import EmulatorDbt, SnowflakeEmulator
from tests.warehouse.prod.test_prod_sql import parse_snowflake
from tests.warehouse.test_dev_atomic_build import DAYS, FAILING, land_two_days

pytestmark = pytest.mark.slow


def test_a_failed_insert_leaves_the_tables_as_they_were_and_later_nodes_run(
    tmp_path: Path,
    s3: S3Credentials,
    s3_client: object,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    prefix = "t/prod-atomic/raw/rawg"
    gmp = lake_gmp(s3, s3_client, prefix, "http://127.0.0.1:9")
    land_two_days(gmp)
    dbt = emulator_dbt(client=s3_client, bucket=s3.bucket, prefix=prefix)
    assert dbt.mirror is not None
    dbt.mirror.refresh()
    target, logs = tmp_path / "prod-target", tmp_path / "prod-logs"

    def transform(day: str, **env: str) -> Any:
        return gmp(
            "transform", "--run-date", day, timeout=600, **dbt.env, DBT_TARGET="emulator",
            GMP_RAW_STAGE_URL=dbt.mirror.url, DBT_TARGET_PATH=str(target),
            DBT_LOG_PATH=str(logs), **env,
        )  # fmt: skip

    def built(day: str) -> None:
        result = transform(day)
        assert result.code == 0, result.stdout[-4000:] + result.stderr[-2000:]

    def tables() -> dict[str, list[tuple[Any, ...]]]:
        """Each table's rows, sorted, each read through a new session."""
        return {
            t: sorted(
                snowflake_emulator.query(emulator_database, f"select * from MARTS.{t}"), key=repr
            )
            for t in FAILING
        }

    for day in DAYS:
        built(day)
    before = tables()
    for table, column in FAILING.items():
        count = snowflake_emulator.query(
            emulator_database, f"select count(*) from MARTS.{table} where {column} = '{DAYS[1]}'"
        )
        assert count[0][0], f"{table} has no row of {DAYS[1]}: the rebuild would delete nothing"

    (logs / "dbt.log").unlink(missing_ok=True)
    failed = transform(DAYS[1], GMP_TEST_FAIL_INSERT_INTO=",".join(FAILING), DBT_THREADS="1",
                       DBT_WRITE_JSON="true", DBT_LOG_LEVEL_FILE="debug")  # fmt: skip
    assert failed.code == 1, failed.stdout[-4000:]
    results = run_results(target)
    for table in FAILING:  # each failed at its INSERT (the forced cast), after its DELETEs ran
        status, message, _ = results[table]
        assert status == "error" and "GMP_TEST_FAIL_INSERT_INTO" in message, (table, message)
    assert tables() == before

    # One thread: the nodes dbt ran after the first failure ran in sessions of their own.
    first_failure = min(results[t][2][1] for t in FAILING)
    later = {n: r[0] for n, r in results.items() if n not in FAILING and r[2][0] > first_failure}
    assert later, "no model ran after the first failure: nothing shows sessions are not reused"
    assert set(later.values()) == {"success"}, later

    sent = statements_sent(logs / "dbt.log", "bridge_game_genres")
    assert_one_transaction(sent)

    built(DAYS[1])
    assert tables() == before  # the same lake rebuilt: the same rows


def run_results(target: Path) -> dict[str, tuple[str, str, tuple[str, str]]]:
    """model name -> (status, message, (started, completed)) of the last dbt run."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    out = {}
    for r in results:
        if r["unique_id"].startswith("model."):
            execute = [t for t in r["timing"] if t["name"] == "execute"] or r["timing"]
            span = (execute[0]["started_at"], execute[-1]["completed_at"]) if execute else ("", "")
            out[r["unique_id"].split(".")[-1]] = (r["status"], r.get("message") or "", span)
    return out


def statements_sent(log: Path, model: str) -> list[str]:
    """The SQL statements dbt's debug log shows it sent for `model`, in order."""
    text = log.read_text(errors="replace")
    marker = f"On model.game_market.{model}: "
    return [
        " ".join(chunk.split(marker, 1)[1].split())
        for chunk in re.split(r"\n(?=\S)", text)
        if marker in chunk
    ]


def assert_one_transaction(sent: list[str]) -> None:
    """`alter session ...; begin; delete...; insert (fails)`, no NOT IN / OR, Snowflake SQL."""
    lowered = [re.sub(r"/\*.*?\*/", "", s).strip().lower() for s in sent]
    begin = next(i for i, s in enumerate(lowered) if s.startswith("begin"))
    assert lowered[begin - 1].startswith("alter session set transaction_abort_on_error = true")
    dml = lowered[begin + 1 :]
    kinds = [s.split()[0] for s in dml]
    assert kinds[:4] == ["delete", "delete", "delete", "insert"], dml
    assert "where exists (" in dml[1] and "where not exists (" in dml[2]
    for statement in dml[:4]:
        assert " not in " not in statement and " or " not in statement, statement
        (parsed,) = parse_snowflake(statement, "a run_date_replace statement")
        assert isinstance(parsed, sqlglot.exp.Delete | sqlglot.exp.Insert), statement
