"""Extractor benchmark: gmp vs dlt's rest_api on the RAWG stand-in, and gmp's peak memory."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from devstack.s3server import SeaweedS3

RESULTS = Path(__file__).resolve().parent / "results"
GMP = Path(sys.executable).parent / "gmp"
RUN_DATE = "2024-05-01"
KEY = "bench-key-not-a-secret"
PAGE_SIZE = 40
CONCURRENCY = 8
LATENCY_MS = 100.0  # per request, in every run (speed and memory)
SMALL_DAY, BIG_DAY, BIG_CATALOGUE = 10_000, 100_000, 200_000
GMP_RUNS = 3  # the 10k-game day is extracted this many times; the median wall time counts
TARGETS = {  # name: (as printed, met?)
    "requests": ("= ⌈records ÷ 40⌉", lambda r: r["gmp_10k"]["requests_over_minimum"] == 0),
    "efficiency": ("≥ 80 %", lambda r: r["gmp_10k"]["efficiency"] >= 0.80),
    "speedup": ("≥ 3×", lambda r: r["speedup"] >= 3.0),
    "rss_10k": ("≤ 150 MB", lambda r: r["memory"]["rss_10k_mb"] <= 150),
    "rss_100k": ("≤ 150 MB", lambda r: r["memory"]["rss_100k_mb"] <= 150),
    "rss_spread": ("within 10 %", lambda r: abs(r["memory"]["rss_spread"]) <= 0.10),
}


class Standin:
    """The RAWG stand-in in its own process: `url` is its API root, `served()` counts requests."""

    def __init__(self, games_per_day: int, catalogue_size: int) -> None:
        self.args = [sys.executable, "-m", "devstack.standin", "--port", "0",
                     "--games-per-day", str(games_per_day), "--catalogue-size", str(catalogue_size),
                     "--latency-ms", str(LATENCY_MS), "--tba-share", "0"]  # fmt: skip
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> Standin:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if not self.url.startswith("http"):
            self.__exit__()
            raise RuntimeError(f"the RAWG stand-in did not start: {' '.join(self.args)}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the stand-in stops cleanly
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _requests(self, method: str) -> Any:
        url = self.url.removesuffix("/api") + "/_standin/requests"
        return httpx.request(method, url, timeout=30).raise_for_status().json()

    def reset(self) -> None:
        self._requests("DELETE")

    def served(self) -> int:
        return sum(1 for r in self._requests("GET") if r["path"] == "/games")


def vm_hwm_kib(pid: int) -> int:
    """The kernel's peak RSS of a process's current image (VmHWM); 0 once it has exited."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmHWM:")), 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far."""
    process = psutil.Process(pid)
    times = [p.cpu_times() for p in (process, *process.children(recursive=True))]
    return sum(t.user + t.system for t in times)


def run_gmp(env: dict[str, str], prefix: str, tmp: Path, watch: dict[str, int]) -> dict[str, Any]:
    """One `gmp extract games` process: its JSON summary, wall time, peak RSS and CPU time.

    Peak RSS is VmHWM polled every 20 ms, not wait4's ru_maxrss: Linux carries the parent's peak
    RSS into the ru_maxrss of a child it spawns, so a big parent (dlt imported) inflates it.
    `watch` names other processes (stand-in, S3) whose CPU time during the run is reported.
    """
    env = {**os.environ, **env, "LAKE_PREFIX": prefix, "RAWG_API_KEY": KEY}
    env |= {"GMP_CONCURRENCY": str(CONCURRENCY), "GMP_MAX_RPS": "0", "GMP_LOG_FORMAT": "json"}
    stem = prefix.replace("/", "-")
    out, err = tmp / f"{stem}.out", tmp / f"{stem}.err"
    cpu_before = {name: cpu_seconds(pid) for name, pid in watch.items()}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        command = [str(GMP), "extract", "games", "--run-date", RUN_DATE]
        proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        peak_kib, reaped = 0, 0
        try:
            while not reaped:
                peak_kib = max(peak_kib, vm_hwm_kib(proc.pid))
                reaped, status, usage = os.wait4(proc.pid, os.WNOHANG)
                time.sleep(0 if reaped else 0.02)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"gmp exited with {proc.returncode}: {err.read_text()[-2000:]}")
    cpu = {"gmp": usage.ru_utime + usage.ru_stime}
    cpu |= {name: cpu_seconds(pid) - cpu_before[name] for name, pid in watch.items()}
    summary = json.loads(out.read_text().splitlines()[-1])
    return {**summary, "wall_seconds": wall, "peak_rss_mb": peak_kib / 1024, "cpu_seconds": cpu}


def run_dlt(base_url: str, tmp: Path) -> dict[str, Any]:
    """dlt's rest_api source following `next` links through the same day, into local jsonl."""
    os.environ |= {"RUNTIME__DLTHUB_TELEMETRY": "false", "DLT_DATA_DIR": str(tmp / "dlt-data"),
                   "RUNTIME__LOG_LEVEL": "ERROR"}  # fmt: skip
    import dlt
    from dlt.sources.rest_api import rest_api_source

    client = {
        "base_url": base_url + "/",
        "auth": {"type": "api_key", "name": "key", "api_key": KEY, "location": "query"},
        "paginator": {"type": "json_link", "next_url_path": "next"},
    }
    params = {"updated": f"{RUN_DATE},{RUN_DATE}", "page_size": PAGE_SIZE}
    endpoint = {"path": "games", "params": params, "data_selector": "results"}
    config: Any = {"client": client, "resources": [{"name": "games", "endpoint": endpoint}]}
    source = rest_api_source(config, max_table_nesting=0)  # one row per game: raw-ish
    pipeline = dlt.pipeline(
        pipeline_name="bench_rawg",
        pipelines_dir=str(tmp / "dlt-pipelines"),
        destination=dlt.destinations.filesystem(bucket_url=(tmp / "dlt-lake").as_uri()),
        dataset_name="rawg",
    )
    started = time.perf_counter()
    pipeline.run(source, loader_file_format="jsonl")
    wall = time.perf_counter() - started
    trace = pipeline.last_trace
    steps = {s.step: (s.finished_at - s.started_at).total_seconds() for s in trace.steps}
    records = trace.last_normalize_info.row_counts["games"]
    return {"wall_seconds": wall, "extract_seconds": steps["extract"],
            "normalize_seconds": steps["normalize"], "load_seconds": steps["load"],
            "records": records}  # fmt: skip


