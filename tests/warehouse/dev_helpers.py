"""Test helpers for the dev warehouse: a lake of a few days, `gmp transform`, marts vs catalogue."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from devstack.catalogue import Catalogue
from devstack.s3server import S3Credentials
from extractor.layout import manifest_key
from extractor.layout import page_key as layout_page_key
from gmp.endpoints import PAGE_SIZE
from tests.conftest import CANARY_KEY, Gmp, Result

DAILY = ("games", "genres", "platforms", "stores", "tags")
DETAILS = "game_details"  # extracted after `games` of its day: it reads that partition
MARTS = (
    "dim_games", "dim_genres", "dim_platforms", "dim_stores", "dim_tags", "dim_publishers",
    "dim_developers", "dim_creators", "bridge_game_genres", "bridge_game_platforms",
    "bridge_game_stores", "bridge_game_tags", "bridge_game_developers", "bridge_game_publishers",
    "fct_game_daily_snapshot", "fct_game_ratings", "fct_game_popularity_daily",
)  # fmt: skip
PANELS = ("games_popular", "games_rising", "games_upcoming")  # rank columns: popular_rank, ...
RELEASED = "games_released"
COMPANIES = ("developers", "publishers")
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


def extract_details(gmp: Gmp, days: Iterable[str], **env: str) -> None:
    """`gmp extract game_details`, day after day: a day's selection reads the days before."""
    for day in days:
        result = gmp("extract", DETAILS, "--run-date", day, timeout=300, **env)
        assert result.code == 0, f"extract {DETAILS} {day}: {result.stderr[-2000:]}"


def land(gmp: Gmp, endpoint: str, day: str, items: Sequence[dict[str, Any]]) -> None:
    """Commit a partition of list items as `gmp extract` lands one: RAWG's pages of PAGE_SIZE
    items in listing order (one empty page for none), then the manifest, written last."""
    pages = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    put = gmp.client.put_object  # type: ignore[attr-defined]
    entries = []
    for number, results in enumerate(pages, 1):
        key = page_key(gmp, endpoint, day, number)
        body = {"count": len(items), "next": None, "previous": None, "results": list(results)}
        put(Bucket=gmp.s3.bucket, Key=key, Body=json.dumps(body).encode())
        entries.append({"key": key, "records": len(results)})
    manifest = {"endpoint": endpoint, "run_date": day, "page_count": len(entries),
                "record_count": len(items), "finished_at": f"{day}T23:59:59+00:00",
                "pages": entries}  # fmt: skip
    put(Bucket=gmp.s3.bucket, Key=manifest_key(gmp.prefix, endpoint, day),
        Body=json.dumps(manifest).encode())  # fmt: skip


def popularity_rows(
    day: dt.date, panels: Mapping[str, Sequence[dict[str, Any]]]
) -> list[tuple[Any, ...]]:
    """fct_game_popularity_daily as a day's panels (endpoint -> items in listing order) give it:
    one row per game any panel listed, its rank (from 1) in each panel or None."""
    ranks: dict[int, dict[str, int]] = {}
    items: dict[int, dict[str, Any]] = {}
    for panel in PANELS:
        for position, item in enumerate(panels.get(panel, ())):
            ranks.setdefault(item["id"], {})[panel] = position + 1
            items[item["id"]] = item

    def row(game_id: int) -> tuple[Any, ...]:
        item, statuses = items[game_id], items[game_id]["added_by_status"] or {}
        return (
            game_id, day, item["added"], *(statuses.get(s, 0) for s in STATUSES),
            item["ratings_count"], item["rating"], item["metacritic"],
            *(ranks[game_id].get(p) for p in PANELS),
        )  # fmt: skip

    return sorted(row(game_id) for game_id in ranks)


def transform(gmp: Gmp, *args: str, timeout: float = 600, **env: str) -> Result:
    return gmp("transform", *args, timeout=timeout, **env)


def dbt_unit_tests(gmp: Gmp, *args: str) -> Result:
    """`dbt test --select test_type:unit` on gmp's warehouse, with the env `gmp transform` gives
    dbt (a day's build leaves the unit tests to CI; they need the models' parents built)."""
    from warehouse.dbt import dbt_env, dbt_settings, range_env, run_dbt

    settings = dbt_settings(gmp.env)
    env = {**dbt_env(gmp.env, settings), **range_env([dt.date(2024, 5, 1)])}
    out = io.StringIO()
    code = run_dbt(settings, ["test", "--select", "test_type:unit", *args], env, out)
    return Result(code, out.getvalue(), "")


def transformed(gmp: Gmp, *args: str, **env: str) -> Result:
    result = transform(gmp, *args, **env)
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


def lake_details(gmp: Gmp, days: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """day -> the detail bodies its committed game_details partition holds (none: no day)."""
    found = {}
    for day in days:
        manifest = gmp.manifest(DETAILS, day)
        if manifest is not None:
            pages = [json.loads(gmp.read(page["key"])) for page in manifest["pages"]]
            found[day] = [body for page in pages for body in page["results"]]
    return found


def latest_details(by_day: Mapping[str, list[dict[str, Any]]]) -> dict[int, Seen]:
    """game_id -> its body in the latest game_details partition holding it."""
    return {
        body["id"]: Seen(dt.date.fromisoformat(day), body)
        for day in sorted(by_day)
        for body in by_day[day]
    }


def company_dim(by_day: Mapping[str, list[dict[str, Any]]], kind: str) -> list[tuple[Any, ...]]:
    """dim_developers/dim_publishers as the details alone give them: every company, its
    attributes from the latest day (ties: most games, then name, slug, image)."""
    seen: dict[int, list[tuple[Any, ...]]] = {}
    for day, bodies in by_day.items():
        for company in (c for body in bodies for c in body[kind]):
            row = (company["id"], company["name"], company["slug"], company["games_count"],
                   company["image_background"], dt.date.fromisoformat(day))  # fmt: skip
            seen.setdefault(company["id"], []).append(row)

    def order(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (-row[5].toordinal(), -row[3], row[1], row[2], row[4] is None, row[4] or "")

    return sorted(min(rows, key=order) for rows in seen.values())


def dim_games_row(seen: Seen, detail: Seen | None = None) -> tuple[Any, ...]:
    item, body = seen.item, (detail.item if detail else {})
    released = item["released"]
    return (
        item["id"], item["slug"], item["name"],
        dt.date.fromisoformat(released) if released else None,
        item["tba"], item["rating"], item["rating_top"], item["ratings_count"],
        item["reviews_text_count"], item["added"], item["metacritic"], item["playtime"],
        (item["esrb_rating"] or {}).get("name"),
        dt.datetime.fromisoformat(item["updated"]), seen.day,
        body.get("description_raw") or None, body.get("website") or None,
        detail.day if detail else None,
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
