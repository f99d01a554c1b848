"""`gmp transform` starts dbt before its checks of the lake end (EarlyDbt): dbt's import overlaps
them. The command runs as the `dbt` script would; a refused build runs nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from warehouse.dbt import (
    DbtSettings,
    EarlyDbt,
    _interpreter,
    dbt_arguments,
    dbt_env,
    dbt_settings,
)


def settings_and_env(tmp_path: Path) -> tuple[DbtSettings, dict[str, str]]:
    env = {**os.environ, "LAKE_BUCKET": "early", "DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    settings = dbt_settings(env)
    return settings, dbt_env(env, settings)


def test_the_started_dbt_runs_the_command_it_is_sent(tmp_path: Path) -> None:
    settings, env = settings_and_env(tmp_path)
    dbt = EarlyDbt(settings, env)
    out = io.StringIO()
    code = dbt.run(["ls", "--resource-type", "model", "--output", "name", "--quiet"], out)
    assert code == 0, out.getvalue()[-2000:]
    assert "stg_rawg__games" in out.getvalue().split()
    dbt.cancel()  # after run: nothing left to end


def test_the_started_dbt_ends_with_the_exit_code_and_output_of_the_dbt_script(
    tmp_path: Path,
) -> None:
    settings, env = settings_and_env(tmp_path)
    args = ["run-operation", "no_such_macro"]
    script = subprocess.run(
        [settings.executable, *dbt_arguments(settings, args, io.StringIO())],
        env=env, cwd=settings.project_dir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    out = io.StringIO()
    code = EarlyDbt(settings, env).run(args, out)
    assert script.returncode != 0
    assert code == script.returncode
    assert "no_such_macro" in out.getvalue()
    assert out.getvalue().rstrip().splitlines()[-1] == script.stdout.rstrip().splitlines()[-1]


def test_a_cancelled_dbt_runs_nothing_and_ends_at_once(tmp_path: Path) -> None:
    settings, env = settings_and_env(tmp_path)
    dbt = EarlyDbt(settings, env)
    proc = dbt._proc
    assert proc is not None
    dbt.cancel()
    assert proc.returncode is not None
    assert not (tmp_path / "w.duckdb").exists()


def test_the_interpreter_is_the_one_the_dbt_script_names(tmp_path: Path) -> None:
    script = tmp_path / "dbt"
    script.write_text(f"#!{sys.executable}\nimport sys\n")
    assert _interpreter(str(script)) == sys.executable
    script.write_text("#!/usr/bin/env python3\n")  # not a file of its own: run dbt plainly
    assert _interpreter(str(script)) is None
    assert _interpreter(str(tmp_path / "missing")) is None
