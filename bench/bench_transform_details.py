"""Warehouse benchmark: a day's `gmp transform` with game_details against the same day without.

One lake prefix per scenario (detail cap), the same stand-in and days in each: games (10,000 a
day, as bench_transform.py) and the default taxonomies, plus `game_details` at the scenario's
GMP_DETAILS_MAX_PER_DAY (0 = the endpoint not extracted: a lake from before it). Each scenario
has its own DuckDB warehouse; day 1 is built fresh, then days 2..N one by one and day N again,
the scenarios interleaved build by build so that the shared machine's load falls on all alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from bench_transform import BIN, ENDPOINTS, RESULTS, extract_all, machine, timed, transform

from devstack.s3server import SeaweedS3

GAMES_PER_DAY, CATALOGUE, TBA_SHARE = 10_000, 200_000, 0.05
FIRST_DAY = dt.date(2024, 1, 1)


def extract_details(days: list[dt.date], cap: int, env: dict[str, str], log: Path) -> float:
    """`gmp extract game_details` day after day (a day's selection reads the days before)."""
    command = [str(BIN / "gmp"), "extract", "game_details", "--run-date"]
    env = {**env, "GMP_DETAILS_MAX_PER_DAY": str(cap)}
    return sum(timed([*command, d.isoformat()], env, log) for d in days)


def measure(n_days: int, caps: list[int], rebuilds: int, tmp: Path) -> dict[str, Any]:
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(n_days)]
    envs: dict[int, dict[str, str]] = {}
    extract_seconds: dict[int, dict[str, float]] = {}
    with SeaweedS3(tmp / "s3") as s3:
        standin_cmd = [sys.executable, "-m", "devstack.standin", "--port", "0",
                       "--games-per-day", str(GAMES_PER_DAY), "--catalogue-size", str(CATALOGUE),
                       "--latency-ms", "0", "--tba-share", str(TBA_SHARE)]  # fmt: skip
        standin = subprocess.Popen(standin_cmd, stdout=subprocess.PIPE, text=True)
        try:
            url = standin.stdout.readline().strip() if standin.stdout else ""
            for cap in caps:
                lake = {"LAKE_PREFIX": f"bench/details-{cap}",
                        "DUCKDB_PATH": str(tmp / f"wh-{cap}.duckdb")}  # fmt: skip
                env = {**os.environ, **s3.credentials.env(), **lake, "RAWG_BASE_URL": url,
                       "RAWG_API_KEY": "bench", "GMP_MAX_RPS": "0", "GMP_CONCURRENCY": "8",
                       "GMP_LOG_FORMAT": "json", "DBT_TARGET": "dev"}  # fmt: skip
                envs[cap] = env
                print(f"cap {cap}: extracting {n_days} days ...", flush=True)
                lists = extract_all(days, env, tmp / f"extract-{cap}.log")
                details = extract_details(days, cap, env, tmp / f"details-{cap}.log") if cap else 0
                extract_seconds[cap] = {"lists": lists, "game_details": details}
        finally:
            standin.terminate()
            standin.wait(timeout=10)
        builds: dict[int, list[dict[str, Any]]] = {cap: [] for cap in caps}
        plan = [(d.isoformat(), f"day-{i + 1}") for i, d in enumerate(days)]
        plan += [(days[-1].isoformat(), f"day-{n_days}-again-{i + 1}") for i in range(rebuilds)]
        for day, label in plan:
            for cap in caps:
                run = transform(["--run-date", day], envs[cap], tmp, f"{cap}-{label}")
                builds[cap].append({"label": label, **run})
        counts = {cap: detail_counts(envs[cap]["DUCKDB_PATH"]) for cap in caps}
    return {
        "machine": machine(),
        "settings": {
            "days": n_days,
            "games_per_day": GAMES_PER_DAY,
            "catalogue_size": CATALOGUE,
            "caps": caps,
            "rebuilds": rebuilds,
            "endpoints": [*ENDPOINTS, "game_details"],
            "dbt_threads": os.environ.get("DBT_THREADS", "4"),
        },
        "extract_seconds": extract_seconds,
        "builds": builds,
        # day 1 is a fresh warehouse: the steady state is days 2..N and the rebuilds of day N
        "median_seconds": {
            cap: statistics.median(b["wall_seconds"] for b in runs[1:])
            for cap, runs in builds.items()
        },
        "median_dbt_seconds": {
            cap: statistics.median(b["dbt_elapsed_seconds"] for b in runs[1:])
            for cap, runs in builds.items()
        },
        "rows": counts,
    }


COUNTS = {
    "dim_games": "select count(*) from marts.dim_games",
    "games_with_detail": "select count(*) from marts.dim_games where detail_run_date is not null",
    "bridge_game_developers": "select count(*) from marts.bridge_game_developers",
    "dim_developers": "select count(*) from marts.dim_developers",
}


def detail_counts(path: str) -> dict[str, int]:
    with duckdb.connect(path, read_only=True) as con:
        return {name: int(con.execute(sql).fetchone()[0]) for name, sql in COUNTS.items()}  # type: ignore[index]


def markdown(r: dict[str, Any]) -> str:
    s, m = r["settings"], r["machine"]
    base = r["median_seconds"][s["caps"][0]]
    rows = []
    for cap in s["caps"]:
        runs = r["builds"][cap]
        samples = " / ".join(f"{b['wall_seconds']:.1f}" for b in runs)
        median = r["median_seconds"][cap]
        dbt = r["median_dbt_seconds"][cap]
        dbt_base = r["median_dbt_seconds"][s["caps"][0]]
        nodes = runs[-1]["nodes"]
        what = f"{cap} details a day" if cap else "no game_details"
        rows.append((f"{what}: builds day 1 (fresh) .. day {s['days']}, then day {s['days']} "
                     "again", f"{samples} s"))  # fmt: skip
        rows.append((f"{what}: median wall / dbt elapsed, days 2..{s['days']} and the rebuilds "
                     f"({nodes} nodes)", f"{median:.1f} s ({median / base:.2f}×) / {dbt:.1f} s "
                     f"({dbt / dbt_base:.2f}×)"))  # fmt: skip
    for cap in s["caps"]:
        rows.append((f"rows, cap {cap}: " + ", ".join(r["rows"][cap]), " / ".join(
            f"{v:,}" for v in r["rows"][cap].values())))  # fmt: skip
    head = (
        f"{s['days']} days of {s['games_per_day']:,} games (catalogue {s['catalogue_size']:,}) "
        f"+ genres, platforms, stores, tags, and game_details at each cap; DuckDB, "
        f"{m['cores']} cores, DBT_THREADS={s['dbt_threads']}, load {m['load_1m']:.1f} at the end; "
        f"{m['date']}, commit {m['commit']}.\n\n| measure | value |\n|---|---|\n"
    )
    return head + "".join(f"| {a} | {b} |\n" for a, b in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=3, help="daily partitions (default 3)")
    caps_help = "detail caps to compare, 0 = no game_details (default 0,300,3000)"
    parser.add_argument("--caps", default="0,300,3000", help=caps_help)
    parser.add_argument("--rebuilds", type=int, default=3, help="rebuilds of the last day")
    parser.add_argument("--out", default="transform_details", help="results file stem")
    args = parser.parse_args()
    caps = [int(c) for c in args.caps.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-details-") as tmp:
        results = measure(args.days, caps, args.rebuilds, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / f"{args.out}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
