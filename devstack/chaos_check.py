"""What a chaos run is judged by: the lake's committed page bodies, the marts, and the RAWG
requests it made against a fault-free run (devstack/chaos.py runs it)."""

# ruff: noqa: S608 - table and column names come from information_schema and are quoted

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from devstack.chaos import Attempt
from devstack.s3server import S3Credentials
from devstack.standin_faults import RecordedRequest
from extractor.layout import INCOMING, MANIFEST, PAGE_RE

Partition = tuple[str, str]  # (endpoint, run_date)


@dataclass
class LakeView:
    """One lake prefix, read with plain S3 calls (not the product's code)."""

    s3: S3Credentials
    prefix: str
    client: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = self.s3.client(timeout=30)

    def keys(self, under: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        found: list[str] = []
        for page in paginator.paginate(Bucket=self.s3.bucket, Prefix=f"{self.prefix}/{under}"):
            found += [item["Key"][len(self.prefix) + 1 :] for item in page.get("Contents", [])]
        return sorted(found)

    def read(self, key: str) -> bytes:
        obj = self.client.get_object(Bucket=self.s3.bucket, Key=f"{self.prefix}/{key}")
        return obj["Body"].read()  # type: ignore[no-any-return]

    def committed(self) -> frozenset[Partition]:
        """The partitions whose manifest is written: (endpoint, YYYY-MM-DD)."""
        found = set()
        for key in self.keys():
            parts = key.split("/")
            if len(parts) == 3 and parts[2] == MANIFEST and parts[1].startswith("run_date="):
                found.add((parts[0], parts[1].removeprefix("run_date=")))
        return frozenset(found)

    def page_digests(self) -> dict[str, str]:
        """sha256 of every page body of every committed partition, by key below the prefix."""
        committed = {f"{e}/run_date={d}/" for e, d in self.committed()}
        return {
            key: hashlib.sha256(self.read(key)).hexdigest()
            for key in self.keys()
            if key.rsplit("/", 1)[0] + "/" in committed and PAGE_RE.fullmatch(key.split("/")[-1])
        }

    def manifest(self, endpoint: str, day: str) -> dict[str, Any]:
        return json.loads(self.read(f"{endpoint}/run_date={day}/{MANIFEST}"))  # type: ignore[no-any-return]

    def leftovers(self) -> list[str]:
        """What killed runs left in the staging area (outside every reader's glob)."""
        return self.keys(f"{INCOMING}/")


def mart_differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Every mart table of warehouse `a` against `b`, row for row (bags, not sets): table ->
    (rows in a, rows only in a, rows only in b), for the tables that differ; a table only one
    side has counts as differing wholly. Load-time columns (`*loaded_at*`, `dbt_*`) left out."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        tables = {
            side: {
                (schema, name)
                for schema, name in con.execute(
                    "select table_schema, table_name from information_schema.tables "
                    "where table_catalog = ? and table_type = 'BASE TABLE' "
                    "and table_schema like '%marts%'",
                    [side],
                ).fetchall()
            }
            for side in ("a", "b")
        }
        found: dict[str, tuple[int, int, int]] = {}
        for schema, name in sorted(tables["a"] | tables["b"]):
            label = f"{schema}.{name}"
            if (schema, name) not in tables["a"] or (schema, name) not in tables["b"]:
                found[label] = (-1, -1, -1)
                continue
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_catalog = 'a'"
                    " and table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if "loaded_at" not in row[0] and not row[0].startswith("dbt_")
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            side_a, side_b = f'a."{schema}"."{name}"', f'b."{schema}"."{name}"'

            def count(sql: str) -> int:
                row = con.execute(sql).fetchone()
                return int(row[0]) if row else 0

            rows = count(f"select count(*) from {side_a}")
            only_a = count(f"select count(*) from ({_except(cols, side_a, side_b)})")
            only_b = count(f"select count(*) from ({_except(cols, side_b, side_a)})")
            if only_a or only_b or rows != count(f"select count(*) from {side_b}"):
                found[label] = (rows, only_a, only_b)
        return found
    finally:
        con.close()


