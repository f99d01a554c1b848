"""The lake layout is spelled twice, once per language: extractor/layout.py for Python (what
`gmp extract` writes and `gmp status` / `gmp transform` look for) and dbt/macros/lake/
lake_layout.sql for dbt (what the models read and the Snowflake loader copies). Here the real
dbt renders its macros on the dev target, and DuckDB runs the run_date pattern, for the same
endpoints and days as the Python side; both must name the same keys. Then dbt reads a lake that
`gmp extract` wrote (SeaweedFS): exactly the committed pages, under both listing strategies.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from extractor import layout
from extractor.lake import Lake
from gmp.endpoints import PAGE_SIZE
from gmp.settings import LakeSettings
from tests.conftest import Gmp
from warehouse.dbt import DEFAULT_PROJECT_DIR, httpfs_extension

pytestmark = pytest.mark.slow

BUCKET = "game-market-lake"
CASES = [  # endpoint, run_date, page number
    ("games", dt.date(2024, 5, 1), 1),
    ("genres", dt.date(2023, 12, 31), 42),
    ("platforms", dt.date(2024, 2, 29), 250),
]


def dbt_rows(sql: str, tmp_path: Path, *args: str, **env: str) -> list[dict[str, Any]]:
    """The rows of `dbt show --inline sql` on the dev (DuckDB) target."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    tmp_path.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [dbt, "--quiet", "show", "--target", "dev", "--output", "json", "--limit", "-1",
         "--project-dir", str(DEFAULT_PROJECT_DIR), "--profiles-dir", str(DEFAULT_PROJECT_DIR),
         *args, "--inline", sql],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "DUCKDB_HTTPFS_EXTENSION": httpfs_extension(),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    rows: list[dict[str, Any]] = json.loads(proc.stdout)["show"]
    return rows


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dbt_case_sql(endpoint: str, day: str, number: int, python_page_url: str) -> str:
    """One row of what dbt's layout macros say about (endpoint, day, page), plus the run_date
    and page number that dbt's patterns (partition_run_date, lake_page_number, run by DuckDB)
    read from the key Python wrote, and the page size dbt ranks panel items by."""
    e, d = f"'{endpoint}'", f"'{day}'"
    return f"""
        select
            '{{{{ lake_partition_key({e}, {d}) }}}}' as partition_key,
            '{{{{ lake_manifest_key({e}, {d}) }}}}' as manifest_key,
            '{{{{ lake_page_key({e}, {d}, {number}) }}}}' as page_key,
            '{{{{ lake_url(lake_manifest_key({e}, '*')) }}}}' as manifest_glob,
            '{{{{ raw_load_stage_url() }}}}' as stage_url,
            '{{{{ raw_load_partition_path({e}, {d}) }}}}' as stage_path,
            '{{{{ raw_load_stage() }}}}' as stage,
            {{{{ partition_run_date("{literal(python_page_url)}") }}}} as run_date,
            {{{{ lake_page_number("{literal(python_page_url)}") }}}} as page_number,
            {{{{ var('rawg_page_size') }}}} as page_size
    """


