"""The prod raw load (dbt/macros/raw_load/) run for real on the Snowflake emulator.

The lake is real (SeaweedFS, filled by `gmp extract` from the RAWG stand-in); the emulator's
stage is a file:// mirror of it, standing in for the s3:// stage of prod.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest

from extractor.lake import Lake
from gmp.settings import LakeSettings
from tests.conftest import Gmp
from tests.warehouse.prod.emulator import EmulatorDbt, SnowflakeEmulator
from warehouse.raw_load import raw_partitions, sync_command

pytestmark = pytest.mark.slow

D1, D2, D3 = "2024-05-01", "2024-05-02", "2024-05-03"


def sync(dbt: EmulatorDbt, *partitions: tuple[str, str, bool]) -> str:
    args = {
        "partitions": [{"endpoint": e, "run_date": d, "committed": c} for e, d, c in partitions]
    }
    return dbt.ok("run-operation", "sync_raw_partitions", "--args", json.dumps(args))


def raw_state(emulator: SnowflakeEmulator, database: str, endpoint: str) -> dict[str, tuple]:
    """run_date -> (pages, records, sorted page keys) as the raw table holds them."""
    rows = emulator.query(
        database,
        f"select run_date::varchar, count(*), sum(array_size(page:results)),"
        f" array_agg(page_key) within group (order by page_key)"
        f" from raw.{endpoint} group by 1 order by 1",
    )
    return {d: (n, records, tuple(json.loads(keys))) for d, n, records, keys in rows}


def lake_state(gmp: Gmp, endpoint: str, day: str) -> tuple:
    manifest = gmp.manifest(endpoint, day)
    assert manifest is not None
    keys = tuple(sorted(p["key"] for p in manifest["pages"]))
    return (manifest["page_count"], manifest["record_count"], keys)


def test_load_is_exact_idempotent_and_sees_only_commits(
    gmp: Gmp,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    for day in (D1, D2):
        assert gmp("extract", "games", "--run-date", day).code == 0
    assert gmp("extract", "genres", "--run-date", D1).code == 0
    # D3: pages in the partition but no manifest, as a crashed commit leaves it.
    d1_games = f"{gmp.prefix}/{gmp.partition('games', D1)}"
    for key in gmp.list_keys(gmp.partition("games", D1)):
        if key.endswith(".json") and "page-" in key:
            gmp.client.put_object(  # type: ignore[attr-defined]
                Bucket=gmp.s3.bucket,
                Key=key.replace(d1_games, d1_games.replace(D1, D3)),
                Body=gmp.read(key),
            )
    assert gmp.manifest("games", D3) is None

    dbt = emulator_dbt(client=gmp.client, bucket=gmp.s3.bucket, prefix=gmp.prefix)
    dbt.mirror.refresh()
    # What `gmp transform` asks for: every (endpoint, day), committed or not, from the lake.
    lake = Lake(LakeSettings(**gmp.env))  # type: ignore[arg-type]
    days = [dt.date.fromisoformat(d) for d in (D1, D2, D3)]
    partitions = raw_partitions(lake, days, ["games", "genres"])
    committed = {(p["endpoint"], p["run_date"]) for p in partitions if p["committed"]}
    assert committed == {("games", D1), ("games", D2), ("genres", D1)}
    out = dbt.ok(*sync_command(partitions))
    assert out.count("records loaded") == 3

    expected = {D1: lake_state(gmp, "games", D1), D2: lake_state(gmp, "games", D2)}
    assert raw_state(snowflake_emulator, emulator_database, "games") == expected
    assert raw_state(snowflake_emulator, emulator_database, "genres") == {
        D1: lake_state(gmp, "genres", D1)
    }
    # The whole page is there, byte-for-byte as JSON: compare one with the lake's body.
    first_key = expected[D1][2][0]
    (page,) = snowflake_emulator.query(
        emulator_database, f"select page from raw.games where page_key = '{first_key}'"
    )[0]
    assert json.loads(page) == json.loads(gmp.read(first_key))

    # Same commits again: skipped from the ledger, nothing duplicated.
    out = sync(dbt, ("games", D1, True), ("games", D2, True))
    assert out.count("unchanged since its last load, skipped") == 2
    # A new commit of D1 (re-extracted) replaces the day's rows instead of adding to them.
    assert gmp("extract", "games", "--run-date", D1).code == 0
    dbt.mirror.refresh()
    out = sync(dbt, ("games", D1, True), ("games", D2, True))
    assert out.count("records loaded") == 1 and "skipped" in out
    assert raw_state(snowflake_emulator, emulator_database, "games") == expected

    # Asked to load the uncommitted D3 by hand: refused, nothing loaded.
    refused = dbt(
        "run-operation",
        "load_raw_partition",
        "--args",
        json.dumps({"endpoint": "games", "run_date": D3}),
    )
    assert refused.code != 0
    assert D3 not in raw_state(snowflake_emulator, emulator_database, "games")

    # A partition that is no longer committed disappears from the raw table, as from DuckDB's view.
    sync(dbt, ("games", D2, False))
    assert set(raw_state(snowflake_emulator, emulator_database, "games")) == {D1}
    ledger = snowflake_emulator.query(
        emulator_database,
        "select endpoint, run_date::varchar, page_count, record_count"
        " from raw._raw_loads order by 1, 2",
    )
    assert ledger == [
        ("games", D1, expected[D1][0], expected[D1][1]),
        ("genres", D1, *lake_state(gmp, "genres", D1)[:2]),
    ]
