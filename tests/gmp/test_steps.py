"""The workflows' own steps (`gmp dates`, `gmp validate`), and `gmp backfill`'s range splitting."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gmp.commands.local import _ranges
from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode
from tests.conftest import GMP
from workflows import names


def gmp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GMP, *args], capture_output=True, text=True, timeout=60, check=False)


def test_dates_covers_at_most_366_days_and_says_how_to_split_more() -> None:
    ok = gmp("dates", "--start", "2023-01-01", "--end", "2024-01-01")
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)) == names.MAX_WORKFLOW_DAYS
    refused = gmp("dates", "--start", "2023-01-01", "--end", "2024-01-02")
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert line.startswith("gmp: error: range of 367 days")
    assert "gmp submit-backfill --start 2023-01-01 --end 2024-01-02" in line
    assert "gmp backfill" in line and "2 consecutive workflows" in line


@pytest.mark.parametrize("given", ["games,genres", " games , genres ", '["games","genres"]'])
def test_validate_prints_only_the_normalised_endpoint_list(given: str) -> None:
    # Argo's outputs.result is the main container's stdout with one trailing newline trimmed
    # (workflow/executor/executor.go `CaptureScriptResult`); withParam needs a JSON list there.
    proc = gmp("validate", "--run-date", "2024-05-01", "--endpoints", given)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '["games", "genres"]\n'


def test_dates_lists_each_day_with_its_per_day_endpoints_and_none_for_snapshots_only() -> None:
    # No lake here (LAKE_BUCKET unset): every day is to do. Each snapshot is taken once for the
    # range (`--snapshots`); no day of the per-day fan-out runs for snapshots alone.
    def items(endpoints: str) -> list[dict[str, str]]:
        return [{"run_date": f"2024-05-0{i}", "endpoints": endpoints} for i in (1, 2)]

    both = gmp("dates", "--start", "2024-05-01", "--end", "2024-05-02")
    per_day = [n for n in DEFAULT_ENDPOINTS if REGISTRY[n].mode is not Mode.SNAPSHOT]
    assert "games_released" in per_day and "games_popular" not in per_day
    assert json.loads(both.stdout) == items(",".join(per_day)), both.stderr
    mixed = ("dates", "--start", "2024-05-01", "--end", "2024-05-02", "--endpoints", "games,tags")
    assert json.loads(gmp(*mixed).stdout) == items("games")
    assert json.loads(gmp(*mixed, "--snapshots").stdout) == ["tags"]
    only = gmp(
        "dates", "--start", "2024-05-01", "--end", "2024-05-02", "--endpoints", "genres,tags"
    )
    assert only.returncode == 0 and only.stdout == "[]\n"
    bad = gmp("dates", "--start", "2024-05-01", "--end", "2024-05-02", "--endpoints", "gamez")
    assert bad.returncode == 2 and "unknown endpoint" in bad.stderr
    defaults = gmp("dates", "--start", "2024-05-01", "--end", "2024-05-01", "--snapshots")
    assert json.loads(defaults.stdout) == [
        n for n in DEFAULT_ENDPOINTS if REGISTRY[n].mode is Mode.SNAPSHOT
    ]
    assert {"tags", "games_popular", "games_rising", "games_upcoming"} <= set(
        json.loads(defaults.stdout)
    )


def test_validate_refuses_an_unknown_endpoint_with_exit_2() -> None:
    proc = gmp("validate", "--run-date", "2024-05-01", "--endpoints", "games,gamez")
    assert proc.returncode == 2 and proc.stdout == ""


def test_gmp_backfill_runs_a_long_range_as_consecutive_backfills() -> None:
    assert _ranges("2024-05-01", "2024-05-03") == [("2024-05-01", "2024-05-03")]
    assert _ranges("2022-01-01", "2024-01-01") == [
        ("2022-01-01", "2023-01-01"),
        ("2023-01-02", "2024-01-01"),
    ]
    # A bad range goes to the template as given: its `dates` step refuses it, as on Argo.
    assert _ranges("2024-05-05", "2024-05-01") == [("2024-05-05", "2024-05-01")]


def test_a_failed_step_leaves_its_error_line_as_the_termination_message(tmp_path: Path) -> None:
    """Kubernetes copies the file at terminationMessagePath (default /dev/termination-log) into
    the container's terminated message, which Argo puts in the node message (operator.go
    `inferFailedReason`, v4.0.9): the step writes its one error line there, if the file exists."""
    message = tmp_path / "termination-log"
    message.write_text("")
    env = {**os.environ, "GMP_TERMINATION_LOG": str(message)}
    bad = subprocess.run(
        [GMP, "validate", "--run-date", "2024-05-01", "--endpoints", "gamez"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert message.read_text() == bad.stderr.strip()
    assert message.read_text().startswith("gmp: error: unknown endpoint 'gamez'")
    # usage errors (click's own) too
    message.write_text("")
    subprocess.run([GMP, "dates", "--start", "2024-05-01"], env=env, check=False)
    assert message.read_text().startswith("gmp: error: Missing option '--end'")
    # outside a pod the file is absent: nothing is created
    absent = tmp_path / "absent"
    env["GMP_TERMINATION_LOG"] = str(absent)
    subprocess.run([GMP, "validate", "--run-date", "bad"], env=env, check=False)
    assert not absent.exists()
