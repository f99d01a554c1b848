"""Warehouse benchmark (issue 23): a day's `gmp transform` of the whole daily set against a raw
scan of the same pages, dbt's start-up, and range builds of 30 and 365 days with peak RSS.

Only the `gmp` CLI of the install under test (`--gmp`) runs the builds, so the old and the new
code can be measured against the same lake (`--lake-dir` keeps it between runs). The lake is
always extracted by this checkout's own `gmp`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import psutil

from devstack.s3server import SeaweedS3
from extractor import layout
from gmp.endpoints import DEFAULT_ENDPOINTS
from warehouse.dbt import DbtSettings, dbt_env, httpfs_extension, range_env

RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent  # this checkout's venv: its gmp extracts every lake
ENDPOINTS = ("games", "genres", "platforms", "stores", "tags")  # bench_transform_details' lake
LISTS = tuple(e for e in DEFAULT_ENDPOINTS if e != "game_details")  # the daily set's lists
CATALOGUE, TBA_SHARE, DETAILS_CAP = 200_000, 0.05, 300
FIRST_DAY = dt.date(2024, 1, 1)
EXTRACTORS = 3  # list `gmp extract` processes at once, beside the one game_details process
REBUILDS = 3
POLL_SECONDS = 0.2
SECRET = "bench-lake-not-a-secret-0123456789"  # fixed: a kept SeaweedFS dir serves it again
TABLES = ("dim_games", "fct_game_daily_snapshot", "fct_game_ratings")
KINDS = {"model": "model", "test": "data test", "unit_test": "unit test"}


def timed(command: list[str], env: dict[str, str], log: Path) -> float:
    """Run a command (output to `log`), fail loudly if it fails; its wall time in seconds."""
    return run_tree(command, env, log, poll=False)["wall_seconds"]


def run_tree(command: list[str], env: dict[str, str], log: Path, poll: bool = True) -> dict:
    """Run a command; its wall time and, polled, the peak of the summed RSS of its process tree
    and when its first `dbt` child started (gmp's own time before dbt)."""
    started = time.perf_counter()
    peak, dbt_after = 0, None
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        root = psutil.Process(proc.pid)
        while True:
            if poll:
                rss, dbt = tree_sample(root)
                peak = max(peak, rss)
                if dbt_after is None and dbt is not None:
                    dbt_after = dbt - root.create_time()
            try:
                code = proc.wait(timeout=POLL_SECONDS if poll else None)
                break
            except subprocess.TimeoutExpired:
                continue
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise RuntimeError(f"{' '.join(command)} exited {code}:\n{tail}")
    wall = time.perf_counter() - started
    return {"wall_seconds": wall, "peak_rss_mb": peak / 2**20 if poll else None,
            "before_dbt_seconds": dbt_after, "load_1m_after": os.getloadavg()[0]}  # fmt: skip


def tree_sample(root: psutil.Process) -> tuple[int, float | None]:
    """The summed RSS of a process and its descendants; the start time of a `dbt` among them."""
    rss, dbt = 0, None
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, None
    for proc in tree:
        try:
            rss += proc.memory_info().rss
            if proc is not root and dbt is None and proc.name() == "dbt":
                dbt = proc.create_time()
        except psutil.Error:
            continue
    return rss, dbt


def extract_all(
    days: list[dt.date],
    env: dict[str, str],
    log: Path,
    endpoints: tuple[str, ...] = ENDPOINTS,
    committed: frozenset[tuple[str, str]] = frozenset(),
) -> float:
    """Land `endpoints` of every day but the `committed` (endpoint, day) pairs, EXTRACTORS
    processes at once; with `game_details` among them, each day's details after all that day's
    lists (as a daily run) and after the day before's details (a day's selection reads the days
    before), beside the list extractions."""
    lists = [e for e in endpoints if e != "game_details"]
    started = time.perf_counter()
    with ThreadPoolExecutor(EXTRACTORS) as pool:
        runs: dict[dt.date, list[Future[float]]] = {
            d: [pool.submit(timed, [str(BIN / "gmp"), "extract", e, "--run-date", str(d)], env,
                            log.with_name(f"{log.stem}-{e}-{d}.log"))
                for e in lists if (e, str(d)) not in committed]
            for d in days
        }  # fmt: skip
        for day in days:
            for run in runs[day]:
                run.result()
            if "game_details" in endpoints and ("game_details", str(day)) not in committed:
                command = [str(BIN / "gmp"), "extract", "game_details", "--run-date", str(day)]
                timed(command, env, log.with_name(f"{log.stem}-details.log"))
            if day.day == 1 or day == days[-1]:
                print(
                    f"  extracted up to {day} ({time.perf_counter() - started:.0f} s)", flush=True
                )
    return time.perf_counter() - started


def transform(
    args: list[str], env: dict[str, str], tmp: Path, label: str, gmp: Path | None = None
) -> dict[str, Any]:
    """`gmp transform ARGS`: wall time, peak RSS, and dbt's run_results.json when one is written."""
    target = Path(env["DUCKDB_PATH"] + ".dbt") / "target" / "run_results.json"
    target.unlink(missing_ok=True)  # a stale file must not pass for this build's
    command = [str(gmp or BIN / "gmp"), "transform", *args]
    run = run_tree(command, env, tmp / f"transform-{label}.log")
    run |= {"args": args, **dbt_results(target)}
    dbt = f"dbt {run['dbt_elapsed_seconds']:.1f} s" if run["dbt_elapsed_seconds"] else "no json"
    print(f"  transform {label}: {run['wall_seconds']:.1f} s ({dbt}, peak "
          f"{run['peak_rss_mb']:.0f} MB, load {run['load_1m_after']:.1f})", flush=True)  # fmt: skip
    return run


def dbt_results(target: Path) -> dict[str, Any]:
    """dbt's elapsed time, node time by kind and slowest nodes, from run_results.json if any."""
    if not target.is_file():
        return {"dbt_elapsed_seconds": None, "nodes": None}
    run = json.loads(target.read_text())
    nodes = sorted(run["results"], key=lambda r: -r["execution_time"])
    kinds: dict[str, float] = {}
    for node in nodes:
        kind = KINDS.get(node["unique_id"].split(".")[0], node["unique_id"].split(".")[0])
        kinds[kind] = kinds.get(kind, 0.0) + node["execution_time"]
    count = {k: sum(KINDS.get(n["unique_id"].split(".")[0], "") == k for n in nodes) for k in kinds}
    return {"dbt_elapsed_seconds": run["elapsed_time"], "nodes": len(nodes),
            "node_seconds_by_kind": kinds, "nodes_by_kind": count,
            "slowest_nodes": [{"node": n["unique_id"].split(".")[-1],
                               "seconds": round(n["execution_time"], 2)}
                              for n in nodes[:5]]}  # fmt: skip


def raw_scan(day: dt.date, env: dict[str, str]) -> dict[str, Any]:
    """The floor: one DuckDB connection reading all of a day's page files (every endpoint of
    the daily set, game_details included) over httpfs with read_text."""
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
    bucket, prefix = f"s3://{env['LAKE_BUCKET']}/", env["LAKE_PREFIX"]
    pages = [f"{bucket}{layout.partition_prefix(prefix, e, day)}page-*.json"
             for e in DEFAULT_ENDPOINTS]  # fmt: skip
    started = time.perf_counter()
    query = "select count(*), sum(strlen(content)) from read_text(?)"
    files, size = con.execute(query, [pages]).fetchone()  # type: ignore[misc]
    seconds = time.perf_counter() - started
    con.close()
    return {"files": files, "bytes": size, "read_text_seconds": seconds}


def dbt_startup(gmp: Path, env: dict[str, str], tmp: Path) -> dict[str, float]:
    """dbt's fixed cost in the install under test, no data read: `--version`, a parse, a build
    that selects nothing. Its project: the `dbt/` beside its `.venv` (an editable install)."""
    project = gmp.resolve().parents[2] / "dbt"
    settings = DbtSettings(project, project, "dev", str(gmp.with_name("dbt")))
    denv = {**dbt_env(env, settings), **range_env([FIRST_DAY])}
    where = ["--project-dir", str(project), "--profiles-dir", str(project)]
    dbt, log = [settings.executable], tmp / "dbt-startup.log"
    return {
        "dbt_version": timed([*dbt, "--version"], denv, log),
        "dbt_parse": timed([*dbt, "parse", *where], denv, log),
        "dbt_build_select_none": timed([*dbt, "build", "-s", "none", *where], denv, log),
    }


def machine(gmp: Path | None = None) -> dict[str, Any]:
    def commit(where: Path) -> str:
        git = ["git", "-C", str(where), "describe", "--always", "--dirty"]
        return subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()

    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "commit": commit(RESULTS.parent), "duckdb": duckdb.__version__,
            "gmp": "/".join(gmp.parts[-4:]) if gmp else None,  # checkout/.venv/bin/gmp
            "gmp_commit": commit(gmp.resolve().parents[2]) if gmp else None,
            "platform": platform.platform(),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_1m": os.getloadavg()[0]}  # fmt: skip


def lake(s3: SeaweedS3, lake_dir: Path, n_days: int, per_day: int, log: Path) -> dict[str, Any]:
    """A lake prefix of `n_days` days of the whole daily set; extracted once per `lake_dir`."""
    prefix = f"bench/transform-{per_day}x{n_days}"
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range(n_days)]
    env = {**os.environ, **s3.credentials.env(), "LAKE_PREFIX": prefix, "RAWG_API_KEY": "bench",
           "GMP_MAX_RPS": "0", "GMP_CONCURRENCY": "8", "GMP_LOG_FORMAT": "json",
           "GMP_DETAILS_MAX_PER_DAY": str(DETAILS_CAP), "DBT_TARGET": "dev"}  # fmt: skip
    marker = lake_dir / f"{prefix.replace('/', '_')}.done.json"
    if marker.is_file():
        print(f"lake {prefix}: reusing the extraction in {lake_dir}", flush=True)
        return {"env": env, "days": days, **json.loads(marker.read_text()), "reused": True}
    standin_cmd = [sys.executable, "-m", "devstack.standin", "--port", "0",
                   "--games-per-day", str(per_day), "--catalogue-size", str(CATALOGUE),
                   "--latency-ms", "0", "--tba-share", str(TBA_SHARE)]  # fmt: skip
    standin = subprocess.Popen(standin_cmd, stdout=subprocess.PIPE, text=True)
    try:
        env["RAWG_BASE_URL"] = standin.stdout.readline().strip() if standin.stdout else ""
        print(f"lake {prefix}: extracting {n_days} days × {len(DEFAULT_ENDPOINTS)} endpoints",
              flush=True)  # fmt: skip
        done_before = committed(s3, prefix)  # a stopped extraction resumes where it was
        if done_before:
            print(f"  {len(done_before)} partitions already committed: kept", flush=True)
        seconds = extract_all(days, env, log, DEFAULT_ENDPOINTS, done_before)
    finally:
        standin.terminate()
        standin.wait(timeout=10)
    done = {"prefix": prefix, "games_per_day": per_day, "extract_seconds": seconds,
            "endpoints": DEFAULT_ENDPOINTS, "details_cap": DETAILS_CAP,
            "machine": machine()}  # fmt: skip
    marker.write_text(json.dumps(done, indent=2) + "\n")
    print(f"  extracted in {seconds:.0f} s", flush=True)
    return {"env": env, "days": days, **done, "reused": False}