@pytest.mark.parametrize("prefix", ["raw/rawg", "acme/game-market/raw"])
def test_dbt_and_python_spell_the_same_lake_keys(prefix: str, tmp_path: Path) -> None:
    lake = Lake(LakeSettings(LAKE_BUCKET=BUCKET, LAKE_PREFIX=prefix))
    python = [
        {
            "partition_key": lake.partition_prefix(endpoint, day),
            "manifest_key": lake.manifest_key(endpoint, day),
            "page_key": layout.page_key(lake.prefix, endpoint, day, number),
        }
        for endpoint, day, number in CASES
    ]
    sql = " union all ".join(
        dbt_case_sql(endpoint, day.isoformat(), number, f"s3://{BUCKET}/{keys['page_key']}")
        for (endpoint, day, number), keys in zip(CASES, python, strict=True)
    )
    rendered = dbt_rows(sql, tmp_path, LAKE_BUCKET=BUCKET, LAKE_PREFIX=prefix)
    assert len(rendered) == len(CASES)

    for (endpoint, day, number), keys, dbt in zip(CASES, python, rendered, strict=True):
        # The keys themselves: partition folder, manifest, page.
        assert {k: dbt[k] for k in keys} == keys
        # DuckDB lists manifests with this glob (lake_freshness, committed_page_files): it
        # matches the manifest Python commits, and no staged copy under _incoming/.
        assert fnmatch.fnmatchcase(f"s3://{BUCKET}/{keys['manifest_key']}", dbt["manifest_glob"])
        staged = lake.incoming_prefix(endpoint, day) + "run-1/" + layout.MANIFEST
        assert not fnmatch.fnmatchcase(f"s3://{BUCKET}/{staged}", dbt["manifest_glob"])
        # Snowflake's stage over the lake prefix plus the loader's path is the same partition.
        below_stage = dbt["stage_path"].removeprefix("@" + dbt["stage"] + "/")
        assert dbt["stage_url"] + below_stage == f"s3://{BUCKET}/{keys['partition_key']}"
        # dbt reads the run_date and the page number back from the key Python writes, and
        # ranks a panel's items by the page size the extractor asks for.
        assert dbt["run_date"] == day.isoformat()
        assert dbt["page_number"] == number
        assert dbt["page_size"] == PAGE_SIZE

    if prefix == "raw/rawg":  # the contract, written out once: neither side may drift alone
        assert python[0] == {
            "partition_key": "raw/rawg/games/run_date=2024-05-01/",
            "manifest_key": "raw/rawg/games/run_date=2024-05-01/_manifest.json",
            "page_key": "raw/rawg/games/run_date=2024-05-01/page-00001.json",
        }
        assert (
            lake.incoming_prefix("games", CASES[0][1])
            == "raw/rawg/_incoming/games/run_date=2024-05-01/"
        )


def test_dbt_reads_exactly_the_pages_python_committed(gmp: Gmp, tmp_path: Path) -> None:
    days = ["2024-05-01", "2024-05-02"]  # built, with 2024-05-03 (nothing committed)
    for day in ["2024-04-30", *days]:  # 2024-04-30: committed, outside the built range
        result = gmp("extract", "genres", "--run-date", day)
        assert result.code == 0, result.stderr[-2000:]
    committed = sorted(
        (day, key)
        for day in days
        for key in gmp.list_keys(gmp.partition("genres", day))
        if layout.PAGE_RE.fullmatch(key.split("/")[-1])
    )
    assert committed, "the extract wrote no pages"
    # A page of a day with no manifest, and a staged copy of a committed day: both invisible.
    for key in (
        layout.page_key(gmp.prefix, "genres", "2024-05-03", 1),
        layout.incoming_prefix(gmp.prefix, "genres", days[0]) + "run-1/" + layout.page_name(1),
    ):
        gmp.client.put_object(Bucket=gmp.s3.bucket, Key=key, Body=b'{"results": []}')  # type: ignore[attr-defined]

    sql = "select run_date, page_key from {{ raw_pages('genres') }} order by run_date, page_key"
    for max_days in (31, 0):  # one listing per day; one listing of the endpoint
        rows = dbt_rows(
            sql,
            tmp_path / str(max_days),
            "--vars",
            json.dumps(
                {"start_date": days[0], "end_date": "2024-05-03", "lake_listing_max_days": max_days}
            ),
            **gmp.s3.env(),
            LAKE_PREFIX=gmp.prefix,
        )
        assert [(r["run_date"], r["page_key"]) for r in rows] == committed, max_days


def test_dbt_panel_sizes_default_to_the_extractor_settings() -> None:
    """fct_game_popularity_daily ranks the first N games of a panel; unset, its N must be the
    N the extractor took (gmp/settings.py's defaults), or the mart would cut or pad the panel."""
    import yaml

    from gmp.endpoints import REGISTRY
    from gmp.settings import RawgSettings

    project = yaml.safe_load((DEFAULT_PROJECT_DIR / "dbt_project.yml").read_text())
    fields = {f.alias: f.default for f in RawgSettings.model_fields.values() if f.alias}
    settings = {e.size_setting for e in REGISTRY.values() if e.size_setting}
    assert project["vars"]["panel_sizes"] == {name: fields[name] for name in settings}