def measure(tmp: Path) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Start SeaweedFS and the stand-ins, run every measurement, stop everything (also on error)."""
    s3 = SeaweedS3(tmp / "s3")
    try:
        s3_env = s3.start().env()
        with Standin(SMALL_DAY, 2 * SMALL_DAY) as small:
            assert small.proc is not None and s3.pid is not None
            env = {**s3_env, "RAWG_BASE_URL": small.url}
            watch = {"standin": small.proc.pid, "s3": s3.pid}
            runs = []
            for i in range(1, GMP_RUNS + 1):
                print(f"10k-game day: gmp, run {i} of {GMP_RUNS}", file=sys.stderr)
                small.reset()
                runs.append(run_gmp(env, f"bench/gmp-10k-{i}", tmp, watch))
                runs[-1]["requests_served"] = small.served()
            print("10k-game day: dlt rest_api, one page after another (~40 s)", file=sys.stderr)
            small.reset()
            dlt_run = run_dlt(small.url, tmp) | {"requests_served": small.served()}
        print("100k-game day: gmp (~60 s)", file=sys.stderr)
        with Standin(BIG_DAY, BIG_CATALOGUE) as big:
            big_run = run_gmp({**s3_env, "RAWG_BASE_URL": big.url}, "bench/gmp-100k", tmp, {})
    finally:
        s3.stop()
    return runs, dlt_run, big_run


def machine(load_before: float) -> dict[str, Any]:
    """Where and when; the load averages say whether other work shared the cores."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    git = ["git", "-C", str(RESULTS.parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    return {"cores": os.cpu_count(), "python": platform.python_version(), "date": now,
            "platform": platform.platform(), "commit": commit, "load_1m_before": load_before,
            "load_1m_after": os.getloadavg()[0]}  # fmt: skip


