"""The prod raw load (dbt/macros/raw_load/) run for real on the Snowflake emulator.

The lake is real (SeaweedFS, filled by `gmp extract` from the RAWG stand-in); the emulator's
stage is a file:// mirror of it, standing in for the s3:// stage of prod. What the emulator
cannot show (metadata$filename and metadata$start_scan_time in COPY, Snowflake's own abort of
a transaction on error) is said in docs/snowflake.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor.lake import Lake
from gmp.settings import LakeSettings
from tests.conftest import Gmp
from tests.warehouse.prod.emulator import EmulatorDbt, SnowflakeEmulator
from warehouse.raw_load import raw_partitions, sync_command

pytestmark = pytest.mark.slow

D1, D2, D3 = "2024-05-01", "2024-05-02", "2024-05-03"
TABLES = ("games", "_raw_loads")


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


def table_rows(emulator: SnowflakeEmulator, database: str, table: str) -> list[tuple]:
    """Every row and column of a raw table, as text, in a stable order (read from a new session)."""
    return sorted(
        tuple(map(str, row)) for row in emulator.query(database, f"select * from raw.{table}")
    )


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
    assert dbt.mirror is not None
    dbt.mirror.refresh()
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # What `gmp transform` asks for: every (endpoint, day), committed or not, from the lake.
    lake = Lake(LakeSettings(**gmp.env))  # type: ignore[arg-type]
    days = [dt.date.fromisoformat(d) for d in (D1, D2, D3)]
    partitions = raw_partitions(lake, days, ["games", "genres"])
    committed = {(p["endpoint"], p["run_date"]) for p in partitions if p["committed"]}
    assert committed == {("games", D1), ("games", D2), ("genres", D1)}
    out = dbt.ok(*sync_command(partitions))
    assert out.count("records loaded") == 3
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # loaded_at is UTC wall-clock time (sysdate() on the emulator), in the raw table and ledger.
    for table in ("games", "genres", "_raw_loads"):
        ((first, last),) = snowflake_emulator.query(
            emulator_database,
            f"select min(loaded_at), max(loaded_at) from raw.{table}",
        )
        slack = dt.timedelta(seconds=5)
        assert before - slack <= first <= last <= after + slack, (table, first, last)

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


def mirrored_pages(mirror: Path, endpoint: str, day: str) -> list[Path]:
    return sorted((mirror / endpoint / f"run_date={day}").glob("page-*.json"))


def test_a_load_that_fails_mid_way_leaves_raw_table_and_ledger_as_they_were(
    gmp: Gmp,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    assert gmp("extract", "games", "--run-date", D1).code == 0
    dbt = emulator_dbt(client=gmp.client, bucket=gmp.s3.bucket, prefix=gmp.prefix)
    assert dbt.mirror is not None
    dbt.mirror.refresh()
    sync(dbt, ("games", D1, True))
    loaded = {t: table_rows(snowflake_emulator, emulator_database, t) for t in TABLES}
    assert len(loaded["games"]) >= 2 and len(loaded["_raw_loads"]) == 1

    # A new commit of D1 whose last page cannot be loaded: the pages before it are already
    # copied, the day's old rows deleted and the ledger rewritten when it fails.
    assert gmp("extract", "games", "--run-date", D1).code == 0
    new_commit = lake_state(gmp, "games", D1)

    def missing(page: Path) -> str:
        page.unlink()
        return f"run_date={D1}/{page.name}"  # the COPY's error names the file

    def not_json(page: Path) -> str:
        page.write_bytes(b'{"count": 3, "results": [{"id": 1')
        return f"run_date={D1}/{page.name}"

    def one_record_short(page: Path) -> str:
        # Valid JSON that disagrees with the manifest (as if rewritten after the commit): the
        # COPY succeeds, the loader's own check finds the mismatch and rolls back.
        body = json.loads(page.read_bytes())
        body["results"] = body["results"][:-1]
        page.write_bytes(json.dumps(body).encode())
        return "rolled back"

    for breakage in (missing, not_json, one_record_short):
        dbt.mirror.refresh()
        pages = mirrored_pages(dbt.mirror.dest, "games", D1)
        assert len(pages) == new_commit[0] >= 2
        expected = breakage(pages[-1])
        failed = dbt(
            "run-operation",
            "sync_raw_partitions",
            "--args",
            json.dumps({"partitions": [{"endpoint": "games", "run_date": D1}]}),
        )
        what = breakage.__name__
        assert failed.code != 0, what
        assert expected in failed.output, (what, failed.output[-3000:])
        assert "records loaded" not in failed.output, what
        now = {t: table_rows(snowflake_emulator, emulator_database, t) for t in TABLES}
        assert now == loaded, f"last page {what}: the failed load changed the warehouse"

    # The lake intact again: the next load takes the new commit, whole.
    dbt.mirror.refresh()
    out = sync(dbt, ("games", D1, True))
    assert out.count("records loaded") == 1
    assert raw_state(snowflake_emulator, emulator_database, "games") == {D1: new_commit}
    manifest = gmp.manifest("games", D1)
    assert manifest is not None
    assert snowflake_emulator.query(
        emulator_database, "select finished_at, page_count from raw._raw_loads"
    ) == [(manifest["finished_at"], manifest["page_count"])]


def test_page_key_is_the_lake_key_whichever_form_metadata_filename_takes(
    tmp_path: Path,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    """The UPDATE the load runs after its COPY, on both forms of metadata$filename.

    The full form (documented: the full path, s3://bucket/prefix/...) cannot come out of the
    emulator's COPY, so it is written here; the form below the stage URL is what the loader's
    emulator path writes (and what test_load_is_exact_... checks end to end).
    """
    dbt = emulator_dbt(GMP_RAW_STAGE_URL=(tmp_path / "stage").as_uri() + "/")
    dbt.ok("run-operation", "raw_load_prepare", "--args", json.dumps({"endpoints": ["games"]}))
    key_dir = f"raw/rawg/games/run_date={D1}/"
    written = {
        f"s3://lake-bucket/raw/rawg/games/run_date={D1}/page-00001.json": D1,
        f"games/run_date={D1}/page-00002.json": D1,
        f"{key_dir}page-00003.json": D1,
        f"s3://lake-bucket/raw/rawg/games/run_date={D2}/page-00001.json": D2,
    }
    rows = " union all ".join(
        f"select to_date('{day}'), '{path}', parse_json('{{}}'), sysdate()"
        for path, day in written.items()
    )
    snowflake_emulator.query(emulator_database, f"insert into raw.games {rows}")
    dbt.ok(
        "run-operation",
        "raw_load_normalise_page_keys",
        "--args",
        json.dumps({"endpoint": "games", "run_date": D1, "key_dir": key_dir}),
    )
    keys = snowflake_emulator.query(
        emulator_database, "select run_date::varchar, page_key from raw.games order by 1, 2"
    )
    assert keys == [
        (D1, f"{key_dir}page-00001.json"),
        (D1, f"{key_dir}page-00002.json"),
        (D1, f"{key_dir}page-00003.json"),
        # Another day's rows are not touched.
        (D2, f"s3://lake-bucket/raw/rawg/games/run_date={D2}/page-00001.json"),
    ]
