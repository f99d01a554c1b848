"""`make snowflake-smoke`: without settings one line and exit 0; on the emulator as the "account",
with a real two-day lake (SeaweedFS), the marts' row counts agree with DuckDB's, a difference
fails, and the scratch schemas are gone afterwards either way, no secret ever printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Gmp
from tests.warehouse.dev_helpers import MARTS, extract, extract_details
from tests.warehouse.prod.emulator import REPO, EmulatorDbt, SnowflakeEmulator

DAYS = ("2024-05-01", "2024-05-02")
PASSWORD = "smoke-pw-5e3c9a71d0"  # a canary: it must never show up in what the check prints
_COUNT_ROW = re.compile(r"^  ([a-z_]+) +(\d+|missing) +(\d+)(   <- differs)?$", re.M)


def smoke(
    env: dict[str, str], *args: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warehouse.smoke", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_without_settings_it_says_what_it_needs_and_exits_0() -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    # Through make, as a user types it (`-o setup`: the venv is there, never rebuilt here).
    proc = subprocess.run(
        ["make", "-s", "-o", "setup", "snowflake-smoke"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert "SNOWFLAKE_ACCOUNT" in lines[0] and "docs/snowflake.md" in lines[0]


def test_an_account_without_a_credential_is_refused_in_one_line() -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SNOWFLAKE_ACCOUNT": "xy12345",
        "SNOWFLAKE_USER": "gmp",
    }
    proc = smoke(env, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "credential" in proc.stderr, proc.stderr


@dataclass
class Account:
    """The emulator standing in for a Snowflake account, with a two-day lake in SeaweedFS."""

    gmp: Gmp
    mirror: Path  # what the emulator's file:// stage reads: a copy of the lake prefix
    env: dict[str, str]
    emulator: SnowflakeEmulator
    database: str

    def smoke(self) -> subprocess.CompletedProcess[str]:
        proc = smoke(self.env, "--dbt-target", "emulator")
        print(proc.stdout)  # shown by `pytest -rP`: what a user sees
        return proc

    def scratch_schemas(self) -> list[str]:
        rows = self.emulator.query(
            self.database, "select schema_name from information_schema.schemata"
        )
        return [name for (name,) in rows if name.startswith("GMP_SMOKE_")]

    def assert_clean(self, proc: subprocess.CompletedProcess[str]) -> None:
        """Nothing left in the account or on disk, no secret printed."""
        assert self.scratch_schemas() == []
        printed = proc.stdout + proc.stderr
        for secret in (PASSWORD, self.env["AWS_SECRET_ACCESS_KEY"]):
            assert secret not in printed
        assert list(Path(self.env["TMPDIR"]).iterdir()) == []  # DuckDB file, dbt's files


@pytest.fixture
def account(
    tmp_path: Path,
    gmp: Gmp,
    emulator_dbt: Callable[..., EmulatorDbt],
    snowflake_emulator: SnowflakeEmulator,
    emulator_database: str,
) -> Account:
    extract(gmp, DAYS)
    extract_details(gmp, DAYS, GMP_DETAILS_MAX_PER_DAY="30")
    dbt = emulator_dbt(client=gmp.client, bucket=gmp.s3.bucket, prefix=gmp.prefix)
    assert dbt.mirror is not None
    dbt.mirror.refresh()
    work = tmp_path / "tmp"
    work.mkdir()
    env = {
        **gmp.env,
        **dbt.env,
        "SNOWFLAKE_ACCOUNT": "emulator",  # the profile's `emulator` target ignores these three
        "SNOWFLAKE_USER": "fake",
        "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": PASSWORD,
        "GMP_RAW_STAGE_URL": dbt.mirror.url,  # the emulator reads a file:// mirror, not s3://
        "TMPDIR": str(work),
        "DBT_THREADS": "4",
    }
    return Account(gmp, dbt.mirror.dest, env, snowflake_emulator, emulator_database)


def test_the_marts_agree_with_duckdb_on_the_emulator_and_nothing_is_left(account: Account) -> None:
    proc = account.smoke()
    out = proc.stdout
    assert proc.returncode == 0, out[-6000:] + proc.stderr[-3000:]
    assert f"run_date {DAYS[-1]}" in out  # the latest day with a committed `games` partition
    # Each step said how long it took: DuckDB build, create, load, Snowflake build, count, drop.
    assert len(re.findall(r"^  done in \d+\.\d s$", out, re.M)) == 6, out
    assert re.search(r"^- load 6 committed partitions of 2024-05-02: ", out, re.M), out
    counts = {name: (prod, dev) for name, prod, dev, _ in _COUNT_ROW.findall(out)}
    assert set(counts) == set(MARTS), out
    assert all(prod == dev for prod, dev in counts.values()), out
    for mart in ("dim_games", "bridge_game_genres", "fct_game_daily_snapshot", "dim_developers"):
        assert int(counts[mart][1]) > 0, f"{mart} is empty: nothing was compared"
    assert "OK: every mart has the same row count on both" in out
    account.assert_clean(proc)


def test_a_count_that_differs_fails_and_still_drops_the_schemas(account: Account) -> None:
    # What Snowflake reads lacks one game of the day (its manifest agreeing): DuckDB reads the lake.
    day = account.mirror / account.gmp.partition("games", DAYS[-1])
    manifest = json.loads((day / "_manifest.json").read_text())
    first = manifest["pages"][0]
    page_file = day / first["key"].rsplit("/", 1)[-1]
    page = json.loads(page_file.read_text())
    page["results"] = page["results"][1:]
    page_file.write_text(json.dumps(page))
    first["records"] -= 1
    manifest["record_count"] -= 1
    (day / "_manifest.json").write_text(json.dumps(manifest))

    proc = account.smoke()
    out = proc.stdout
    assert proc.returncode == 1, out[-6000:] + proc.stderr[-3000:]
    differ = {name for name, _, _, flag in _COUNT_ROW.findall(out) if flag}
    assert {"dim_games", "fct_game_daily_snapshot"} <= differ, out
    assert re.search(r"^snowflake-smoke: FAILED: \d+ marts differ: .*dim_games", out, re.M)
    assert re.search(
        r"^- drop \S+\.GMP_SMOKE_\d+_\d+, \S+\.GMP_SMOKE_\d+_\d+_RAW\n  done in", out, re.M
    )
    account.assert_clean(proc)


def test_ctrl_c_during_the_snowflake_build_still_drops_the_schemas(account: Account) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "warehouse.smoke", "--dbt-target", "emulator"],
        cwd=REPO,
        env=account.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("- gmp transform") and "on Snowflake" in line:
            break
    scratch = re.findall(r"scratch schemas (GMP_SMOKE_\d+_\d+),", seen[0])[0]
    built = f"select count(*) from information_schema.tables where table_schema = '{scratch}'"
    deadline = time.monotonic() + 240
    while account.emulator.query(account.database, built)[0][0] == 0:  # dbt is building
        assert time.monotonic() < deadline and proc.poll() is None, "no model was built"
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends (to make and to the check)
    rest, err = proc.communicate(timeout=300)
    out = "".join(seen) + rest
    print(out)
    assert proc.returncode == 130, out[-6000:] + err[-3000:]
    assert "snowflake-smoke: interrupted" in out
    assert re.search(
        r"^- drop \S+\.GMP_SMOKE_\d+_\d+, \S+\.GMP_SMOKE_\d+_\d+_RAW\n  done in", out, re.M
    )
    account.assert_clean(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
