"""Each image installs one role extra: `gmp` imports only what the command run needs.

The real `gmp` runs in a subprocess whose imports of other roles' packages are refused, as if they
were not installed: a `sitecustomize.py` on PYTHONPATH puts a finder first on `sys.meta_path`
that raises ModuleNotFoundError for them (what `import` raises for a missing package) and notes
every attempt, so an import swallowed by a `try` still shows; `importlib.util.find_spec` answers
None for them, as for a missing package (python-json-logger probes for orjson that way).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gmp.roles import ROLE_MODULES
from tests.conftest import GMP, RUN_DATE, Gmp

SITECUSTOMIZE = """
import importlib.util
import os
import sys

BLOCKED = set(os.environ["GMP_TEST_BLOCK"].split(","))
LOG = os.environ["GMP_TEST_BLOCK_LOG"]


class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            with open(LOG, "a") as log:
                log.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None


def find_spec(name, package=None, _find_spec=importlib.util.find_spec):
    if name.partition(".")[0] in BLOCKED:
        return None
    return _find_spec(name, package)


sys.meta_path.insert(0, Refuse())
importlib.util.find_spec = find_spec
"""

# What no command of the extractor image may import: the other roles, the dev stack.
NOT_EXTRACT = ("dbt", "duckdb", "duckdb_extension_httpfs", "hera", "kubernetes", "yaml", "devstack")
NOT_TRANSFORM = ("hera", "kubernetes", "devstack", "httpx", "orjson", "stamina")
NOT_BASE = tuple(sorted({m for mods in ROLE_MODULES.values() for m in mods} | {"botocore"}))


class Blocked:
    """The env that refuses some modules, and what the process tried to import of them."""

    def __init__(self, tmp_path: Path, modules: tuple[str, ...]) -> None:
        site = tmp_path / "block"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.log = tmp_path / "blocked.log"
        self.env = {
            "PYTHONPATH": str(site),
            "GMP_TEST_BLOCK": ",".join(modules),
            "GMP_TEST_BLOCK_LOG": str(self.log),
        }

    def tried(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []


def bare_gmp(blocked: Blocked, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GMP, *args],
        env={"PATH": "/usr/bin:/bin", **blocked.env, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_blocker_blocks(tmp_path: Path) -> None:
    # Not vacuous: a refused module really fails to import in the child.
    blocked = Blocked(tmp_path, ("yaml",))
    proc = subprocess.run(
        [str(Path(GMP).with_name("python")), "-c", "import yaml"],
        env={**blocked.env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "No module named 'yaml' (blocked)" in proc.stderr
    assert blocked.tried() == ["yaml"]


def test_help_imports_no_role_package(tmp_path: Path) -> None:
    blocked = Blocked(tmp_path, NOT_BASE)
    proc = bare_gmp(blocked, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "extract" in proc.stdout and "render" in proc.stdout
    assert blocked.tried() == []


def test_extract_plan_status_validate_dates_outcome_drift_need_only_the_extract_role(
    gmp: Gmp, tmp_path: Path
) -> None:
    blocked = Blocked(tmp_path, NOT_EXTRACT)
    result = gmp("extract", "games", "--run-date", RUN_DATE, **blocked.env)
    assert result.code == 0, result.stderr
    assert result.json()["records"] > 0
    manifest = gmp.manifest("games")
    assert manifest is not None and manifest["record_count"] == result.json()["records"]
    status = gmp("status", "--run-date", RUN_DATE, "--endpoints", "games", **blocked.env)
    assert status.code == 0, status.stderr
    plan = gmp("plan", "--run-date", RUN_DATE, "--endpoints", "genres", "--json", **blocked.env)
    assert plan.code == 0 and plan.json()["total_requests"] > 0, plan.stderr
    validate = gmp("validate", "--run-date", RUN_DATE, "--endpoints", "games,tags", **blocked.env)
    assert (validate.code, validate.stdout) == (0, '["games", "tags"]\n'), validate.stderr
    dates = gmp(
        "dates", "--start", "2024-05-01", "--end", "2024-05-02", "--endpoints",
        "games,game_details", **blocked.env,
    )  # fmt: skip
    assert dates.code == 0, dates.stderr
    # The extract above committed 2024-05-01's games: that day lacks only its details.
    assert json.loads(dates.stdout) == [
        {"run_date": "2024-05-01", "endpoints": "game_details"},
        {"run_date": "2024-05-02", "endpoints": "games,game_details"},
    ]
    failures = '[{"displayName":"extract(0:games)","message":"boom","templateName":"extract"}]'
    outcome = gmp(
        "outcome", "--workflow", "w", "--status", "Failed", "--failures", failures, **blocked.env
    )
    assert outcome.code == 0 and '"status": "Failed"' in outcome.stdout, outcome.stderr
    drift = gmp("drift", "--run-date", RUN_DATE, "--endpoint", "games", "--json", **blocked.env)
    assert drift.code == 0 and drift.json()["summary"] == "drift: none", drift.stderr
    with_drift = gmp(
        "outcome", "--workflow", "w", "--status", "Succeeded", "--drift-run-date", RUN_DATE,
        **blocked.env,
    )  # fmt: skip
    assert with_drift.code == 0 and with_drift.json()["drift"] == "drift: none", with_drift.stderr
    assert blocked.tried() == []


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["render"], "render"),
        (["run", "--run-date", RUN_DATE], "run"),
        (["backfill", "--start", RUN_DATE, "--end", RUN_DATE], "backfill"),
        (["submit", "--run-date", RUN_DATE], "submit"),
        (["submit-backfill", "--start", RUN_DATE, "--end", RUN_DATE], "submit-backfill"),
    ],
)
def test_orchestration_commands_without_their_role_say_how_to_install_it(
    tmp_path: Path, args: list[str], command: str
) -> None:
    proc = bare_gmp(Blocked(tmp_path, ("hera",)), *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"gmp: error: gmp {command} needs the orchestrate extra, which is not installed: "
        "pip install 'game-market-pipeline[orchestrate]' (or `make setup` in a checkout)"
    ]


def test_extract_without_its_role_says_how_to_install_it(tmp_path: Path) -> None:
    proc = bare_gmp(Blocked(tmp_path, ("httpx",)), "extract", "games", "--run-date", RUN_DATE)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "gmp: error: gmp extract needs the extract extra, which is not installed: "
        "pip install 'game-market-pipeline[extract]' (or `make setup` in a checkout)"
    ]


def test_transform_needs_only_the_transform_role(gmp: Gmp, tmp_path: Path) -> None:
    # Past every import and setting check up to the lake: exit 2 because that prefix holds no
    # committed partition, not an ImportError.
    blocked = Blocked(tmp_path, NOT_TRANSFORM)
    result = gmp(
        "transform", "--run-date", RUN_DATE, DUCKDB_PATH=str(tmp_path / "wh.duckdb"), **blocked.env
    )
    assert result.code == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("gmp: error: ") and "committed" in line, result.stderr
    assert "Error" not in result.stderr
    # The dbt run itself (warehouse.dbt.run_dbt's imports) loads in that interpreter too.
    python = str(Path(GMP).with_name("python"))
    code = "import warehouse.dbt, warehouse.raw_load, workflows.runner.children"
    proc = subprocess.run(
        [python, "-c", code], env=blocked.env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    # Only dbt tried one: gmp starts dbt before checking the lake (warehouse.dbt.EarlyDbt), and
    # dbt's import tries mashumaro's optional orjson mixin, falling back to json without it.
    assert set(blocked.tried()) <= {"orjson"}


def test_the_local_runner_names_the_first_role_it_lacks(tmp_path: Path) -> None:
    # `gmp run` checks every step's settings first and runs `gmp extract` / `gmp transform`.
    proc = bare_gmp(Blocked(tmp_path, ("duckdb",)), "run", "--run-date", RUN_DATE)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "gmp: error: gmp run needs the transform extra, which is not installed: "
        "pip install 'game-market-pipeline[transform]' (or `make setup` in a checkout)"
    ]
