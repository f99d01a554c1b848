"""Prod = dev: the same lake built on the Snowflake emulator gives the same mart rows as DuckDB.

Two days go through `gmp extract` into real SeaweedFS (game_details capped, so that the second
day fetches the first day's backlog), plus the market panels and the release calendar, landed
from the stand-in's catalogue (games only they list included). Dev: `gmp transform` per day
(DuckDB over httpfs). Prod path: per day, the raw load (COPY INTO from a file:// mirror of the
lake) and `dbt build` of the same models on the emulator target. Then every mart and report
dataset is compared table by table, row by row.

A second, smaller lake holds ties that only a NULL decides (a game listed twice on a day with
one item's `updated` null, a game's detail fetched twice with one `updated` null, taxonomy and
companies embedded twice on a day with one `games_count` null): Snowflake puts NULLs first in
`order by ... desc` and DuckDB last, so both engines pick the same rows only where the ordering
says where NULLs go.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.s3server import S3Credentials
from devstack.standin import StandinServer
from tests.conftest import Gmp
from tests.warehouse.dev_helpers import lake_gmp, land
from tests.warehouse.prod.emulator import EmulatorDbt, SnowflakeEmulator
from tests.warehouse.prod.test_prod_sql import MARTS, REPORTS

pytestmark = pytest.mark.slow

DAYS = ("2024-05-01", "2024-05-02")
ENDPOINTS = ("games", "genres", "platforms", "stores", "tags")
DETAILS_CAP = "60"  # of the stand-in's 95 games a day


def extract_all(gmp: Gmp) -> None:
    procs = [(e, d, gmp.popen("extract", e, "--run-date", d)) for d in DAYS for e in ENDPOINTS]
    for endpoint, day, proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"extract {endpoint} {day}: {err[-2000:]}"
    for day in DAYS:  # after `games`, day by day: a day's selection reads the days before
        result = gmp(
            "extract", "game_details", "--run-date", day, GMP_DETAILS_MAX_PER_DAY=DETAILS_CAP
        )
        assert result.code == 0, f"extract game_details {day}: {result.stderr[-2000:]}"


def land_panels(gmp: Gmp, catalogue: Catalogue) -> None:
    """games_popular (45: two pages), games_rising, games_upcoming and games_released of both
    days, items from the catalogue: some of the day's `games`, some games no other endpoint
    lists, panels overlapping, other games on day 2."""
    for n, day_text in enumerate(DAYS):
        day = dt.date.fromisoformat(day_text)
        updated = list(catalogue.game_ids_updated_on(day))
        ids = updated[:10] + [i for i in range(1, 300) if i not in updated][n * 5 : n * 5 + 60]
        listed = {
            "games_popular": ids[:45],
            "games_rising": ids[30:50],
            "games_upcoming": ids[50:55],
            "games_released": ids[55:60],
        }
        for endpoint, listed_ids in listed.items():
            land(gmp, endpoint, day_text, [catalogue.game(i, day) for i in listed_ids])


def transform_days(gmp: Gmp, tmp_path: Path, name: str, days: tuple[str, ...], **env: str) -> None:
    """`gmp transform --run-date` of each day, in order; each must succeed."""
    for day in days:
        result = gmp(
            "transform",
            "--run-date",
            day,
            timeout=600,
            **env,
            DBT_TARGET_PATH=str(tmp_path / f"{name}-target"),
            DBT_LOG_PATH=str(tmp_path / f"{name}-logs"),
        )
        assert result.code == 0, (
            "\n".join(line for line in result.stdout.splitlines() if "ERROR" in line)
            + result.stdout[-3000:]
            + result.stderr[-3000:]
        )


def normalise(value: Any) -> Any:
    """One spelling per value across DuckDB and Snowflake result types."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 6) + 0.0
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def rows_of(table: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    normalised = [tuple(normalise(v) for v in row) for row in table]
    return sorted(normalised, key=lambda row: [(v is None, str(type(v)), v) for v in row])


def test_marts_on_the_emulator_equal_the_duckdb_marts(
    tmp_path: Path,
    gmp: Gmp,
    standin: StandinServer,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    extract_all(gmp)
    land_panels(gmp, standin.catalogue)

    def transform_each_day(name: str, **env: str) -> None:
        transform_days(gmp, tmp_path, name, DAYS, **env)

    # Dev: DuckDB reading the lake, as a user runs it.
    duckdb_path = tmp_path / "dev.duckdb"
    transform_each_day("dev", DUCKDB_PATH=str(duckdb_path))

    # Prod path on the emulator, as a prod dbt pod runs it: `gmp transform` per day, which
    # loads the day's committed partitions into the raw tables, then builds.
    dbt = emulator_dbt(client=gmp.client, bucket=gmp.s3.bucket, prefix=gmp.prefix)
    dbt.mirror.refresh()
    transform_each_day("prod", **dbt.env, DBT_TARGET="emulator", GMP_RAW_STAGE_URL=dbt.mirror.url)
    loaded = snowflake_emulator.query(
        emulator_database, "select count(distinct run_date), count(*) from RAW.GAMES"
    )
    assert loaded[0][0] == len(DAYS) and loaded[0][1] > 0  # the transform loaded the raw pages
    details = snowflake_emulator.query(
        emulator_database,
        "select run_date::varchar, count(*), sum(array_size(page:results))"
        " from RAW.GAME_DETAILS group by 1 order by 1",
    )
    manifests = [gmp.manifest("game_details", day) or {} for day in DAYS]
    assert details == [
        (day, m["page_count"], m["record_count"]) for day, m in zip(DAYS, manifests, strict=True)
    ]
    panels = snowflake_emulator.query(
        emulator_database,
        "select run_date::varchar, count(*), sum(array_size(page:results))"
        " from RAW.GAMES_POPULAR group by 1 order by 1",
    )
    assert panels == [(day, 2, 45) for day in DAYS]  # the loader takes the panels too

    # The dbt unit tests (a day's build leaves them to CI) pass on Snowflake's SQL too.
    unit = dbt.ok("test", "--select", "test_type:unit", "--no-use-colors")
    assert re.search(r"Done\. PASS=(\d+) WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=\1\b", unit), unit[
        -3000:
    ]
    assert int(re.findall(r"PASS=(\d+)", unit)[-1]) >= 11

    with duckdb.connect(str(duckdb_path), read_only=True) as dev:
        for schema, expected in (("marts", MARTS), ("reports", REPORTS)):
            compare_schema(dev, snowflake_emulator, emulator_database, schema, expected)

    # The same report from both warehouses: `gmp report` reads DuckDB, or Snowflake via dbt's
    # profile; every chart's numbers agree.
    numbers = {}
    for name, env in (("dev", {"DUCKDB_PATH": str(duckdb_path)}), ("prod", dbt.env)):
        out = tmp_path / f"{name}-report"
        target = {"DBT_TARGET": "emulator"} if name == "prod" else {}
        result = gmp("report", "--run-date", DAYS[-1], "--out", str(out), **env, **target)
        assert result.code == 0, result.stderr[-3000:]
        numbers[name] = re.findall(r"<details>.*?</details>", (out / "index.html").read_text())
    assert len(numbers["dev"]) >= len(REPORTS)
    assert numbers["prod"] == numbers["dev"]


def compare_schema(
    dev: duckdb.DuckDBPyConnection,
    emulator: SnowflakeEmulator,
    database: str,
    schema: str,
    expected: set[str],
) -> None:
    """Every table and view of `schema` holds the same rows on both targets."""
    where = f"where table_schema = '{schema.upper()}'"
    dev_tables = {
        name
        for (name,) in dev.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }
    emulated = {
        name.lower()
        for (name,) in emulator.query(
            database,
            # The emulator lists views in information_schema.views only (Snowflake: in both).
            f"select table_name from information_schema.tables {where}"
            f" union select table_name from information_schema.views {where}",
        )
    }
    assert dev_tables >= expected
    assert emulated == dev_tables
    differing = {}  # every table that differs, not only the first
    for table in sorted(dev_tables):
        columns = [
            c
            for (c,) in dev.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
        ]
        select = ", ".join(columns)
        dev_rows = rows_of(dev.execute(f"select {select} from {schema}.{table}").fetchall())
        prod_rows = rows_of(emulator.query(database, f"select {select} from {schema}.{table}"))
        if table in expected:
            assert dev_rows, f"{schema}.{table} is empty on DuckDB: nothing compared"
        if len(prod_rows) != len(dev_rows):
            differing[table] = f"row counts differ: {len(dev_rows)} on DuckDB, {len(prod_rows)}"
            continue
        mismatched = [(d, p) for d, p in zip(dev_rows, prod_rows, strict=True) if d != p]
        if mismatched:
            differing[table] = f"first differing rows (DuckDB, emulator) {mismatched[:3]}"
    assert not differing, f"{schema}: " + "\n".join(f"{t}: {d}" for t, d in differing.items())


NULL_DAY = "2024-05-01"
Item = dict[str, Any]


def company(id_: int, name: str, games_count: int | None) -> Item:
    """A genre/tag/developer/publisher object as RAWG embeds it."""
    slug = name.lower().replace(" ", "-")
    return {"id": id_, "name": name, "slug": slug, "games_count": games_count,
            "image_background": f"https://media.example/{slug}.jpg"}  # fmt: skip


def embed_twice(first: Item, second: Item, counts: tuple[int | None, int | None]) -> None:
    """The same genre, tag, platform and store in two games of one day, one of them with a
    null games_count: which embed a dim keeps is decided by `games_count desc` alone."""
    for n, (item, count) in enumerate(zip((first, second), counts, strict=True)):
        label = "Null" if count is None else "Counted"
        item["genres"].append(company(90001, f"{label} Genre", count))
        item["tags"].append({**company(90002, f"{label} Tag", count), "language": "eng"})
        item["platforms"].append(
            {"platform": {**company(90003, f"{label} Platform", count), "image": None,
                          "year_start": None, "year_end": None},
             "released_at": None, "requirements_en": None, "requirements_ru": None}
        )  # fmt: skip
        item["stores"].append(
            {"id": 90100 + n, "store": {**company(90004, f"{label} Store", count),
                                        "domain": "store.example"}}
        )  # fmt: skip


def null_tie_lake(catalogue: Catalogue) -> dict[str, list[Item]]:
    """One day's partitions (endpoint -> items in listing order) whose dedups are decided by a
    NULL: each time, the row with the null comes later in the listing, so neither page nor
    position can hide a NULL that sorts first."""
    day = dt.date.fromisoformat(NULL_DAY)
    ids = list(catalogue.game_ids_updated_on(day))
    games = [catalogue.game(i, day) for i in ids]
    embed_twice(games[2], games[3], (7, None))
    # Listed twice on the day, the second time without `updated` (stg_rawg__games).
    relisted = {**catalogue.game(ids[0], day), "updated": None, "added": 1, "rating": 0.5}
    # Listed dated in /games and undated in a panel (int_game_observations).
    panel = [{**catalogue.game(ids[1], day), "updated": None, "added": 2}]
    details = []
    # The same developer and publisher in three details of the day, one with a null
    # games_count (dim_developers, dim_publishers).
    for game_id, count in zip(ids[:3], (11, None, 13), strict=True):
        body = json.loads(catalogue.game_detail_json(game_id, day) or "{}")
        label = "Null" if count is None else "Counted"
        body["developers"] = [company(90005, f"{label} Developer", count)]
        body["publishers"] = [company(90006, f"{label} Publisher", count)]
        details.append(body)
    # Fetched twice on the day, the second body without `updated` (stg_rawg__game_details).
    undated = {**details[0], "updated": None, "description_raw": "the undated body",
               "website": "https://undated.example"}  # fmt: skip
    return {
        "games": [*games, relisted],
        "games_popular": panel,
        "game_details": [*details, undated],
    }


def test_null_tie_breakers_pick_the_same_rows_on_both_engines(
    tmp_path: Path,
    s3: S3Credentials,
    s3_client: object,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> None:
    gmp = lake_gmp(s3, s3_client, "t/parity-null-ties/raw/rawg", "http://127.0.0.1:9")
    lake = null_tie_lake(Catalogue(CatalogueConfig(games_per_day=6)))
    for endpoint, items in lake.items():
        land(gmp, endpoint, NULL_DAY, items)

    duckdb_path = tmp_path / "dev.duckdb"
    transform_days(gmp, tmp_path, "dev", (NULL_DAY,), DUCKDB_PATH=str(duckdb_path))
    dbt = emulator_dbt(client=gmp.client, bucket=gmp.s3.bucket, prefix=gmp.prefix)
    dbt.mirror.refresh()
    transform_days(
        gmp, tmp_path, "prod", (NULL_DAY,),
        **dbt.env, DBT_TARGET="emulator", GMP_RAW_STAGE_URL=dbt.mirror.url,
    )  # fmt: skip

    with duckdb.connect(str(duckdb_path), read_only=True) as dev:
        # The dated row wins on DuckDB (the reference), whatever the emulator does.
        undated_game = lake["games"][-1]["id"]
        assert dev.execute(
            "select added, description_raw from marts.dim_games where game_id = ?", [undated_game]
        ).fetchall() == [(lake["games"][0]["added"], lake["game_details"][0]["description_raw"])]
        for dim, key in (("dim_genres", "genre_id"), ("dim_tags", "tag_id"),
                         ("dim_platforms", "platform_id"), ("dim_stores", "store_id")):  # fmt: skip
            names = dev.execute(f"select name, games_count from marts.{dim} where {key} > 90000")
            assert [row[1] for row in names.fetchall()] == [7], dim
        for dim in ("dim_developers", "dim_publishers"):
            counts = dev.execute(f"select games_count from marts.{dim}").fetchall()
            assert counts == [(13,)], dim
        # Both engines keep the same rows, mart by mart and report by report.
        for schema, expected in (("marts", set()), ("reports", set())):
            compare_schema(dev, snowflake_emulator, emulator_database, schema, expected)