def summarise(
    runs: list[dict[str, Any]], dlt_run: dict[str, Any], big: dict[str, Any], load: float
) -> dict[str, Any]:
    """Every measured number, the derived ones, and which targets are met."""
    gmp = sorted(runs, key=lambda r: r["wall_seconds"])[len(runs) // 2]  # the median run
    minimum = math.ceil(gmp["records"] / PAGE_SIZE)
    bound = gmp["requests"] / (CONCURRENCY / (LATENCY_MS / 1000))
    speed = {
        "wall_seconds": gmp["wall_seconds"],
        "extract_seconds": gmp["seconds"],  # gmp's own clock: no start-up, no S3 check
        "records": gmp["records"],
        "requests": gmp["requests"],
        "requests_minimum": minimum,
        "requests_over_minimum": max(r["requests"] for r in runs) - minimum,
        "bound_seconds": bound,
        "efficiency": bound / gmp["wall_seconds"],
        "efficiency_in_process": bound / gmp["seconds"],
        "cpu_seconds": gmp["cpu_seconds"],  # gmp, the stand-in and SeaweedFS, during the run
        "cpu_floor_seconds": sum(gmp["cpu_seconds"].values()) / (os.cpu_count() or 1),
    }
    small_rss = max(r["peak_rss_mb"] for r in runs)
    results = {
        "machine": machine(load),
        "settings": {"latency_ms": LATENCY_MS, "concurrency": CONCURRENCY, "max_rps": 0},
        "gmp_10k": speed,
        "dlt_10k": dlt_run,
        "speedup": dlt_run["wall_seconds"] / gmp["wall_seconds"],
        "speedup_vs_dlt_extract_step": dlt_run["extract_seconds"] / gmp["wall_seconds"],
        "memory": {
            "rss_10k_mb": small_rss,
            "rss_100k_mb": big["peak_rss_mb"],
            "rss_spread": big["peak_rss_mb"] / small_rss - 1,
        },
        "gmp_10k_runs": runs,
        "gmp_100k_run": big,
    }
    results["targets_met"] = {name: met(results) for name, (_, met) in TARGETS.items()}
    return results


def markdown(r: dict[str, Any]) -> str:
    """The results as a markdown table: measure, value, target, met."""
    s, d, m, big, info = r["gmp_10k"], r["dlt_10k"], r["memory"], r["gmp_100k_run"], r["machine"]
    cores = info["cores"]
    cpu = " + ".join(f"{seconds:.1f}" for seconds in s["cpu_seconds"].values())
    floor = s["cpu_floor_seconds"]
    rows = [
        (f"10k-game day: gmp wall time (median of {GMP_RUNS})", f"{s['wall_seconds']:.2f} s", ""),
        ("requests made", f"{s['requests']} for {s['records']} records", "requests"),
        (f"bound: requests × {LATENCY_MS:g} ms ÷ {CONCURRENCY}", f"{s['bound_seconds']:.2f} s", ""),
        ("efficiency = bound ÷ wall time", f"{s['efficiency']:.0%}", "efficiency"),
        ("efficiency, extraction alone (its `seconds`)", f"{s['efficiency_in_process']:.0%}", ""),
        (f"CPU time gmp + stand-in + SeaweedFS (÷ {cores} cores)", f"{cpu} s (= {floor:.2f})", ""),
        ("dlt rest_api: `pipeline.run` wall time", f"{d['wall_seconds']:.2f} s", ""),
        ("dlt rest_api: its extract step alone", f"{d['extract_seconds']:.2f} s", ""),
        ("gmp speed-up over dlt `pipeline.run`", f"{r['speedup']:.1f}×", "speedup"),
        (f"gmp peak RSS, 10k-game day (max of {GMP_RUNS})", f"{m['rss_10k_mb']:.0f} MB", "rss_10k"),
        (f"gmp peak RSS, 100k-game day ({big['requests']} requests, {big['wall_seconds']:.0f} s)",
         f"{m['rss_100k_mb']:.0f} MB", "rss_100k"),
        ("peak RSS, 100k vs 10k", f"{m['rss_spread']:+.0%}", "rss_spread"),
    ]  # fmt: skip
    table = ["| measure | value | target | met |", "|---|---|---|---|"]
    for label, value, name in rows:
        target = TARGETS[name][0] if name else ""
        met = ("yes" if r["targets_met"][name] else "**no**") if name else ""
        table.append(f"| {label} | {value} | {target} | {met} |")
    setup = (
        f"RAWG stand-in at {LATENCY_MS:g} ms per request; gmp with GMP_CONCURRENCY={CONCURRENCY}, "
        f"GMP_MAX_RPS=0; {cores} cores (1-min load {info['load_1m_before']:.1f} before, "
        f"{info['load_1m_after']:.1f} after), Python {info['python']}, {info['date']}, "
        f"commit {info['commit']}."
    )
    return "\n".join([setup, "", *table]) + "\n"


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so that cleanup runs
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gmp-bench-") as tmp:
        results = summarise(*measure(Path(tmp)), load)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "extract.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "extract.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
