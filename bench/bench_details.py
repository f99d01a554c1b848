"""game_details layout benchmark: how fast DuckDB (httpfs over SeaweedFS) reads a day of details
stored one file per game against batches of B bodies per file, as dbt's dev warehouse reads them.

The bodies are the stand-in's `GET /games/{id}` answers (~6 kB each, like RAWG's). For each
layout the day is written under its own prefix, then read SAMPLES times, each by a fresh DuckDB
connection (no cache), with the query the dev warehouse runs: `read_text` of the listed files,
each parsed as JSON and its `results` counted. Also timed: storing the objects (the extractor's
PUTs, 4 at a time; the commit copies each object once more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from devstack.catalogue import Catalogue, CatalogueConfig
from devstack.s3server import S3Credentials, SeaweedS3
from extractor import layout
from extractor.details import envelope
from warehouse.dbt import httpfs_extension

RESULTS = Path(__file__).resolve().parent / "results"
DAY = dt.date(2024, 5, 1)
SAMPLES = 5
WRITERS = 4
QUERY = (
    "select count(*) as files, sum(json_array_length(json(content), '$.results')) as games "
    "from read_text(?)"
)


def bodies(count: int) -> list[bytes]:
    catalogue = Catalogue(CatalogueConfig(games_per_day=count, catalogue_size=20 * count))
    found: list[bytes] = []
    for game_id in catalogue.game_ids_updated_on(DAY):
        body = catalogue.game_detail_json(game_id, DAY)
        if body is not None:
            found.append(body.encode())
    return found


def store(s3: S3Credentials, prefix: str, day: list[bytes], batch: int) -> tuple[list[str], float]:
    client = s3.client(timeout=30)
    chunks = [day[i : i + batch] for i in range(0, len(day), batch)]
    keys = [layout.page_key(prefix, "game_details", DAY, n + 1) for n in range(len(chunks))]

    def put(number: int) -> None:
        client.put_object(Bucket=s3.bucket, Key=keys[number], Body=envelope(chunks[number]))

    started = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(put, range(len(keys))))
    return keys, time.perf_counter() - started


def read(s3: S3Credentials, keys: list[str]) -> tuple[float, int, int]:
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})  # fmt: skip
    con.load_extension(httpfs_extension())
    con.execute(
        "create secret lake (type s3, key_id ?, secret ?, region ?, endpoint ?, url_style 'path',"
        " use_ssl false)",
        [s3.access_key, s3.secret_key, s3.region, s3.endpoint.removeprefix("http://")],
    )  # fmt: skip
    urls = [f"s3://{s3.bucket}/{key}" for key in keys]
    started = time.perf_counter()
    files, games = con.execute(QUERY, [urls]).fetchone()  # type: ignore[misc]
    seconds = time.perf_counter() - started
    con.close()
    return seconds, int(files), int(games)


def measure(sizes: list[int], batches: list[int], tmp: Path) -> dict[str, Any]:
    runs = []
    with SeaweedS3(tmp / "s3") as s3:
        credentials = s3.credentials
        for size in sizes:
            day = bodies(size)
            megabytes = sum(len(b) for b in day) / 1e6
            for batch in batches:
                if batch > len(day) and batch != batches[0]:
                    continue
                prefix = f"bench/details/{size}/{batch}"
                keys, write = store(credentials, prefix, day, batch)
                samples = [read(credentials, keys) for _ in range(SAMPLES)]
                assert all(s[2] == len(day) for s in samples), "a layout lost games"
                seconds = [s[0] for s in samples]
                runs.append({"games": len(day), "megabytes": round(megabytes, 2), "batch": batch,
                             "files": len(keys), "write_seconds": round(write, 3),
                             "read_seconds": [round(s, 3) for s in seconds],
                             "read_median": round(statistics.median(seconds), 3)})  # fmt: skip
                median = statistics.median(seconds)
                print(f"  {len(day)} games, batch {batch}: {len(keys)} files, read {median:.2f} s,"
                      f" write {write:.2f} s", flush=True)  # fmt: skip
    git = ["git", "-C", str(RESULTS.parent), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    return {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                        "duckdb": duckdb.__version__, "commit": commit,
                        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "load_1m": os.getloadavg()[0]},
            "samples": SAMPLES, "runs": runs}  # fmt: skip


def report(result: dict[str, Any]) -> str:
    lines = [f"| games | batch (bodies per file) | files | read, median of {result['samples']} "
             f"| write ({WRITERS} PUTs at once) |", "|---|---|---|---|---|"]  # fmt: skip
    for run in result["runs"]:
        lines.append(f"| {run['games']} ({run['megabytes']} MB) | {run['batch']} | {run['files']} "
                     f"| {run['read_median']:.2f} s | {run['write_seconds']:.2f} s |")  # fmt: skip
    machine = result["machine"]
    return (f"# game_details layout\n\n{machine['date']}, {machine['cores']} cores, load "
            f"{machine['load_1m']:.1f}, DuckDB {machine['duckdb']}, commit {machine['commit']}\n\n"
            + "\n".join(lines) + "\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,2000", help="games a day (default %(default)s)")
    parser.add_argument("--batches", default="1,10,50,100,250,500", help="bodies per file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    with tempfile.TemporaryDirectory(prefix="gmp-bench-details-") as tmp:
        result = measure(sizes, batches, Path(tmp))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "details.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "details.md").write_text(report(result))
    print(report(result))


if __name__ == "__main__":
    main()
