"""Test helpers for the dev warehouse: a lake of a few days, `gmp transform`, marts vs catalogue."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from devstack.catalogue import Catalogue
from devstack.s3server import S3Credentials
from extractor.layout import page_key as layout_page_key
from tests.conftest import CANARY_KEY, Gmp, Result

DAILY = ("games", "genres", "platforms", "stores", "tags")
MARTS = (
    "dim_games", "dim_genres", "dim_platforms", "dim_stores", "dim_tags", "dim_publishers",
    "dim_developers", "dim_creators", "bridge_game_genres", "bridge_game_platforms",
    "bridge_game_stores", "bridge_game_tags", "fct_game_daily_snapshot", "fct_game_ratings",
)  # fmt: skip
STATUSES = ("owned", "playing", "beaten", "toplay", "dropped", "yet")
TITLES = ("exceptional", "recommended", "meh", "skip")


def lake_gmp(s3: S3Credentials, client: object, prefix: str, rawg_url: str, **env: str) -> Gmp:
    """A `gmp` runner on its own lake prefix (the same env the shared `gmp` fixture builds)."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "RAWG_API_KEY": CANARY_KEY,
        "RAWG_BASE_URL": rawg_url,
        **s3.env(),
        "LAKE_PREFIX": prefix,
        "GMP_MAX_RPS": "0",
        "DBT_THREADS": "4",
    }
    return Gmp({**base, **env}, s3, client, prefix)


def extract(gmp: Gmp, days: Iterable[str], endpoints: Iterable[str] = DAILY, **env: str) -> None:
    """`gmp extract` of every (endpoint, day), four at a time; each must commit."""
    jobs = [(e, d) for d in days for e in endpoints]
    for start in range(0, len(jobs), 4):
        running = [
            (job, gmp.popen("extract", job[0], "--run-date", job[1], **env))
            for job in jobs[start : start + 4]
        ]
        for job, proc in running:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, f"extract {job}: {err[-2000:]}"


def transform(gmp: Gmp, *args: str, timeout: float = 600) -> Result:
    return gmp("transform", *args, timeout=timeout)


def transformed(gmp: Gmp, *args: str) -> Result:
    result = transform(gmp, *args)
    assert result.code == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


@contextmanager
def warehouse(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def marts_snapshot(path: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows, sorted: equal snapshots mean equal marts."""
    with warehouse(path) as con:
        return {t: rows(con, f"select * from marts.{t} order by all") for t in MARTS}


@dataclass(frozen=True)
class Seen:
    """The catalogue item a partition holds for a game, and the partition's day."""

    day: dt.date
    item: dict[str, Any]


def latest_items(partitions: Mapping[str, Catalogue]) -> dict[int, Seen]:
    """game_id -> its item in the latest partition holding it (partitions: day -> catalogue)."""
    latest: dict[int, Seen] = {}
    for text in sorted(partitions):
        day, catalogue = dt.date.fromisoformat(text), partitions[text]
        for game_id in catalogue.game_ids_updated_on(day):
            latest[game_id] = Seen(day, catalogue.game(game_id, day))
    return latest


def dim_games_row(seen: Seen) -> tuple[Any, ...]:
    item = seen.item
    released = item["released"]
    return (
        item["id"], item["slug"], item["name"],
        dt.date.fromisoformat(released) if released else None,
        item["tba"], item["rating"], item["rating_top"], item["ratings_count"],
        item["reviews_text_count"], item["added"], item["metacritic"], item["playtime"],
        (item["esrb_rating"] or {}).get("name"),
        dt.datetime.fromisoformat(item["updated"]), seen.day,
    )  # fmt: skip


def snapshot_row(day: dt.date, item: dict[str, Any]) -> tuple[Any, ...]:
    statuses = item["added_by_status"] or {}
    return (
        item["id"], day, item["rating"], item["ratings_count"], item["added"],
        *(statuses.get(s, 0) for s in STATUSES), item["metacritic"],
    )  # fmt: skip


def ratings_rows(day: dt.date, item: dict[str, Any]) -> list[tuple[Any, ...]]:
    by_title = {r["title"]: r["count"] for r in item["ratings"]}
    return [(item["id"], day, title, by_title.get(title, 0)) for title in TITLES]


def secret_free(result: Result, *secrets: str) -> bool:
    text = result.stdout + result.stderr
    return all(s not in text for s in secrets)


def page_key(gmp: Gmp, endpoint: str, day: str, number: int = 1) -> str:
    return layout_page_key(gmp.prefix, endpoint, day, number)


def model_failed(result: Result, test_name: str) -> bool:
    return re.search(rf"(FAIL|ERROR) \d* ?{re.escape(test_name)}", result.stdout) is not None