def committed(s3: SeaweedS3, prefix: str) -> frozenset[tuple[str, str]]:
    """The (endpoint, day) partitions under `prefix` whose manifest (the commit) exists."""
    pages = s3.credentials.client(timeout=30).get_paginator("list_objects_v2")
    found = set()
    for page in pages.paginate(Bucket=s3.credentials.bucket, Prefix=f"{prefix}/"):
        for key in (o["Key"] for o in page.get("Contents", [])):
            parts = key.removeprefix(f"{prefix}/").split("/")
            if len(parts) == 3 and key == layout.manifest_key(prefix, parts[0], parts[1][9:]):
                found.add((parts[0], parts[1].removeprefix("run_date=")))
    return frozenset(found)


def rows(path: str) -> dict[str, int]:
    with duckdb.connect(path, read_only=True) as con:
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def day_builds(gmp: Path, day: dict[str, Any], work: Path, out: dict[str, Any]) -> None:
    """Days 1..N-1 in one range build, then day N's first build and REBUILDS rebuilds, the raw
    scan of day N, dbt's start-up, and the N days again in one full-refresh range build."""
    env, days = {**day["env"], "DUCKDB_PATH": str(work / "day.duckdb")}, day["days"]
    last = str(days[-1])
    out["range_days_1_to_n_minus_1"] = transform(
        ["--start", str(days[0]), "--end", str(days[-2])], env, work, "days-1..n-1", gmp
    )
    builds = [transform(["--run-date", last], env, work, f"day-n-{i}", gmp)
              for i in range(REBUILDS + 1)]  # fmt: skip
    out["day_builds"] = builds
    if builds[-1]["dbt_elapsed_seconds"] is None:  # the new code may not write it by default
        profiled = {**env, "DBT_WRITE_JSON": "true"}
        out["profiled_rebuild"] = transform(["--run-date", last], profiled, work, "profiled", gmp)
    out["raw_scans"] = [raw_scan(days[-1], env) for _ in range(2)]
    out["dbt_startup_seconds"] = dbt_startup(gmp, env, work)
    print(f"  raw scan {min(s['read_text_seconds'] for s in out['raw_scans']):.2f} s; dbt "
          f"start-up {out['dbt_startup_seconds']}", flush=True)  # fmt: skip
    out["range_full_refresh"] = transform(
        ["--start", str(days[0]), "--end", last, "--full-refresh"], env, work, "range", gmp
    )
    out["range_full_refresh"]["rows"] = rows(env["DUCKDB_PATH"])


