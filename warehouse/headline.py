"""A few headline numbers from the dev warehouse's marts (what `make demo` prints at the end).

`python -m warehouse.headline [--run-date D]` reads DUCKDB_PATH read-only.
"""
# ruff: noqa: S608 - table names come from information_schema and are quoted; values are bound

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import duckdb

ATTRIBUTION = "Data from RAWG (https://rawg.io)."


def mart(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The qualified name of a mart table, whichever schema dbt put it in."""
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ? "
        "order by table_schema = 'marts' desc, table_schema",
        [name],
    ).fetchall()
    if not rows:
        raise LookupError(f"mart {name} not found: has `gmp transform` run?")
    return f'"{rows[0][0]}"."{name}"'


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Any:
    row = con.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def headline(path: Path, run_date: str | None = None) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        games, genres = mart(con, "dim_games"), mart(con, "dim_genres")
        bridge, snapshot = mart(con, "bridge_game_genres"), mart(con, "fct_game_daily_snapshot")
        found: dict[str, Any] = {
            "warehouse": str(path),
            "dim_games": scalar(con, f"select count(*) from {games}"),
            "snapshot_rows": scalar(con, f"select count(*) from {snapshot}"),
            "run_dates": [
                str(r[0])
                for r in con.execute(
                    f"select distinct run_date from {snapshot} order by 1"
                ).fetchall()
            ],
        }
        found["top_genres"] = con.execute(
            f"select g.name, count(*) as games from {bridge} b join {genres} g using (genre_id) "
            "group by g.name order by games desc, g.name limit 5"
        ).fetchall()
        where = "where rating is not null"
        found["top_rated"] = con.execute(
            f"select name, rating, ratings_count from {games} {where} "
            "order by rating desc, ratings_count desc, name limit 5"
        ).fetchall()
        if run_date:
            found["games_seen_on_run_date"] = scalar(
                con,
                f"select count(*) from {snapshot} where cast(run_date as varchar) = ?",
                run_date,
            )
            found.update(market(con, run_date))
        return found
    finally:
        con.close()


def market(con: duckdb.DuckDBPyConnection, run_date: str) -> dict[str, Any]:
    """The market panel's games, the day's releases and its top gainer (empty before the
    panel's marts exist)."""
    try:
        panel, gainers = mart(con, "fct_game_popularity_daily"), mart(con, "rpt_top_gainers")
    except LookupError:
        return {}
    day = "where cast(run_date as varchar) = ?"
    top = con.execute(
        f"select name, added_gained_per_day from {gainers} {day} "
        "order by added_gained_per_day desc, name limit 1",
        [run_date],
    ).fetchone()
    return {
        "panel_games": scalar(con, f"select count(distinct game_id) from {panel} {day}", run_date),
        "top_gainer": top,
    }


def show(found: dict[str, Any]) -> str:
    lines = [
        f"warehouse (DuckDB): {found['warehouse']}",
        f"dim_games: {found['dim_games']:,} games; fct_game_daily_snapshot: "
        f"{found['snapshot_rows']:,} rows over {len(found['run_dates'])} run date(s)",
    ]
    if "games_seen_on_run_date" in found:
        lines.append(f"games seen on the run date (any list): {found['games_seen_on_run_date']:,}")
    if "panel_games" in found:
        lines.append(f"market panel (popular, rising, upcoming): {found['panel_games']:,} games")
    if found.get("top_gainer"):
        name, per_day = found["top_gainer"]
        lines.append(f"top gainer: {name} ({per_day:+,.1f} added a day)")
    lines.append("top genres by games: " + ", ".join(f"{n} ({c})" for n, c in found["top_genres"]))
    lines.append("top rated: " + "; ".join(f"{n} ({r})" for n, r, _ in found["top_rated"]))
    lines.append(ATTRIBUTION)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.headline", description=__doc__)
    parser.add_argument("--run-date")
    parser.add_argument("--duckdb-path", default=os.environ.get("DUCKDB_PATH"))
    args = parser.parse_args(argv)
    if not args.duckdb_path:
        print("headline: DUCKDB_PATH is not set", file=sys.stderr)
        return 2
    try:
        print(show(headline(Path(args.duckdb_path), args.run_date)))
    except (LookupError, duckdb.Error) as exc:
        print(f"headline: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
