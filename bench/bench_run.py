"""Orchestration benchmark: `gmp run`'s overhead over the same steps by hand, and backfill scaling.

1. One day on the offline stack: `gmp run` (the rendered daily template through the local runner)
   against the same `gmp` commands started directly in the same shape (validate; the extracts at
   once; transform; outcome). Target: overhead at most 10 %.
2. A 30-day backfill on the stand-in at 100 ms per request, GAMES_PER_DAY updated games a day and
   the shipped extractor settings (concurrency, per-process rate cap): `--parallelism 4` against
   1, with the extractor semaphore opened (`--extractors 20`) so that days, not the RAWG
   politeness cap, are what is measured. Target: at least 2.5x faster. The CPU seconds the run's
   processes used are reported too: on a 2-core machine they bound what parallelism can win.

Writes bench/results/run.json and run.md. Run: `.venv/bin/python bench/bench_run.py [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devstack.stack import Sandbox
from gmp.endpoints import DEFAULT_ENDPOINTS, REGISTRY, Mode

GMP = str(Path(sys.executable).with_name("gmp"))
RESULTS = Path(__file__).with_name("results")
DAY = "2024-05-01"
GAMES_PER_DAY = 5_000  # a busy day (the other benchmarks use 10,000): 125 pages of /games


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a command, fail loudly if it fails; its wall time in seconds and its stdout."""
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[1:4])} failed ({proc.returncode}): {proc.stderr[-2000:]}"
        )
    return time.perf_counter() - started, proc.stdout


def timed(argv: list[str], env: dict[str, str]) -> float:
    return run(argv, env)[0]


def by_hand(env: dict[str, str]) -> float:
    """The daily DAG's commands, started directly in the same shape."""
    started = time.perf_counter()
    endpoints = json.dumps(list(DEFAULT_ENDPOINTS))
    timed([GMP, "validate", "--run-date", DAY, "--endpoints", endpoints], env)
    lists = [e for e in DEFAULT_ENDPOINTS if REGISTRY[e].mode is not Mode.DETAIL]
    with ThreadPoolExecutor(len(lists)) as pool:
        list(pool.map(lambda e: timed([GMP, "extract", e, "--run-date", DAY], env), lists))
    for detail in (e for e in DEFAULT_ENDPOINTS if e not in lists):  # after, as the DAG does
        timed([GMP, "extract", detail, "--run-date", DAY], env)
    timed([GMP, "transform", "--run-date", DAY], env)
    timed([GMP, "outcome", "--workflow", "by-hand", "--status", "Succeeded"], env)
    return time.perf_counter() - started


def fresh(base: dict[str, str], work: Path, name: str) -> dict[str, str]:
    """Its own lake prefix and warehouse, so runs do not share work."""
    return {
        **base,
        "LAKE_PREFIX": f"bench/{name}/raw/rawg",
        "DUCKDB_PATH": str(work / f"{name}.duckdb"),
    }