def _except(columns: str, left: str, right: str) -> str:
    return f"select {columns} from {left} except all select {columns} from {right}"


def mart_rows(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema like '%marts%' order by 1"
        ).fetchall()
        return {
            n: int(con.execute(f"select count(*) from {n}").fetchone()[0])  # type: ignore[index]
            for (n,) in names
        }
    finally:
        con.close()


FAULTED = "faulted"  # answered with an injected fault (429, 5xx, a hang): each costs a retry
GUARD = "guard"  # the quota guard's count probes (page_size=1), made by every start
FIRST = "as fault-free"  # one of the requests the fault-free run made (as often as it did)
REDONE = "redone"  # asked more often than that: its partition was not committed when asked
REFETCHED = "refetched committed"  # asked more often although its partition was committed


def request_key(request: RecordedRequest) -> tuple[str, tuple[tuple[str, str], ...]]:
    return request.path, tuple(sorted(request.params.items()))


def partitions_of(
    request: RecordedRequest, details: dict[int, set[str]], snapshot_day: str
) -> set[Partition]:
    """The partitions a successful request serves (`details`: game id -> the days whose
    game_details asked for it, from the lake)."""
    path = request.path
    if path.startswith("/games/"):
        game = path.removeprefix("/games/")
        return {("game_details", day) for day in details.get(int(game), set())}
    if path == "/games":
        updated = request.params.get("updated", "")
        return {("games", updated.split(",")[0])} if updated else set()
    return {(path.strip("/"), snapshot_day)}


def detail_days(lake: LakeView, committed: Iterable[Partition]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for endpoint, day in committed:
        if endpoint == "game_details":
            manifest = lake.manifest(endpoint, day)
            for game in [*manifest.get("game_ids", []), *manifest.get("not_found", [])]:
                found.setdefault(int(game), set()).add(day)
    return found


def classify(
    requests: Sequence[RecordedRequest],
    attempts: Sequence[Attempt],
    details: dict[int, set[str]],
    snapshot_day: str,
    fault_free: Sequence[RecordedRequest],
) -> list[tuple[int, str]]:
    """Each request's attempt number and class (FAULTED, GUARD, FIRST, REDONE, REFETCHED).
    A request the fault-free run made n times (a game listed on two days is asked twice) is
    FIRST the first n times it is answered here."""
    left = Counter(request_key(r) for r in fault_free if r.status in (200, 404))
    out = []
    for request in sorted(requests, key=lambda r: r.received_at):
        number = attempt_of(request, attempts)
        committed = attempts[number - 1].committed_at_start if number else frozenset()
        key = request_key(request)
        if request.status not in (200, 404):
            kind = FAULTED
        elif request.params.get("page_size") == "1":
            kind = GUARD
        elif left[key] > 0:
            left[key] -= 1
            kind = FIRST
        else:
            serves = partitions_of(request, details, snapshot_day)
            kind = REFETCHED if serves and serves <= committed else REDONE
        out.append((number, kind))
    return out


def attempt_of(request: RecordedRequest, attempts: Sequence[Attempt]) -> int:
    """The number of the attempt running when the request arrived (0: none was)."""
    for attempt in attempts:
        if attempt.started <= request.received_at <= attempt.ended + 0.5:
            return attempt.number
    return 0


def tally(classes: Iterable[tuple[int, str]]) -> dict[str, Any]:
    """Totals by class, and each attempt's requests by class."""
    by_class: Counter[str] = Counter()
    by_attempt: dict[int, Counter[str]] = {}
    for number, kind in classes:
        by_class[kind] += 1
        by_attempt.setdefault(number, Counter())[kind] += 1
    return {
        "total": sum(by_class.values()),
        "by_class": dict(by_class),
        "by_attempt": {n: dict(c) for n, c in sorted(by_attempt.items())},
    }
