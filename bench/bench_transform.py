"""Warehouse benchmark: a day's `gmp transform` over growing history, vs a raw scan; a rebuild."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from devstack.s3server import SeaweedS3
from extractor import layout
from warehouse.dbt import dbt_env, dbt_settings, httpfs_extension, range_env

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
GAMES_PER_DAY, CATALOGUE, TBA_SHARE = 10_000, 200_000, 0.05
ENDPOINTS = ("games", "genres", "platforms", "stores", "tags")  # games + the default taxonomies
FIRST_DAY = dt.date(2024, 1, 1)
EXTRACTORS = 3  # `gmp extract` processes at once
PREFIX = "bench/transform"
SAMPLES = 3  # first builds measured at each end of the history


def timed(command: list[str], env: dict[str, str], log: Path) -> float:
    """Run a command (output to `log`), fail loudly if it fails; its wall time in seconds."""
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        code = subprocess.run(command, env=env, stdout=out, stderr=out, check=False).returncode
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise RuntimeError(f"{' '.join(command)} exited {code}:\n{tail}")
    return time.perf_counter() - started


def extract_all(days: list[dt.date], env: dict[str, str], log: Path) -> float:
    """Land every endpoint of every day in the lake, EXTRACTORS processes at once."""
    jobs = [(e, d.isoformat()) for d in days for e in ENDPOINTS]
    started = time.perf_counter()
    with ThreadPoolExecutor(EXTRACTORS) as pool:
        runs = [pool.submit(timed, [str(BIN / "gmp"), "extract", e, "--run-date", d], env,
                            log.with_name(f"extract-{e}-{d}.log")) for e, d in jobs]  # fmt: skip
        for run in runs:
            run.result()
    return time.perf_counter() - started


def transform(args: list[str], env: dict[str, str], tmp: Path, label: str) -> dict[str, Any]:
    """`gmp transform ARGS`: wall time, dbt's own elapsed time, and the slowest nodes."""
    wall = timed([str(BIN / "gmp"), "transform", *args], env, tmp / f"transform-{label}.log")
    target = Path(env["DUCKDB_PATH"] + ".dbt") / "target" / "run_results.json"
    run = json.loads(target.read_text())
    nodes = sorted(run["results"], key=lambda r: -r["execution_time"])
    kinds: dict[str, float] = {}
    for node in nodes:
        kind = node["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + node["execution_time"]
    slowest = [{"node": n["unique_id"].split(".")[-1], "seconds": round(n["execution_time"], 2)}
               for n in nodes[:5]]  # fmt: skip
    elapsed = run["elapsed_time"]
    load = os.getloadavg()[0]
    print(f"  transform {label}: {wall:.1f} s (dbt {elapsed:.1f} s, load {load:.1f})", flush=True)
    return {
        "args": args,
        "wall_seconds": wall,
        "dbt_elapsed_seconds": elapsed,
        "load_1m_after": load,
        "nodes": len(nodes),
        "node_seconds_by_kind": kinds,
        "slowest_nodes": slowest,
    }


def raw_scan(day: dt.date, env: dict[str, str]) -> dict[str, Any]:
    """The floor: one DuckDB connection reading the same day's page files over httpfs."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})  # fmt: skip
    con.load_extension(httpfs_extension())
    host = env["S3_ENDPOINT"].removeprefix("http://").rstrip("/")
    con.execute(
        "create secret lake (type s3, key_id ?, secret ?, region ?, endpoint ?, url_style 'path',"
        " use_ssl false)",
        [env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_REGION", "us-east-1"),
         host],
    )  # fmt: skip
    bucket = f"s3://{env['LAKE_BUCKET']}/"
    pages = [f"{bucket}{layout.partition_prefix(PREFIX, e, day)}page-*.json" for e in ENDPOINTS]
    started = time.perf_counter()
    query = "select count(*), sum(strlen(content)) from read_text(?)"
    files, size = con.execute(query, [pages]).fetchone()
    text_seconds = time.perf_counter() - started
    started = time.perf_counter()
    games = con.execute(
        "select count(*) from (select unnest(results) from read_json(?, format='auto'))",
        [f"{bucket}{layout.partition_prefix(PREFIX, 'games', day)}page-*.json"],
    ).fetchone()[0]  # fmt: skip
    json_seconds = time.perf_counter() - started
    con.close()
    return {"files": files, "bytes": size, "read_text_seconds": text_seconds,
            "games": games, "read_json_games_seconds": json_seconds}  # fmt: skip


def dbt_startup(env: dict[str, str], tmp: Path) -> dict[str, float]:
    """dbt's fixed cost, no data read: `--version`, a parse, a build that selects nothing."""
    settings = dbt_settings(env)
    denv = {**dbt_env(env, settings), **range_env([FIRST_DAY])}
    dbt = [settings.executable]
    where = ["--project-dir", str(settings.project_dir)]
    where += ["--profiles-dir", str(settings.profiles_dir)]
    log = tmp / "dbt-startup.log"
    return {
        "dbt_version": timed([*dbt, "--version"], denv, log),
        "dbt_parse": timed([*dbt, "parse", *where], denv, log),
        "dbt_build_select_none": timed([*dbt, "build", "-s", "none", *where], denv, log),
    }


def machine() -> dict[str, Any]:
    git = ["git", "-C", str(RESULTS.parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    return {"cores": os.cpu_count(), "python": platform.python_version(), "commit": commit,
            "duckdb": duckdb.__version__, "platform": platform.platform(),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_1m": os.getloadavg()[0]}  # fmt: skip


def measure(n_days: int, tmp: Path) -> dict[str, Any]:
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(n_days)]
    first, last = days[0].isoformat(), days[-1].isoformat()
    with SeaweedS3(tmp / "s3") as s3:
        env = {**os.environ, **s3.credentials.env(), "LAKE_PREFIX": PREFIX, "RAWG_API_KEY": "bench",
               "GMP_MAX_RPS": "0", "GMP_CONCURRENCY": "8", "GMP_LOG_FORMAT": "json",
               "DUCKDB_PATH": str(tmp / "wh.duckdb"), "DBT_TARGET": "dev"}  # fmt: skip
        standin_cmd = [sys.executable, "-m", "devstack.standin", "--port", "0",
                       "--games-per-day", str(GAMES_PER_DAY), "--catalogue-size", str(CATALOGUE),
                       "--latency-ms", "0", "--tba-share", str(TBA_SHARE)]  # fmt: skip
        standin = subprocess.Popen(standin_cmd, stdout=subprocess.PIPE, text=True)
        try:
            env["RAWG_BASE_URL"] = standin.stdout.readline().strip() if standin.stdout else ""
            print(f"extracting {n_days} days × {len(ENDPOINTS)} endpoints ...", flush=True)
            extract_seconds = extract_all(days, env, tmp / "extract.log")
        finally:
            standin.terminate()
            standin.wait(timeout=10)
        print(f"  extracted in {extract_seconds:.0f} s", flush=True)
        startup = dbt_startup(env, tmp)
        print(f"  dbt start-up: {startup}", flush=True)
        # First builds of the first and the last SAMPLES days, one by one (a single build varies
        # by ~15 % here); the days between them in one range build.
        early = [transform(["--run-date", str(d)], env, tmp, f"day-{i + 1}")
                 for i, d in enumerate(days[:SAMPLES])]  # fmt: skip
        again = [transform(["--run-date", first], env, tmp, f"day-1-again-{i}") for i in (1, 2)]
        runs = {"day_1": early[0]}
        middle = ["--start", str(days[SAMPLES]), "--end", str(days[-SAMPLES - 1])]
        runs["middle"] = transform(middle, env, tmp, "middle")
        late = [transform(["--run-date", str(d)], env, tmp, f"day-{n_days - SAMPLES + i + 1}")
                for i, d in enumerate(days[-SAMPLES:])]  # fmt: skip
        runs["day_n"] = late[-1]
        again += [transform(["--run-date", last], env, tmp, f"day-n-again-{i}") for i in (1, 2)]
        scans = [raw_scan(days[-1], env) for _ in range(2)]  # the second with warm S3 caches
        runs["full_refresh"] = transform(["--start", first, "--end", last, "--full-refresh"],
                                         env, tmp, "full-refresh")  # fmt: skip
        warehouse = duckdb.connect(env["DUCKDB_PATH"], read_only=True)
        rows = {t: warehouse.execute(f"select count(*) from marts.{t}").fetchone()[0]
                for t in ("dim_games", "fct_game_daily_snapshot", "fct_game_ratings")}  # fmt: skip
        warehouse.close()
    day_1, day_n = runs["day_1"]["wall_seconds"], runs["day_n"]["wall_seconds"]
    early_median = statistics.median(r["wall_seconds"] for r in early)
    late_median = statistics.median(r["wall_seconds"] for r in late)
    rebuilt = [a["wall_seconds"] for a in again]  # day 1 twice, then day n twice
    scan = min(s["read_text_seconds"] for s in scans)
    return {
        "machine": machine(),
        "settings": {
            "days": n_days,
            "first_day": first,
            "last_day": last,
            "games_per_day": GAMES_PER_DAY,
            "catalogue_size": CATALOGUE,
            "tba_share": TBA_SHARE,
            "endpoints": ENDPOINTS,
            "dbt_threads": env.get("DBT_THREADS", "4"),
            "extractors": EXTRACTORS,
        },
        "extract_seconds": extract_seconds,
        "dbt_startup_seconds": startup,
        "transforms": runs,
        "first_builds_early": early,
        "first_builds_late": late,
        "first_builds_late_over_early_median": late_median / early_median,
        "rebuilds": again,
        "rebuilds_day_n_over_day_1": (rebuilt[2] + rebuilt[3]) / (rebuilt[0] + rebuilt[1]),
        "raw_scans": scans,
        "rows_after_full_refresh": rows,
        "day_n_over_day_1": day_n / day_1,
        "transform_over_raw_scan": day_n / scan,
        "transform_minus_startup_over_raw_scan": (day_n - startup["dbt_build_select_none"]) / scan,
        "targets_met": {"late_le_1.25x_early_median": late_median <= 1.25 * early_median},
    }


def markdown(r: dict[str, Any]) -> str:
    """The results as a markdown table: measure, value, target, met."""
    s, t, m, up = r["settings"], r["transforms"], r["machine"], r["dbt_startup_seconds"]
    n, scan = s["days"], min(r["raw_scans"], key=lambda x: x["read_text_seconds"])
    wall = {k: f"{v['wall_seconds']:.1f} s" for k, v in t.items()}
    rebuilds = " / ".join(f"{x['wall_seconds']:.1f}" for x in r["rebuilds"]) + " s"
    met = "yes" if r["targets_met"]["late_le_1.25x_early_median"] else "**no**"
    k = len(r["first_builds_early"])
    early = " / ".join(f"{x['wall_seconds']:.1f}" for x in r["first_builds_early"]) + " s"
    late = " / ".join(f"{x['wall_seconds']:.1f}" for x in r["first_builds_late"]) + " s"
    slow = ", ".join(f"{x['node']} {x['seconds']:.1f} s" for x in t["day_n"]["slowest_nodes"][:3])
    elapsed = f"{t['day_1']['dbt_elapsed_seconds']:.1f} / {t['day_n']['dbt_elapsed_seconds']:.1f} s"
    startup = " / ".join(f"{v:.1f}" for v in up.values()) + " s"
    ratio = (
        f"{r['transform_over_raw_scan']:.0f}× ({r['transform_minus_startup_over_raw_scan']:.0f}×)"
    )
    rows = [
        (f"extract {n} days × {len(s['endpoints'])} endpoints", f"{r['extract_seconds']:.0f} s"),
        (f"`gmp transform` of days 1..{k}, one by one (day 1: fresh warehouse)", early),
        (f"`gmp transform` days {k + 1}..{n - k}, one range build", wall["middle"]),
        (f"`gmp transform` of days {n - k + 1}..{n}, one by one", late),
        (f"days {n - k + 1}..{n} ÷ days 1..{k} (medians)",
         f"{r['first_builds_late_over_early_median']:.2f}×", "≤ 1.25×", met),
        (f"day {n} ÷ day 1 (single builds)", f"{r['day_n_over_day_1']:.2f}×"),
        (f"rebuilds of a built day: day 1, day 1, day {n}, day {n}", rebuilds),
        (f"rebuilds: day {n} ÷ day 1 (sum of two each)", f"{r['rebuilds_day_n_over_day_1']:.2f}×"),
        (f"dbt's own elapsed time (run_results), day 1 / day {n}", elapsed),
        (f"slowest nodes of day {n} ({s['dbt_threads']} threads)", slow),
        ("dbt start-up: `dbt --version` / `dbt parse` / `dbt build -s none`", startup),
        (f"raw DuckDB `read_text` of day {n}'s {scan['files']} page files "
         f"({scan['bytes'] / 1e6:.0f} MB)", f"{scan['read_text_seconds']:.2f} s"),
        (f"raw DuckDB `read_json` + unnest of day {n}'s games ({scan['games']} rows)",
         f"{scan['read_json_games_seconds']:.2f} s"),
        ("`gmp transform` ÷ raw `read_text` scan (minus the no-op build)", ratio),
        (f"full-refresh rebuild of {n} days", wall["full_refresh"]),
        ("rows after it: dim_games / daily snapshot / ratings",
         " / ".join(f"{v:,}" for v in r["rows_after_full_refresh"].values())),
    ]  # fmt: skip
    head = (
        f"{n} daily partitions of {s['games_per_day']:,} games (catalogue "
        f"{s['catalogue_size']:,}) + genres, platforms, stores, tags; DuckDB {m['duckdb']}, "
        f"{m['cores']} cores, DBT_THREADS={s['dbt_threads']}, SeaweedFS on loopback; "
        f"{m['date']}, commit {m['commit']}.\n\n"
        "| measure | value | target | met |\n|---|---|---|---|\n"
    )
    return head + "".join("| " + " | ".join((*row, "", "")[:4]) + " |\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=60, help="daily partitions (default 60)")
    parser.add_argument("--out", default="transform", help="results file stem in bench/results/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-transform-") as tmp:
        results = measure(args.days, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (RESULTS / f"{args.out}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
