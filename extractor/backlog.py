"""Which games a day's `game_details` fetches, read from the lake alone (no local state).

For run_date D: first the day's market panel — the games of D's committed `games_popular`,
`games_rising` and `games_upcoming` partitions, in that order, each by rank, distinct — leaving
out those a committed `game_details` partition of the LOOKBACK_DAYS days before D already fetched
or found gone (the leaderboards keep their developers and publishers without fetching the same
games again every day; a panel game is fetched again once its last fetch left the look-back). A
panel not committed for D adds none (a backfill takes the panels once, on its last day). Then the
backlog — games listed in the committed `games` partitions of the LOOKBACK_DAYS days before D
that no committed `game_details` partition of their listing day or a later day (before D) fetched
or found gone (404) — oldest listing day first, each day most popular first (`added` desc, then
id); then D's own games, most popular first. A game appears once, at its first place. The cap
cuts this list; what it leaves out of the `games` listings is the next day's backlog, until none
is left or its listing day falls out of the look-back (a panel's left-outs wait for the next
day's panel). Re-running D reads only days before D, so it selects the same games again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from botocore.exceptions import ClientError

from extractor.gaps_lake import committed_days
from extractor.lake import Lake
from gmp.endpoints import PANEL_ENDPOINTS
from gmp.errors import LakeError, UsageError

SOURCE = "games"  # the list endpoint whose committed partitions say which games to fetch
DETAILS = "game_details"
LOOKBACK_DAYS = 30  # how far back a left-out game is still fetched: ~a month of listings
_READERS = 8


@dataclass(frozen=True)
class Candidate:
    """A game to fetch: its id, its `added` as listed, and the day that listed it."""

    game_id: int
    added: int
    listed_on: dt.date


@dataclass(frozen=True)
class Once:
    """A backfill's range: each game's details are fetched once over it."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(f"the backfill's range ends ({self.end}) before it starts")

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Selection:
    games: list[Candidate]  # fetch order, at most the cap
    from_backlog: int  # how many of them earlier days left out
    day_games: int  # games in run_date's own `games` partition
    more: bool  # games beyond the cap remain: carried to the next day
    fetched_in_range: int = 0  # the day's games another day of the backfill already answered
    from_panel: int = 0  # how many of them the day's panels listed


def popular_first(games: list[Candidate]) -> list[Candidate]:
    return sorted(games, key=lambda c: (-c.added, c.game_id))


def listed_games(lake: Lake, manifest: dict[str, Any]) -> list[Candidate]:
    """The games of a committed `games` partition (its manifest given), most popular first."""
    return popular_first(listing(lake, manifest))


def listing(lake: Lake, manifest: dict[str, Any]) -> list[Candidate]:
    """The games of a committed list partition (its manifest given), in page order: a panel's
    rank order."""
    day = dt.date.fromisoformat(manifest["run_date"])
    name = manifest.get("endpoint", SOURCE)
    keys = [page["key"] for page in manifest.get("pages", [])]

    def read(key: str) -> list[Candidate]:
        try:
            body = lake.get(key)
        except ClientError:
            raise LakeError(
                f"{key} vanished while reading the {name} partition of {day} (re-extracted "
                "meanwhile?); nothing committed — re-run"
            ) from None
        return [
            Candidate(int(item["id"]), int(item.get("added") or 0), day)
            for item in orjson.loads(body)["results"]
        ]

    with ThreadPoolExecutor(_READERS) as pool:
        return [c for page in pool.map(read, keys) for c in page]


def panel_games(lake: Lake, day: dt.date) -> list[Candidate]:
    """The games of run_date's committed panels, distinct: games_popular by rank, then
    games_rising, then games_upcoming. A panel not committed for the day adds none."""
    found: dict[int, Candidate] = {}
    for name in PANEL_ENDPOINTS:
        manifest = lake.manifest(name, day)
        if manifest is not None:
            for candidate in listing(lake, manifest):
                found.setdefault(candidate.game_id, candidate)
    return list(found.values())