def history_build(gmp: Path, hist: dict[str, Any], work: Path, out: dict[str, Any]) -> None:
    """The whole history in one full-refresh range build on a fresh warehouse."""
    env, days = {**hist["env"], "DUCKDB_PATH": str(work / "history.duckdb")}, hist["days"]
    run = transform(["--start", str(days[0]), "--end", str(days[-1]), "--full-refresh"], env,
                    work, "history", gmp)  # fmt: skip
    run["rows"] = rows(env["DUCKDB_PATH"])
    out["history_full_refresh"] = run | {"seconds_per_day": run["wall_seconds"] / len(days)}


def summary(r: dict[str, Any]) -> None:
    """The figures the targets judge, computed into `r`."""
    walls = [b["wall_seconds"] for b in r["day_builds"]]
    r["day_build_median_seconds"] = median = statistics.median(walls)
    scan = min(s["read_text_seconds"] for s in r["raw_scans"])
    r["day_build_over_raw_scan"] = median / scan
    r["targets_met"] = {"day_build_le_6s": median <= 6, "day_build_le_4s_goal": median <= 4}


def run_text(run: dict[str, Any]) -> str:
    return (
        f"{run['wall_seconds']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB "
        f"(load {run['load_1m_after']:.1f})"
    )


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def day_rows(r: dict[str, Any]) -> list[tuple[str, ...]]:
    """The table rows of the day builds, the raw scan, the start-up and the N-day range build."""
    n, builds = r["settings"]["days"], r["day_builds"]
    prof = r.get("profiled_rebuild") or builds[-1]
    which = "an extra DBT_WRITE_JSON=true rebuild" if r.get("profiled_rebuild") else "last rebuild"
    kinds, counts = prof.get("node_seconds_by_kind") or {}, prof.get("nodes_by_kind") or {}
    scan = min(r["raw_scans"], key=lambda x: x["read_text_seconds"])
    median, met = r["day_build_median_seconds"], r["targets_met"]
    walls = " / ".join(f"{b['wall_seconds']:.1f}" for b in builds)
    loads = " / ".join(f"{b['load_1m_after']:.1f}" for b in builds)
    elapsed = prof["dbt_elapsed_seconds"]
    before = [b["before_dbt_seconds"] for b in builds if b["before_dbt_seconds"] is not None]
    return [
        (f"range build of days 1..{n - 1} (fresh warehouse)",
         run_text(r["range_days_1_to_n_minus_1"])),
        (f"day {n}: first build, {REBUILDS} rebuilds (load after each)", f"{walls} s ({loads})"),
        ("day build, median", f"{median:.1f} s", "≤ 6 s", yes(met["day_build_le_6s"])),
        ("day build, median (goal)", f"{median:.1f} s", "≤ 4 s", yes(met["day_build_le_4s_goal"])),
        (f"dbt elapsed (run_results.json of the {which})",
         f"{elapsed:.1f} s" if elapsed else "no run_results.json"),
        ("its node time by kind (nodes): " + " / ".join(kinds),
         " / ".join(f"{v:.1f} s ({counts.get(k, 0)})" for k, v in kinds.items())),
        ("its slowest nodes",
         ", ".join(f"{x['node']} {x['seconds']:.1f} s" for x in prof.get("slowest_nodes", [])[:4])),
        ("`gmp transform` before its dbt process starts (median)",
         f"{statistics.median(before):.2f} s" if before else "no dbt child seen"),
        ("dbt start-up: `dbt --version` / `dbt parse` / `dbt build -s none`",
         " / ".join(f"{v:.1f}" for v in r["dbt_startup_seconds"].values()) + " s"),
        (f"raw DuckDB `read_text` of day {n}'s {scan['files']} page files "
         f"({scan['bytes'] / 1e6:.0f} MB), best of 2", f"{scan['read_text_seconds']:.2f} s"),
        ("day build (median) ÷ raw scan", f"{r['day_build_over_raw_scan']:.0f}×"),
        (f"{n}-day range build `--full-refresh`", run_text(r["range_full_refresh"])),
        ("rows after it: " + " / ".join(TABLES),
         " / ".join(f"{v:,}" for v in r["range_full_refresh"]["rows"].values())),
    ]  # fmt: skip


