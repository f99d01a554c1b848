"""A chaos run: `gmp backfill` under RAWG faults, killed with SIGKILL five times and resumed.

A fault-free backfill first (its own lake prefix and warehouse), timed; then the same backfill
under 5xx, bursts of 429 and hangs spread over its requests, its runner and every step process
killed at once at five seeded moments spread over the fault-free run's duration, started again
after each kill. What a user must find at the end: the run succeeded, the lake's page bodies and
the marts equal the fault-free run's, and RAWG was asked nothing the fault-free run did not ask
and nothing again about a partition already committed (a re-run of a complete range asking
nothing at all is test_resume_e2e.py's). bench/bench_chaos.py is the 30-day version.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from devstack.chaos import ChaosRun, kill_moments, spread_faults
from devstack.chaos_check import (
    FAULTED,
    FIRST,
    GUARD,
    REDONE,
    REFETCHED,
    LakeView,
    classify,
    detail_days,
    mart_differences,
    request_key,
)  # fmt: skip
from devstack.s3server import S3Credentials
from devstack.standin import StandinServer
from tests.conftest import CANARY_KEY, GMP

START, END = "2024-05-01", "2024-05-03"
ARGV = [
    GMP, "backfill", "--start", START, "--end", END, "--endpoints", "games,game_details,genres",
    "--parallelism", "1", "--backoff-scale", "0.01",
]  # fmt: skip
SEED = 20
KILLS = 5
READ_TIMEOUT = 2


def env_for(standin: StandinServer, s3: S3Credentials, tmp: Path, name: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "RAWG_API_KEY": CANARY_KEY,
        "RAWG_BASE_URL": standin.url,
        **s3.env(),
        "LAKE_PREFIX": f"t/chaos-{os.getpid()}-{name}/raw/rawg",
        "DUCKDB_PATH": str(tmp / f"{name}.duckdb"),
        "DBT_TARGET": "dev",
        "GMP_DETAILS_MAX_PER_DAY": "15",  # under a day's 30 games: a backlog carried day to day
        "GMP_MAX_RPS": "0",
        "GMP_READ_TIMEOUT": str(READ_TIMEOUT),
        "GMP_RETRY_WAIT_INITIAL": "0.05",
        "GMP_RETRY_WAIT_MAX": "0.5",
        "GMP_LEASE_SECONDS": "10",  # a commit cut by a kill is taken over 10 s later, not 30
    }


def test_a_backfill_killed_five_times_under_rawg_faults_ends_as_a_fault_free_one(
    s3: S3Credentials, standin_factory: Callable[..., StandinServer], tmp_path: Path
) -> None:
    standin = standin_factory(30, catalogue_size=1_000)
    standin.api.today = date(2024, 7, 1)  # detail bodies as of a fixed day, whatever the clock
    rng = random.Random(SEED)
    free_env = env_for(standin, s3, tmp_path, "free")
    started = time.monotonic()
    free = subprocess.run(ARGV, env=free_env, capture_output=True, text=True, check=False)
    free_seconds = time.monotonic() - started
    assert free.returncode == 0, free.stderr[-3000:]
    free_requests = standin.requests
    standin.reset_requests()

    per_path = Counter(
        "/games/*" if r.path.startswith("/games/") else r.path for r in free_requests
    )
    faults = spread_faults(rng, 6, dict(per_path), hang_seconds=READ_TIMEOUT + 1)
    for fault in faults:
        standin.add_fault(fault)
    chaos_env = env_for(standin, s3, tmp_path, "chaos")
    lake = LakeView(s3, chaos_env["LAKE_PREFIX"])
    run = ChaosRun(
        ARGV, chaos_env, kill_moments(rng, KILLS, free_seconds), lake.committed, tmp_path / "runs"
    )
    attempts = run.run()
    log = attempts[-1].log.read_text() if attempts[-1].log else ""
    assert attempts[-1].exit_code == 0, log[-3000:]
    assert run.kills == KILLS
    chaos_requests = standin.requests
    assert any(r.status not in (200, 404) for r in chaos_requests), "no fault was met"

    free_lake = LakeView(s3, free_env["LAKE_PREFIX"])
    pages = lake.page_digests()
    assert pages and pages == free_lake.page_digests()
    assert lake.committed() == free_lake.committed()
    differing = mart_differences(Path(free_env["DUCKDB_PATH"]), Path(chaos_env["DUCKDB_PATH"]))
    assert differing == {}

    details = detail_days(lake, lake.committed())
    classes = classify(chaos_requests, attempts, details, END, free_requests)
    counts = Counter(kind for _, kind in classes)
    asked = {request_key(r) for r in chaos_requests if r.status in (200, 404)}
    assert asked == {request_key(r) for r in free_requests}, "asked what a fault-free run does not"
    free_guard = sum(r.params.get("page_size") == "1" for r in free_requests)
    assert counts[FIRST] == len(free_requests) - free_guard  # each made as often as fault-free
    assert counts[REFETCHED] == 0, (counts, "a resume asked RAWG again about committed partitions")
    # At most the fault-free run's plus the retries (faults, and what kills cut off in flight),
    # plus the quota guard's probes of what each resume had left.
    bound = len(free_requests) + counts[FAULTED] + counts[REDONE] + counts[GUARD] - free_guard
    assert len(chaos_requests) <= bound