def answered_before(lake: Lake, day: dt.date, lookback: int = LOOKBACK_DAYS) -> set[int]:
    """The ids committed `game_details` partitions of the `lookback` days before `day` answered."""
    earlier = [day - dt.timedelta(days=back) for back in range(lookback, 0, -1)]
    with ThreadPoolExecutor(_READERS) as pool:
        return set().union(*pool.map(lambda d: _done(lake.manifest(DETAILS, d)), earlier))


def day_games(lake: Lake, day: dt.date) -> list[Candidate]:
    """Run_date's own games; exit 2 when its `games` partition is not committed."""
    manifest = lake.manifest(SOURCE, day)
    if manifest is None:
        raise UsageError(
            f"the {SOURCE} partition of {day} is not committed: extract games for {day} first "
            f"(gmp extract games --run-date {day})"
        )
    return listed_games(lake, manifest)


def _done(manifest: dict[str, Any] | None) -> set[int]:
    """The ids a committed game_details partition answered: landed or gone (404)."""
    if manifest is None:
        return set()
    return {int(i) for i in manifest.get("game_ids", [])} | {
        int(i) for i in manifest.get("not_found", [])
    }


def range_answers(lake: Lake, once: Once | None) -> dict[dt.date, set[int]]:
    """Per day of the range with a committed `game_details` partition, the ids it answered: one
    LIST of the range's partitions, then their manifests. Empty without a range."""
    if once is None:
        return {}
    days = committed_days(lake, DETAILS, once.start, once.end)
    with ThreadPoolExecutor(_READERS) as pool:
        answered = list(pool.map(lambda d: _done(lake.manifest(DETAILS, d)), days))
    return dict(zip(days, answered, strict=True))


def answered_in_range(lake: Lake, day: dt.date, once: Once | None) -> set[int]:
    """The ids committed `game_details` partitions of the range's other days answered."""
    others = [ids for d, ids in range_answers(lake, once).items() if d != day]
    return set().union(*others)


def backlog(
    lake: Lake,
    day: dt.date,
    limit: int,
    lookback: int = LOOKBACK_DAYS,
    skip: frozenset[int] | set[int] = frozenset(),
) -> Iterator[Candidate]:
    """Left-out games of the `lookback` days before `day`, oldest listing day first, at most
    `limit` (game pages of later days are not read once it is reached); none of `skip`."""
    earlier = [day - dt.timedelta(days=back) for back in range(lookback, 0, -1)]

    def manifests(d: dt.date) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        return lake.manifest(SOURCE, d), lake.manifest(DETAILS, d)

    with ThreadPoolExecutor(_READERS) as pool:
        found = list(pool.map(manifests, earlier))
    answered: list[set[int]] = [set()] * (len(earlier) + 1)  # ids done on that day or later
    for index in range(len(earlier) - 1, -1, -1):
        answered[index] = answered[index + 1] | _done(found[index][1])
    seen: set[int] = set()
    for index, (games, _) in enumerate(found):
        if games is None:
            continue
        for candidate in listed_games(lake, games):
            game = candidate.game_id
            if game in answered[index] or game in seen or game in skip:
                continue
            seen.add(game)
            yield candidate
            if len(seen) >= limit:
                return


def select(
    lake: Lake, day: dt.date, cap: int, lookback: int = LOOKBACK_DAYS, once: Once | None = None
) -> Selection:
    """The games run_date's game_details fetches, in order, at most `cap`: the day's panel
    games, the backlog, the day's own games; within a backfill's range (`once`), none that
    another day of it answered."""
    own = day_games(lake, day)
    skip = answered_in_range(lake, day, once)
    panel = panel_games(lake, day)
    if panel:
        done = skip | answered_before(lake, day, lookback)
        panel = [c for c in panel if c.game_id not in done]
    taken = skip | {c.game_id for c in panel}
    carried = list(backlog(lake, day, max(1, cap + 1 - len(panel)), lookback, taken))
    ids = {c.game_id for c in carried} | taken
    order = panel + carried + [c for c in own if c.game_id not in ids]
    elsewhere = sum(1 for c in own if c.game_id in skip)
    from_panel = min(len(panel), cap)
    return Selection(
        order[:cap],
        min(len(carried), cap - from_panel),
        len(own),
        len(order) > cap,
        elsewhere,
        from_panel,
    )
