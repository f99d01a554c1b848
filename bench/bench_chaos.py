"""Chaos benchmark: a backfill killed with SIGKILL at random moments and resumed, under RAWG faults.

On one SeaweedFS and one RAWG stand-in (100 ms a request; each lake its own prefix, each
warehouse its own file), with 400 updated games a day and the default cap of 300 details a day:

1. a fault-free `gmp backfill` of DAYS days (`games,game_details,genres`, parallelism 1), timed;
2. the same backfill under faults spread over its requests (5xx, bursts of 429, hangs past the
   read timeout), killed with SIGKILL — the runner and every step process at once — at KILLS
   seeded moments spread over the fault-free run's duration, and started again after each;
3. the same command once more on the complete range.

Records the RAWG requests of each run (the stand-in's own log), sorted per attempt into: faulted
(an injected fault answered it), guard (the quota guard's probes), first, redone (asked again,
its partition not committed yet) and refetched committed (asked again although committed);
whether every committed page body (sha256 by key) and every mart table (row for row) equal the
fault-free run's. Parallelism 1: at more, a day's game_details may select games of the day before
while that day's own details run (docs/extractor.md), so two fault-free runs may differ.

Writes bench/results/chaos.json and chaos.md. Run: `.venv/bin/python bench/bench_chaos.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from devstack.catalogue import CatalogueConfig
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
    mart_rows,
    tally,
)  # fmt: skip
from devstack.s3server import S3Credentials, SeaweedS3
from devstack.standin import StandinServer

GMP = str(Path(sys.executable).with_name("gmp"))
RESULTS = Path(__file__).with_name("results")
START = date(2024, 5, 1)
ENDPOINTS = "games,game_details,genres"
KEY = "chaos0bench0key0not0a0secret0000"
READ_TIMEOUT = 2.0


def backfill_argv(end: str, logs: Path | None = None) -> list[str]:
    argv = [
        GMP, "backfill", "--start", START.isoformat(), "--end", end, "--endpoints", ENDPOINTS,
        "--parallelism", "1", "--backoff-scale", "0.05",
    ]  # fmt: skip
    return argv + (["--logs", str(logs)] if logs else [])


def backfill(end: str, env: dict[str, str], logs: Path) -> tuple[int, float]:
    """One backfill to its end: its exit code and wall time."""
    started = time.monotonic()
    code = subprocess.run(backfill_argv(end, logs), env=env, capture_output=True, check=False)
    return code.returncode, time.monotonic() - started


def environment(
    standin: StandinServer, s3: S3Credentials, work: Path, name: str, cap: int
) -> dict[str, str]:
    return {
        **os.environ,
        "RAWG_BASE_URL": standin.url,
        "RAWG_API_KEY": KEY,
        **s3.env(),
        "LAKE_PREFIX": f"chaos-bench/{name}/raw/rawg",
        "DUCKDB_PATH": str(work / f"{name}.duckdb"),
        "DBT_TARGET": "dev",
        "GMP_DETAILS_MAX_PER_DAY": str(cap),
        "GMP_MAX_RPS": "0",
        "GMP_READ_TIMEOUT": str(READ_TIMEOUT),
        "GMP_RETRY_WAIT_INITIAL": "0.1",
        "GMP_RETRY_WAIT_MAX": "2",
    }


def chaos(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    end = (START + timedelta(days=args.days - 1)).isoformat()
    config = CatalogueConfig(games_per_day=args.games_per_day, catalogue_size=args.catalogue)
    with tempfile.TemporaryDirectory(prefix="gmp-chaos-") as tmp:
        work = Path(tmp)
        s3_server = SeaweedS3(work / "s3", bucket="lake")
        s3 = s3_server.start()
        standin = StandinServer(config, latency_s=args.latency_ms / 1000).start()
        standin.api.today = date(2024, 7, 1)  # detail bodies as of a fixed day: comparable runs
        try:
            free_env = environment(standin, s3, work, "fault-free", args.cap)
            free_lake = LakeView(s3, free_env["LAKE_PREFIX"])
            free_code, free_seconds = backfill(end, free_env, work / "logs-free")
            if free_code != 0:
                raise RuntimeError(f"the fault-free backfill failed: see {work / 'logs-free'}")
            free_requests = standin.requests
            standin.reset_requests()
            per_path = Counter(
                "/games/*" if r.path.startswith("/games/") else r.path for r in free_requests
            )
            faults = spread_faults(rng, args.faults, dict(per_path), hang_seconds=READ_TIMEOUT + 1)
            for fault in faults:
                standin.add_fault(fault)
            chaos_env = environment(standin, s3, work, "chaos", args.cap)
            chaos_lake = LakeView(s3, chaos_env["LAKE_PREFIX"])
            moments = kill_moments(rng, args.kills, free_seconds)
            run = ChaosRun(
                backfill_argv(end), chaos_env, moments,
                chaos_lake.committed, work / "attempts",
            )  # fmt: skip
            started = time.monotonic()
            attempts = run.run()
            chaos_seconds = time.monotonic() - started
            chaos_requests = standin.requests
            leftovers = chaos_lake.leftovers()  # before the re-run's commits collect them
            faults_left = standin.faults  # not met: their `skip` outlasted the run
            standin.reset_requests()
            standin.clear_faults()
            rerun_code, rerun_seconds = backfill(end, chaos_env, work / "logs-rerun")
            rerun_requests = standin.requests
            committed = chaos_lake.committed()
            details = detail_days(chaos_lake, committed)
            classes = tally(classify(chaos_requests, attempts, details, end, free_requests))
            free_pages, chaos_pages = free_lake.page_digests(), chaos_lake.page_digests()
            marts = mart_differences(Path(free_env["DUCKDB_PATH"]), Path(chaos_env["DUCKDB_PATH"]))
            result = {
                "days": args.days,
                "games_per_day": args.games_per_day,
                "details_cap": args.cap,
                "latency_ms": args.latency_ms,
                "seed": args.seed,
                "fault_free": {
                    "seconds": free_seconds,
                    "requests": len(free_requests),
                    "guard_probes": sum(r.params.get("page_size") == "1" for r in free_requests),
                },
                "faults_injected": [
                    {"kind": f.kind, "path": f.path, "times": f.times, "skip": f.skip}
                    for f in faults
                ],
                "faults_not_met": len(faults_left),
                "kill_moments_s": moments,
                "chaos": {
                    "seconds": chaos_seconds,
                    "requests": len(chaos_requests),
                    "statuses": dict(Counter(str(r.status) for r in chaos_requests)),
                    **classes,
                    "attempts": [
                        {
                            "number": a.number,
                            "seconds": a.seconds,
                            "exit_code": a.exit_code,
                            "killed": a.killed,
                            "processes_killed": a.killed_processes,
                            "committed_at_start": len(a.committed_at_start),
                        }
                        for a in attempts
                    ],
                    "kills_survived": run.kills if attempts[-1].exit_code == 0 else 0,
                    "succeeded": attempts[-1].exit_code == 0,
                    "staging_leftovers": len(leftovers),
                    "staging_leftover_keys": leftovers[:20],
                    "commits_rolled_forward": run.step_logs_saying("rolled forward"),
                    "leases_taken_over": run.step_logs_saying("took over the commit lease"),
                },
                "rerun": {
                    "exit_code": rerun_code,
                    "seconds": rerun_seconds,
                    "requests": len(rerun_requests),
                    "guard_probes": sum(r.params.get("page_size") == "1" for r in rerun_requests),
                },
                "pages": {
                    "fault_free": len(free_pages),
                    "chaos": len(chaos_pages),
                    "equal": free_pages == chaos_pages,
                    "differing_keys": sorted(
                        k
                        for k in free_pages.keys() | chaos_pages.keys()
                        if free_pages.get(k) != chaos_pages.get(k)
                    )[:20],
                },
                "marts": {
                    "rows": mart_rows(Path(free_env["DUCKDB_PATH"])),
                    "equal": not marts,
                    "differences": marts,
                },
            }
        finally:
            standin.stop()
            s3_server.stop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--games-per-day", type=int, default=400)
    parser.add_argument("--catalogue", type=int, default=20_000, help="catalogue size")
    parser.add_argument("--cap", type=int, default=300, help="GMP_DETAILS_MAX_PER_DAY")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="per RAWG request")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--faults", type=int, default=24)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "python": platform.python_version(),
        },
        **chaos(args),
    }
    result["machine"]["load_average_at_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chaos.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (RESULTS / "chaos.md").write_text(table)
    print(table)
    return 0


def markdown(result: dict[str, Any]) -> str:
    free, chaos, rerun = result["fault_free"], result["chaos"], result["rerun"]
    by = chaos["by_class"]
    retries = by.get(FAULTED, 0) + by.get(REDONE, 0)
    resumes = [
        f"{n}: " + ", ".join(f"{v} {k}" for k, v in sorted(c.items()))
        for n, c in chaos["by_attempt"].items()
        if int(n) > 1
    ]
    yes = {True: "yes", False: "**no**"}
    lines = [
        f"# Chaos run: {result['days']}-day backfill, {len(result['kill_moments_s'])} SIGKILLs, "
        f"{len(result['faults_injected'])} RAWG faults ({result['games_per_day']} games a day, "
        f"{result['details_cap']} details a day, {result['latency_ms']:.0f} ms a request)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| fault-free run: RAWG requests (of which guard probes) / time | {free['requests']} "
        f"({free['guard_probes']}) / {free['seconds']:.0f} s |",
        f"| chaos run: RAWG requests / time (all attempts) | {chaos['requests']} / "
        f"{chaos['seconds']:.0f} s |",
        f"| chaos requests by class | {', '.join(f'{v} {k}' for k, v in sorted(by.items()))} |",
        f"| bound: fault-free + retries (faulted + redone) + guard probes of resumes | "
        f"{free['requests']} + {retries} + {by.get(GUARD, 0) - free['guard_probes']} |",
        f"| asked again although committed | {by.get(REFETCHED, 0)} |",
        f"| kills survived | {chaos['kills_survived']} of {len(result['kill_moments_s'])} "
        f"(attempts: {len(chaos['attempts'])}) |",
        f"| requests each resume made (attempt: by class) | {'; '.join(resumes)} |",
        f"| page bodies equal the fault-free run's | {yes[result['pages']['equal']]} "
        f"({result['pages']['chaos']} pages) |",
        f"| marts equal the fault-free run's | {yes[result['marts']['equal']]} |",
        f"| re-run of the complete range: RAWG requests (guard probes) / time | "
        f"{rerun['requests']} ({rerun['guard_probes']}) / {rerun['seconds']:.0f} s |",
        f"| staging files killed runs left (`_incoming/`), at the end of the chaos run | "
        f"{chaos['staging_leftovers']} |",
        f"| interrupted commits rolled forward / commit leases taken over | "
        f"{chaos['commits_rolled_forward']} / {chaos['leases_taken_over']} |",
        "",
        f"Kills at {', '.join(f'{s:.1f}' for s in result['kill_moments_s'])} s of run time; "
        f"{FIRST}: {by.get(FIRST, 0)}. Machine: {result['machine']['cpus']} CPUs, load "
        f"average {result['machine']['load_average_at_start'][0]:.1f} at start.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
