"""How long `gmp report` takes on a dev warehouse (default: the one `make demo` leaves).

Runs the command N times (wall and CPU time of the process, median) and, in-process, times its
phases: reading the report models, drawing the charts, writing the page. Prints a JSON object
and writes it to bench/results/report.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warehouse.report import charts, page
from warehouse.report.data import Window, load
from warehouse.report.source import DuckDBSource

REPO = Path(__file__).resolve().parents[1]
GMP = str(Path(sys.executable).with_name("gmp"))


def timed_command(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([GMP, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", default=str(REPO / ".sandbox/demo/warehouse.duckdb"))
    parser.add_argument("--run-date", default="2024-05-01")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db = Path(args.duckdb)
    if not db.is_file():
        print(f"no warehouse at {db}: run `make demo` first", file=sys.stderr)
        return 2
    env = {**os.environ, "DUCKDB_PATH": str(db), "DBT_TARGET": "dev"}
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    command = ["report", "--run-date", args.run_date, "--days", str(args.days), "--out", str(out)]
    runs = [timed_command(command, env) for _ in range(args.repeat)]
    window = Window(dt.date.fromisoformat(args.run_date), args.days)
    phases: dict[str, list[float]] = {"read": [], "draw": [], "write": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        source = DuckDBSource(db)
        data = load(source, window)
        t1 = time.perf_counter()
        figures = charts.all_charts(data)
        text = page.render(figures, window, dt.datetime.now(dt.UTC))
        t2 = time.perf_counter()
        (out / "index.html").write_text(text)
        t3 = time.perf_counter()
        source.close()
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            phases[name].append(seconds)
    result = {
        "warehouse": str(db),
        "run_date": args.run_date,
        "days": args.days,
        "repeat": args.repeat,
        "source_days_in_window": len(data.extracted),  # (run_date, source) pairs with rows
        "command_wall_s_median": round(statistics.median(w for w, _ in runs), 2),
        "command_cpu_s_median": round(statistics.median(c for _, c in runs), 2),
        **{f"{k}_s_median": round(statistics.median(v), 3) for k, v in phases.items()},
        "page_bytes": (out / "index.html").stat().st_size,
        "load_average_1m": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result, indent=2))
    (REPO / "bench/results/report.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
