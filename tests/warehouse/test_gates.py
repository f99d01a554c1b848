"""No gate is dropped for speed: every rule in tests/warehouse/gates.txt runs in a day's build.

`gmp transform` runs `dbt build` without the unit tests (CI runs those: test_dev_warehouse.py,
test_snowflake_parity.py). This lists, with dbt itself, the data tests that exact selection
runs, reads every gate they enforce from dbt's manifest (tests/warehouse/gates.py), and
compares them with the inventory: a gate removed, loosened or added without the inventory
changing fails here. The inventory was written from the project's 230 one-rule tests before
they were folded into one `gates` test per model (dbt/tests/generic/gates.sql).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.gates import gates_test_gates, manifest_gates, single_test_gates
from warehouse.dbt import build_args, dbt_env, dbt_settings

INVENTORY = Path(__file__).with_name("gates.txt")


@pytest.fixture(scope="module")
def selected(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[str]]:
    """The manifest, and the unique_ids of the tests `gmp transform`'s build selects."""
    target = tmp_path_factory.mktemp("gates-dbt")
    env = {**os.environ, "LAKE_BUCKET": "gates", "DUCKDB_PATH": str(target / "w.duckdb")}
    settings = dbt_settings(env)
    env = {**dbt_env(env, settings), "DBT_TARGET_PATH": str(target / "target"),
           "DBT_LOG_PATH": str(target / "logs")}  # fmt: skip
    build = build_args()
    assert build[0] == "build"
    command = [settings.executable, "ls", *build[1:], "--resource-type", "test",
               "--output", "json", "--output-keys", "unique_id", "--quiet", "--write-json",
               "--project-dir", str(settings.project_dir),
               "--profiles-dir", str(settings.profiles_dir)]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = [json.loads(line)["unique_id"] for line in done.stdout.splitlines() if line.strip()]
    manifest = json.loads((target / "target" / "manifest.json").read_text())
    return manifest, ids


def test_the_days_build_runs_every_gate_of_the_inventory(
    selected: tuple[dict[str, Any], list[str]],
) -> None:
    manifest, ids = selected
    inventory = INVENTORY.read_text().splitlines()
    running = manifest_gates(manifest, ids)
    assert len(running) == len(set(running)), "a gate is enforced twice"
    missing = sorted(set(inventory) - set(running))
    added = sorted(set(running) - set(inventory))
    assert not missing, f"gates no longer run by `gmp transform`: {missing}"
    assert not added, f"new gates: add them to {INVENTORY.name}: {added}"
    assert len(running) == len(inventory) >= 230


def test_the_days_build_runs_every_data_test_and_no_unit_test(
    selected: tuple[dict[str, Any], list[str]],
) -> None:
    manifest, ids = selected
    data_tests = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    assert set(ids) == data_tests
    assert len(manifest["unit_tests"]) >= 11  # they run in CI: test_dev_warehouse.py


def test_a_gates_test_enforces_one_gate_per_rule() -> None:
    kwargs = {
        "not_null": ["game_id", "run_date"],
        "unique": ["game_id", ["run_date", "game_id"]],
        "accepted_values": {"title": ["meh", "skip"]},
        "relationships": {"game_id": "ref('dim_games')"},
        "at_least": {"rank": 1},
    }
    assert gates_test_gates("m", kwargs, "error") == [
        "m not_null game_id",
        "m not_null run_date",
        "m unique game_id",
        "m unique run_date,game_id",
        "m accepted_values title in [meh, skip]",
        "m relationships game_id -> dim_games.game_id",
        "m at_least rank >= 1",
    ]
    # The same rules as one-rule dbt tests read as the same gates.
    singles = [
        *single_test_gates("m", "not_null", {"column_name": "game_id"}, "error"),
        *single_test_gates(
            "m", "unique_combination", {"columns": ["run_date", "game_id"]}, "ERROR"
        ),
        *single_test_gates(
            "m",
            "relationships",
            {"column_name": "game_id", "to": "ref('dim_games')", "field": "game_id"},
            "error",
        ),
        *single_test_gates("m", "at_least", {"column_name": "rank", "minimum": 1}, "error"),
    ]
    assert set(singles) <= set(gates_test_gates("m", kwargs, "error"))
    # A rule dropped, or a test downgraded to a warning, is a different set of gates.
    fewer = {**kwargs, "not_null": ["game_id"]}
    assert set(gates_test_gates("m", fewer, "error")) < set(gates_test_gates("m", kwargs, "error"))
    assert gates_test_gates("m", {"not_null": ["a"]}, "warn") == ["m not_null a (warn)"]
