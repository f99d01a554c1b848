"""How gmp runs dbt (warehouse.dbt.run_dbt, and EarlyDbt: started before gmp's lake checks).

Its text runs with `python -c` in the Python that the `dbt` script names (it needs only dbt and
the standard library). It imports dbt (for `gmp transform`'s build: while gmp checks the bucket,
the warehouse lock and the committed partitions), then runs the one dbt command line it reads on
stdin (a JSON list) as the `dbt` script would. An empty stdin ends it with nothing run.

Two things make it faster than the `dbt` script, measured on a day's build (bench/README.md):

- Python's cyclic garbage collector is off. dbt keeps ~600,000 objects alive (its manifest,
  621 macros, compiled templates) and every full collection walks them all: ~1 s of a day's
  build. A build is one short process whose cyclic garbage (~300,000 objects at the end of a
  day's build, its peak RSS no higher) grows with its node count, not with the days it builds.
- After dbt returns, the exit handlers run (dbt-duckdb closes the warehouse there, with its
  checkpoint; logging flushes dbt.log), the output is flushed, and the process ends without
  tearing the interpreter down object by object (~1 s).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import sys


def exit_code(stop: SystemExit) -> int:
    """The process exit code a SystemExit stands for, as Python itself would map it."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def main() -> int:
    gc.disable()
    from dbt.cli.main import cli  # the import is what overlaps gmp's checks

    line = sys.stdin.readline()
    if not line.strip():
        return 0
    sys.argv = ["dbt", *json.loads(line)]
    try:
        cli()
    except SystemExit as stop:
        return exit_code(stop)
    return 0


if __name__ == "__main__":
    code = main()
    atexit._run_exitfuncs()  # dbt-duckdb closes (checkpoints) the warehouse here
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
