"""A stand-in for `gmp` in runner tests: starts in milliseconds, records what it was asked to do.

Every call appends one JSON line (argv, start/end times, code, GMP_ALERT_WEBHOOK) to $FAKE_GMP_LOG.
Commands: `dates --start A --end B [--endpoints E] [--snapshots]` (the days as gmp prints them:
`{"run_date", "endpoints"}` objects with the per-day endpoints; --snapshots: the snapshot
endpoints), `validate ...`, `gate --workflow W --run-date D [--close]` (the stop marker, a file
beside $FAKE_GMP_LOG), `extract NAME ...` (prints records),
`transform ...`, `outcome ...`, `sleep S`, `exit CODE`, `flaky FILE N` (fails N times, then
succeeds), `echo TEXT`, `env NAME` (prints the variable), `touch PATH`, `raw TEXT` (TEXT with
backslash escapes, no newline added), `big N` (N bytes then "TAIL\n"), `biglist N` (a JSON list
of N strings), `fails NAME DIR` (exits 1 as many times as FAKE_FAILS says for NAME, e.g.
"games=9,tags=1", then succeeds), `spawn FILE S` (starts a plain grandchild sleeping S s, writes
"<own pid> <grandchild pid>" to FILE, sleeps S s).
Environment knobs: FAKE_FAIL_EXTRACT=name (that extract exits 1), FAKE_SLEEP=seconds per step,
FAKE_PASS_SLEEP=seconds a `fails` or `extract` call that succeeds takes, FAKE_FAIL_DAY=D
(extracts of run date D exit 4).
"""

import datetime as dt
import json
import os
import sys
import time

# The snapshot endpoints (gmp/endpoints.py Mode.SNAPSHOT), generated beside this file: under
# `python -S` this fake cannot import gmp.
from fake_registry import SNAPSHOTS


def _count_call(path):
    """How many times this counter file was bumped before; bumps it (calls across processes)."""
    seen = 0
    if os.path.exists(path):
        with open(path) as f:
            seen = int(f.read())
    with open(path, "w") as f:
        f.write(str(seen + 1))
    return seen


def _endpoints(argv):
    text = argv[argv.index("--endpoints") + 1].strip()
    names = json.loads(text) if text.startswith("[") else text.split(",")
    return [n.strip() for n in names if n.strip()]


def main(argv):
    started = time.time()
    command = argv[0] if argv else ""
    code, out = 0, ""
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
    if command == "dates":
        start = dt.date.fromisoformat(argv[argv.index("--start") + 1])
        end = dt.date.fromisoformat(argv[argv.index("--end") + 1])
        days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        code = 0 if days else 2
        names = _endpoints(argv) if "--endpoints" in argv else None
        per_day = ",".join(n for n in names or [] if n not in SNAPSHOTS)
        if names is None:  # a plain fan-out over the days, for generic runner tests
            out = json.dumps(days) if code == 0 else ""
        elif "--snapshots" in argv:
            out = json.dumps([n for n in names if n in SNAPSHOTS])
        elif code == 0:  # no per-day endpoint (only snapshots): no day runs
            out = json.dumps([{"run_date": d, "endpoints": per_day} for d in days if per_day])
    elif command == "validate":  # like `gmp validate`: stdout is the endpoint list, as JSON
        code = 2 if "bad" in argv[argv.index("--run-date") + 1] else 0
        out = json.dumps(_endpoints(argv)) if code == 0 else ""
    elif command == "gate":  # like `gmp gate`: open / closed, from the workflow's stop marker
        marker = os.path.join(
            os.path.dirname(os.environ["FAKE_GMP_LOG"]),
            "stop-" + argv[argv.index("--workflow") + 1],
        )
        if "--close" in argv:
            open(marker, "w").close()
        out = "closed" if os.path.exists(marker) else "open"
    elif command == "extract":
        code = 1 if os.environ.get("FAKE_FAIL_EXTRACT") == argv[1] else 0
        day = argv[argv.index("--run-date") + 1] if "--run-date" in argv else None
        if day and os.environ.get("FAKE_FAIL_DAY") == day:  # that day's extracts: exit 4 (quota)
            code = 4
        if not code:
            time.sleep(float(os.environ.get("FAKE_PASS_SLEEP", "0")))
        out = json.dumps({"endpoint": argv[1], "records": len(argv[1])}) if code == 0 else ""
    elif command == "sleep":
        time.sleep(float(argv[1]))
    elif command == "exit":
        code = int(argv[1])
    elif command == "flaky":
        code = 1 if _count_call(argv[1]) < int(argv[2]) else 0
    elif command == "raw":
        sys.stdout.write(argv[1].encode().decode("unicode_escape"))
    elif command == "big":
        sys.stdout.write("x" * int(argv[1]) + "TAIL\n")
    elif command == "biglist":
        print(json.dumps([f"{i:08d}" for i in range(int(argv[1]))]))
    elif command == "fails":
        times = dict(pair.split("=") for pair in os.environ["FAKE_FAILS"].split(","))
        code = 1 if _count_call(os.path.join(argv[2], argv[1])) < int(times.get(argv[1], 0)) else 0
        if not code:
            time.sleep(float(os.environ.get("FAKE_PASS_SLEEP", "0")))
    elif command == "spawn":
        import subprocess

        child = subprocess.Popen(
            [sys.executable, "-S", "-c", f"import time; time.sleep({argv[2]})"]
        )
        with open(argv[1] + ".tmp", "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        os.replace(argv[1] + ".tmp", argv[1])
        time.sleep(float(argv[2]))
    elif command == "echo":
        out = argv[1]
    elif command == "env":
        out = os.environ.get(argv[1], "<unset>")
    elif command == "touch":
        open(argv[1], "w").close()
        out = argv[1]
    if out:
        print(out)
    if code:
        print(f"fake gmp: {command} failed with {code}", file=sys.stderr)
    record = {
        "argv": argv,
        "start": started,
        "end": time.time(),
        "code": code,
        "allow_over_quota": os.environ.get("GMP_ALLOW_OVER_QUOTA"),
        "alert_webhook": os.environ.get("GMP_ALERT_WEBHOOK"),  # which steps may see it
    }
    with open(os.environ["FAKE_GMP_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