def overhead(repeats: int) -> dict[str, Any]:
    runs, hands = [], []
    with Sandbox() as box, tempfile.TemporaryDirectory() as tmp:
        base = {**os.environ, **box.env, "GMP_MAX_RPS": "0"}  # no latency here: no rate cap
        work = Path(tmp)
        for i in range(repeats):  # interleaved, so load changes hit both sides alike
            logs = str(work / f"logs-{i}")
            runs.append(
                timed([GMP, "run", "--run-date", DAY, "--logs", logs], fresh(base, work, f"run{i}"))
            )
            hands.append(by_hand(fresh(base, work, f"hand{i}")))
    share = statistics.median(runs) / statistics.median(hands) - 1
    return {
        "gmp_run_seconds": runs,
        "by_hand_seconds": hands,
        "overhead": share,
        "target": 0.10,
        "met": share <= 0.10,
    }


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def backfill(days: int) -> dict[str, Any]:
    end = f"2024-05-{days:02d}"
    runs: dict[int, dict[str, float]] = {}
    with (
        Sandbox(latency_s=0.1, games_per_day=GAMES_PER_DAY) as box,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for parallelism in (1, 4):
            env = fresh({**os.environ, **box.env}, Path(tmp), f"p{parallelism}")
            argv = [GMP, "backfill", "--start", "2024-05-01", "--end", end, "--json"]
            argv += ["--parallelism", str(parallelism), "--extractors", "20"]
            cpu = children_cpu_seconds()
            wall, stdout = run([*argv, "--logs", f"{tmp}/logs-{parallelism}"], env)
            summary = json.loads(stdout)
            build = sum(s["seconds"] for s in summary["step_details"] if s["name"] == "transform")
            runs[parallelism] = {
                "seconds": wall,
                "range_transform_seconds": build,
                "cpu_seconds": children_cpu_seconds() - cpu,
                "records": summary["records"],
            }
    speedup = runs[1]["seconds"] / runs[4]["seconds"]
    return {
        "days": days,
        "latency_ms": 100,
        "games_per_day": GAMES_PER_DAY,
        "parallelism_1": runs[1],
        "parallelism_4": runs[4],
        "speedup": speedup,
        "target": 2.5,
        "met": speedup >= 2.5,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 repeat, a 8-day backfill")
    parser.add_argument("--days", type=int, help="backfill days (default 30, --quick 8)")
    args = parser.parse_args()
    days = args.days or (8 if args.quick else 30)
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "python": platform.python_version(),
        },
        "overhead": overhead(1 if args.quick else 3),
        "backfill": backfill(days),
    }
    result["machine"]["load_average_at_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "run.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (RESULTS / "run.md").write_text(table)
    print(table)
    return 0


def markdown(result: dict[str, Any]) -> str:
    """The results as a markdown table: measure, value, target, met."""
    o, b = result["overhead"], result["backfill"]
    p1, p4 = b["parallelism_1"], b["parallelism_4"]
    yes = {True: "yes", False: "**no**"}
    lines = [
        "# `gmp run` / `gmp backfill` benchmark",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| `gmp run`, one day (median of {len(o['gmp_run_seconds'])}) | "
        f"{statistics.median(o['gmp_run_seconds']):.1f} s | | |",
        f"| same steps by hand (median of {len(o['by_hand_seconds'])}) | "
        f"{statistics.median(o['by_hand_seconds']):.1f} s | | |",
        f"| every sample: `gmp run` / by hand | {samples(o['gmp_run_seconds'])} / "
        f"{samples(o['by_hand_seconds'])} | | |",
        f"| runner overhead | {o['overhead']:+.1%} | ≤ 10 % | {yes[o['met']]} |",
        f"| {b['days']}-day backfill ({b['games_per_day']:,} games/day, 100 ms per request), "
        f"parallelism 1 | {p1['seconds']:.0f} s | | |",
        f"| {b['days']}-day backfill, parallelism 4 | {p4['seconds']:.0f} s | | |",
        f"| speed-up | {b['speedup']:.2f}x | ≥ 2.5x | {yes[b['met']]} |",
        f"| of which the one range transform, parallelism 1 / 4 | "
        f"{p1['range_transform_seconds']:.0f} / {p4['range_transform_seconds']:.0f} s | | |",
        f"| CPU seconds used by the run's processes, parallelism 1 / 4 | "
        f"{p1['cpu_seconds']:.0f} / {p4['cpu_seconds']:.0f} s | | |",
        "",
        f"Machine: {result['machine']['cpus']} CPUs, load average "
        f"{result['machine']['load_average_at_start'][0]:.1f} at start (shared with other work).",
    ]
    return "\n".join(lines) + "\n"


def samples(seconds: list[float]) -> str:
    return ", ".join(f"{s:.1f}" for s in seconds) + " s"


if __name__ == "__main__":
    sys.exit(main())