def markdown(r: dict[str, Any]) -> str:
    """The results as a markdown table: measure, value, target, met."""
    s, m = r["settings"], r["machine"]
    size = f"× {len(DEFAULT_ENDPOINTS)} endpoints"
    rows_ = [(f"extract {s['days']} days {size}, 10,000 games a day", r.get("day_lake", "-"))]
    rows_ += day_rows(r) if "day_build_median_seconds" in r else []
    if "history_full_refresh" in r:
        h, days = r["history_full_refresh"], s["history_days"]
        rows_ += [
            (f"extract {days} days {size}, {s['history_games_per_day']:,} games a day",
             r["history_lake"]),
            (f"{days}-day range build `--full-refresh` (fresh warehouse)", run_text(h)),
            ("wall time per day of history", f"{h['seconds_per_day']:.2f} s"),
            ("rows after it: " + " / ".join(TABLES),
             " / ".join(f"{v:,}" for v in h["rows"].values())),
        ]  # fmt: skip
    head = (
        f"`{m['gmp']}` (commit {m['gmp_commit']}); daily set {', '.join(DEFAULT_ENDPOINTS)} "
        f"(game_details cap {DETAILS_CAP}); catalogue {CATALOGUE:,}; DuckDB {m['duckdb']}, "
        f"{m['cores']} cores, DBT_THREADS={s['dbt_threads']}, SeaweedFS on loopback; peak RSS = "
        f"the summed RSS of gmp and its children, polled every {POLL_SECONDS} s; load at start "
        f"{m['load_1m']:.1f}; {m['date']}, bench commit {m['commit']}.\n\n"
        "| measure | value | target | met |\n|---|---|---|---|\n"
    )
    return head + "".join("| " + " | ".join((*row, "", "")[:4]) + " |\n" for row in rows_)


