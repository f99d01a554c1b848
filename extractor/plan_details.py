"""Request cost of a detail endpoint: min(cap, the backlog + the day's games), day by day.

The first day's backlog is read from the lake exactly as the extraction reads it
(extractor/backlog.py); the day's games come from its committed `games` partition, or from
RAWG's count when it is not committed yet. Later days of a range carry, oldest listing day
first, what the cap left, and drop what falls out of the look-back, as the extraction will.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from extractor.backlog import LOOKBACK_DAYS, SOURCE, backlog, listed_games
from extractor.lake import Lake
from extractor.plan import PlanLine
from gmp.endpoints import Endpoint

Owed = list[tuple[dt.date, int]]  # (listing day, games still owed), oldest first


def plan_details(
    endpoint: Endpoint,
    days: list[dt.date],
    lake: Lake | None,
    *,
    cap: int,
    games_count: Callable[[dt.date], int],
    lookback: int = LOOKBACK_DAYS,
) -> list[PlanLine]:
    lines: list[PlanLine] = []
    owed: Owed = []
    note = f"at most {cap} a day; the backlog first (look-back {lookback} days)"
    if lake is None:
        note += "; backlog unknown: LAKE_BUCKET is not set"
    for index, day in enumerate(days):
        if index == 0:
            owed, own, exact = _first_day(day, lake, cap, games_count)
        else:
            owed = [(d, n) for d, n in owed if (day - d).days <= lookback]
            own = games_count(day)
            # Games listed on several days are fetched once: the carried sum is an upper bound,
            # and exact only when nothing is carried or the day alone fills the cap.
            exact = (lines[-1].exact and not owed) or own >= cap
        carried = sum(n for _, n in owed)
        requests = min(cap, carried + own)
        upper = lake is not None  # overlaps can only lower it; an unknown backlog only raise it
        lines.append(
            PlanLine(endpoint.name, day, carried + own, requests, exact, note,
                     upper_bound=not exact and upper)
        )  # fmt: skip
        owed = _consume(owed, own, day, requests)
    return lines


def _consume(owed: Owed, own: int, day: dt.date, requests: int) -> Owed:
    """What is still owed after `requests` games were fetched, oldest listing day first."""
    left: Owed = []
    for listed_on, count in owed:
        taken = min(count, requests)
        requests -= taken
        if count > taken:
            left.append((listed_on, count - taken))
    if own > requests:
        left.append((day, own - requests))
    return left


def _first_day(
    day: dt.date, lake: Lake | None, cap: int, games_count: Callable[[dt.date], int]
) -> tuple[Owed, int, bool]:
    """(backlog by listing day, the day's own games not in it, exact), from the lake."""
    if lake is None:
        own = games_count(day)
        return [], own, own >= cap
    carried = list(backlog(lake, day, cap + 1))
    owed = sorted(Counter(c.listed_on for c in carried).items())
    ids = {c.game_id for c in carried}
    committed = lake.manifest(SOURCE, day)
    if committed is None:  # RAWG's count: a game of the backlog listed again today counts twice
        own = games_count(day)
        return owed, own, not carried or own >= cap or len(carried) >= cap
    return owed, sum(1 for c in listed_games(lake, committed) if c.game_id not in ids), True
