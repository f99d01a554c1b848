"""`make demo`'s steps, run inside `gmp sandbox`: a short history, then the daily run and report.

The stand-in's clock (`$GMP_STANDIN_ADMIN/today`) is set to the backfill's last day before the
backfill and to the run date before the daily run, so the two market-panel snapshots differ, as
two real days of RAWG would.

    python -m devstack.demo --date 2024-05-01 --days 7 --dir .sandbox/demo --endpoints games,...
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import urllib.request
from pathlib import Path


def set_standin_today(day: dt.date) -> None:
    """Move the stand-in's clock: what its undated (panel) queries show as "today"."""
    admin = os.environ["GMP_STANDIN_ADMIN"]  # the sandbox's: http://127.0.0.1:PORT/_standin
    if not admin.startswith(("http://", "https://")):
        raise SystemExit(f"GMP_STANDIN_ADMIN={admin!r} is not an http(s) URL")
    url = f"{admin}/today?day={day.isoformat()}"
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - checked above
        pass


def step(*args: str, stdout: Path | None = None) -> None:
    """One command of the demo, from the venv that runs this module; stop at the first failure."""
    binary = Path(sys.executable).parent
    command = [str(binary / args[0]), *args[1:]]
    if stdout is None:
        subprocess.run(command, check=True)
    else:
        with stdout.open("w") as out:
            subprocess.run(command, check=True, stdout=out)
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__)
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, default=7, help="days of history before --date")
    parser.add_argument("--dir", type=Path, required=True, help="where logs and report go")
    parser.add_argument("--endpoints", required=True, help="comma-separated endpoint names")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    first, last = args.date - dt.timedelta(days=args.days), args.date - dt.timedelta(days=1)
    logs, run_date = args.dir / "logs", args.date.isoformat()

    set_standin_today(last)
    step("gmp", "backfill", "--start", first.isoformat(), "--end", last.isoformat(),
         "--endpoints", args.endpoints, "--logs", str(logs / "backfill"))  # fmt: skip
    set_standin_today(args.date)
    step("gmp", "run", "--run-date", run_date, "--endpoints", args.endpoints,
         "--logs", str(logs / run_date))  # fmt: skip
    step("python", "-m", "warehouse.headline", "--run-date", run_date)
    step("gmp", "report", "--run-date", run_date, "--days", str(args.days + 1),
         "--out", str(args.dir / "report"))  # fmt: skip
    step("gmp", "quota", stdout=args.dir / "quota.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