def write(r: dict[str, Any], stem: str) -> str:
    """Write the results so far (a long run leaves its figures even if it is stopped later)."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(r, indent=2, default=str) + "\n")
    table = markdown(r)
    (RESULTS / f"{stem}.md").write_text(table)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30, help="10,000-game days (default 30)")
    parser.add_argument("--history-days", type=int, default=365, help="days of history (365)")
    parser.add_argument("--history-games-per-day", type=int, default=2000, help="(2000)")
    parser.add_argument("--gmp", type=Path, default=BIN / "gmp", help="the gmp to measure")
    parser.add_argument("--lake-dir", type=Path, help="keep and reuse the lake here")
    parser.add_argument("--skip-history", action="store_true", help="no 365-day full refresh")
    parser.add_argument("--history-only", action="store_true", help="only the history part")
    parser.add_argument("--out", default="transform", help="results file stem in bench/results/")
    a = parser.parse_args()
    lake_dir = (a.lake_dir or Path(f"/tmp/bench-transform-{os.getpid()}")).resolve()
    lake_dir.mkdir(parents=True, exist_ok=True)
    lock = (lake_dir / ".lock").open("w")  # two SeaweedFS on one data dir would corrupt it
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        parser.error(f"another bench_transform run is using {lake_dir}")
    work = lake_dir / f"run-{a.out}"  # this run's warehouses and logs: fresh every run
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    gmp = a.gmp.absolute()
    r: dict[str, Any] = {"machine": machine(gmp), "settings": {
        "days": a.days, "games_per_day": 10_000, "history_days": a.history_days,
        "history_games_per_day": a.history_games_per_day, "catalogue_size": CATALOGUE,
        "endpoints": DEFAULT_ENDPOINTS, "details_cap": DETAILS_CAP, "rebuilds": REBUILDS,
        "dbt_threads": os.environ.get("DBT_THREADS", "4"), "extractors": EXTRACTORS}}  # fmt: skip
    print(f"measuring {gmp} (commit {r['machine']['gmp_commit']}); lake in {lake_dir}", flush=True)
    try:
        with SeaweedS3(lake_dir / "s3", secret_key=SECRET) as s3:
            if not a.history_only:
                day = lake(s3, lake_dir, a.days, 10_000, work / "extract-day.log")
                r["day_lake"] = "reused" if day["reused"] else f"{day['extract_seconds']:.0f} s"
                r["day_lake_extract_seconds"] = day["extract_seconds"]
                day_builds(gmp, day, work, r)
                summary(r)
                write(r, a.out)
            if not a.skip_history:
                hist = lake(s3, lake_dir, a.history_days, a.history_games_per_day,
                            work / "extract-history.log")  # fmt: skip
                r["history_lake"] = (
                    "reused" if hist["reused"] else f"{hist['extract_seconds']:.0f} s"
                )
                r["history_lake_extract_seconds"] = hist["extract_seconds"]
                history_build(gmp, hist, work, r)
    finally:
        if a.lake_dir is None:
            shutil.rmtree(lake_dir, ignore_errors=True)
    print(write(r, a.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
