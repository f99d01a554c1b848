"""The emulator harness itself: refused statements fail fast, and the dbt-snowflake overrides work.

The overrides (dbt/macros/emulator/) are checked on a tiny project of their own, so that what
they cover (temporary tables, MERGE, snapshots) runs whatever the game_market models use.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import snowflake.connector
import yaml

from tests.warehouse.prod.emulator import DBT, DBT_PROJECT, SnowflakeEmulator


def test_unsupported_statement_is_a_prompt_sql_error_and_the_session_survives(
    snowflake_emulator: SnowflakeEmulator, emulator_database: str
) -> None:
    with contextlib.closing(snowflake_emulator.connect(emulator_database, "PUBLIC")) as conn:
        cur = conn.cursor()
        cur.execute("create table t (page variant)")
        cur.execute("create stage s url = 'file:///nonexistent/'")
        started = time.monotonic()
        # fakesnow has no PATTERN in COPY: it answers HTTP 500, which the connector would retry.
        with pytest.raises(snowflake.connector.errors.ProgrammingError, match="cannot run"):
            cur.execute("copy into t from @s pattern = '.*[.]json' file_format = (type = json)")
        assert time.monotonic() - started < 10
        cur.execute("insert into t select parse_json('{\"a\": 1}')")
        assert cur.execute("select page:a::int from t").fetchall() == [(1,)]


PROJECT = """
name: overrides
version: "1.0"
config-version: 2
profile: overrides
macro-paths: ["macros"]
models:
  overrides:
    +materialized: incremental
    +unique_key: id
    +incremental_strategy: merge
    +tmp_relation_type: table
"""
MODEL = """
select id, 'v{{ var("round") }}' as version
from (select 1 as id union all select {{ var("round") }} + 1 as id)
"""
SNAPSHOT = """
snapshots:
  - name: snap
    relation: ref('items')
    config: {unique_key: id, strategy: check, check_cols: [version]}
"""


def test_overrides_make_merge_and_snapshots_run_on_the_emulator(
    tmp_path: Path, snowflake_emulator: SnowflakeEmulator, emulator_database: str
) -> None:
    project = tmp_path / "overrides"
    (project / "models").mkdir(parents=True)
    (project / "snapshots").mkdir()
    shutil.copytree(DBT_PROJECT / "macros" / "emulator", project / "macros")
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "models" / "items.sql").write_text(MODEL)
    (project / "snapshots" / "snap.yml").write_text(SNAPSHOT)
    # The committed profile's emulator target, under this project's profile name.
    profiles = yaml.safe_load((DBT_PROJECT / "profiles.yml").read_text())
    target = profiles["game_market"]["outputs"]["emulator"]
    (project / "profiles.yml").write_text(
        yaml.safe_dump({"overrides": {"target": "emulator", "outputs": {"emulator": target}}})
    )
    env = {
        **snowflake_emulator.env(emulator_database),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }

    def build(round_: int) -> None:
        proc = subprocess.run(
            [DBT, "build", "--vars", f"{{round: {round_}}}", "--profiles-dir", str(project)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout[-5000:]

    build(1)
    build(2)  # MERGE into the table, snapshot MERGE: each through an override

    rows = snowflake_emulator.query(
        emulator_database, "select id, version from analytics.items order by id"
    )
    assert rows == [(1, "v2"), (2, "v1"), (3, "v2")]
    history = snowflake_emulator.query(
        emulator_database,
        "select id, version, dbt_valid_to is null from analytics.snap order by id, version",
    )
    assert history == [(1, "v1", False), (1, "v2", True), (2, "v1", True), (3, "v2", True)]
    # What ran: transient tmp table, qualified MERGE values, no explicit transaction.
    ran = (project / "target" / "run" / "overrides" / "models" / "items.sql").read_text().lower()
    assert "merge into" in ran and "values (dbt_internal_source." in ran
    assert "begin;" not in ran
    snapshots = (project / "target" / "run" / "overrides" / "snapshots").rglob("*")
    snapped = " ".join(p.read_text().lower() for p in snapshots if p.is_file())
    assert "merge into" in snapped and "values (dbt_internal_source." in snapped
